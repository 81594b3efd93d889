"""Hypothesis strategies the protect tests share: valid NIRs, comments, dates, postcodes."""

from __future__ import annotations

from hypothesis import strategies as st
from stdnum.fr import nir as std_nir

KEYS = st.binary(min_size=32, max_size=32)
VALID_MONTHS = [f"{m:02d}" for m in [*range(1, 13), *range(20, 43), *range(50, 100)]]
VALID_DEPARTMENTS = [f"{d:02d}" for d in range(1, 100) if d != 96] + ["2A", "2B", "2a", "2b"]


def digits(size: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=size, max_size=size)


@st.composite
def valid_nirs(draw: st.DrawFn) -> str:
    """A NIR the scan's detector accepts, compact or grouped with spaces, dots or dashes."""
    body = (
        draw(st.sampled_from("123478"))
        + draw(digits(2))
        + draw(st.sampled_from(VALID_MONTHS))
        + draw(st.sampled_from(VALID_DEPARTMENTS))
        + draw(digits(6))
    )
    number = body + std_nir.calc_check_digits(body.upper() + "00")
    separator = draw(st.sampled_from(["", " ", ".", "-"]))
    groups = [number[0], number[1:3], number[3:5], number[5:7], number[7:10], number[10:13]]
    return separator.join([*groups, number[13:]])


def compact(nir: str) -> str:
    return nir.replace(" ", "").replace(".", "").replace("-", "").upper()


@st.composite
def valid_phones(draw: st.DrawFn) -> str:
    """A French mobile number in one of the usual notations."""
    national = draw(st.sampled_from(["60", "61", "62", "64", "65", "66", "67", "68", "75"]))
    national += draw(digits(7))
    pairs = " ".join(national[i : i + 2] for i in range(1, 9, 2))
    return draw(
        st.sampled_from(
            [
                f"0{national}",
                f"0{national[0]} {pairs}",
                f"+33 {national[0]} {pairs}",
                f"+33{national}",
            ]
        )
    )


EMAILS = st.builds(
    lambda user, domain: f"{user}@{domain}.fr",
    st.text("abcdefghijklmnopqrstuvwxyz.0123456789", min_size=1, max_size=12).filter(
        lambda u: not u.startswith(".") and not u.endswith(".") and ".." not in u
    ),
    st.sampled_from(["orange", "free", "laposte", "mssante", "labo-bio"]),
)
IBANS = st.sampled_from(
    ["FR7630006000011234567890189", "FR76 3000 6000 0112 3456 7890 189", "DE89370400440532013000"]
)
WORDS = [
    "patient", "à", "jeun", "prélèvement", "hémolysé", "VIH", "séropositif", "grossesse",
    "chimiothérapie", "Dr", "Martin", "tel", "rappeler", "NIR", "mail", "IBAN", "12", "4,2",
    "0612", "2A", "ng/mL", "€", "«", "»", "😀", "ÉTÉ", "œuf", "[PHONE]", "+33",
]  # fmt: skip
SEPARATORS = [" ", ", ", "; ", " - ", "\n", " (", ") ", ": ", " / ", "", "-", ".", "@"]
IDENTIFIERS = st.one_of(valid_nirs(), valid_phones(), EMAILS, IBANS)


@st.composite
def comments(draw: st.DrawFn) -> str:
    """Lab-comment-like text with identifiers inside, sometimes glued to their neighbours."""
    pieces = draw(st.lists(st.one_of(st.sampled_from(WORDS), IDENTIFIERS, digits(2)), max_size=10))
    return "".join(piece + draw(st.sampled_from(SEPARATORS)) for piece in pieces)
