"""The identity keys are recorded: a faster way of computing them must give every key exactly as
the first one did, or every recorded fingerprint stops matching. ``_recorded_keys`` is that first
computation, kept here verbatim (row by row, every name set folded anew), and the keys of today's
:func:`identity_keys` are compared with it on the foreign exports (written apart from sceau) and
on generated values that stress the fold: accents, ligatures, apostrophes, Greek sigma, empty and
letterless names, every date and phone form."""

from __future__ import annotations

from datetime import date
from itertools import combinations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from tests.foreign.generator import generate
from tests.trace.test_trace_leak import read_table

from sceau.dates import read_day
from sceau.detect.scan import scan
from sceau.trace.identity import MAX_COLUMNS, SPLIT, IdentityColumns, Kind, identity_keys

_NIR = r"^[1-478][0-9]{4}(?:[0-9]{2}|2[AB])[0-9]{6}(?:[0-9]{2})?$"
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def _recorded_keys(frame: pl.DataFrame, columns: IdentityColumns) -> pl.DataFrame:
    """The keys as they were first recorded: do not change this function."""

    def text(values: pl.Expr) -> pl.Expr:
        return values.cast(pl.String)

    def nir_key(values: pl.Expr) -> pl.Expr:
        compact = text(values).str.replace_all(r"[\s.\-]", "").str.to_uppercase()
        return pl.when(compact.str.contains(_NIR)).then(compact.str.slice(0, 13))

    def name_words(*names: pl.Expr) -> pl.Expr:
        joined = pl.concat_str([text(c).fill_null("") for c in names], separator=" ")
        folded = (
            joined.str.normalize("NFKD")
            .str.replace_all(r"\p{Mn}", "")
            .str.to_lowercase()
            .str.replace_all(r"[^\p{L}]+", " ")
            .str.strip_chars()
        )
        words = folded.str.split(" ").list.eval(pl.element().filter(pl.element() != "").sort())
        joined_words = words.list.join(" ")
        return pl.when(joined_words != "").then(joined_words)

    def email_key(values: pl.Expr) -> pl.Expr:
        trimmed = text(values).str.strip_chars().str.to_lowercase()
        return pl.when(trimmed.str.contains(_EMAIL)).then(trimmed)

    def phone_key(values: pl.Expr) -> pl.Expr:
        digits = text(values).str.replace_all(r"\(0\)", "").str.replace_all(r"[^0-9]", "")
        national = digits.str.replace(r"^(?:0033|33|0)?([1-9][0-9]{8})$", "0${1}")
        return pl.when(national.str.len_chars() >= 8).then(national)

    keys: list[tuple[Kind, pl.Expr]] = []
    keys += [(Kind.NIR, nir_key(pl.col(c))) for c in columns.nirs[:MAX_COLUMNS]]
    if columns.names and columns.birth_date:
        day = read_day(text(pl.col(columns.birth_date)), pivot=None).dt.strftime("%Y-%m-%d")
        chosen = columns.names[:MAX_COLUMNS]
        pairs = list(combinations(chosen, 2)) if len(chosen) > 2 else []
        for names in [chosen, *pairs]:
            name = name_words(*(pl.col(c) for c in names))
            keys.append(
                (
                    Kind.NAME_BIRTH,
                    pl.when(name.is_not_null() & day.is_not_null()).then(
                        pl.concat_str([name, day], separator="|")
                    ),
                )
            )
    keys += [(Kind.EMAIL, email_key(pl.col(c))) for c in columns.emails[:MAX_COLUMNS]]
    keys += [(Kind.PHONE, phone_key(pl.col(c))) for c in columns.phones[:MAX_COLUMNS]]
    seen: dict[Kind, int] = {}
    named = []
    for kind, expression in keys:
        number = seen.get(kind, 0)
        seen[kind] = number + 1
        named.append(expression.alias(f"{kind}{SPLIT}{number}" if number else kind.value))
    return frame.select(named)


@pytest.mark.parametrize("seed", [2021, 2022])
def test_every_foreign_export_gives_the_recorded_keys(tmp_path, seed):
    generate(tmp_path, patients=400, seed=seed)
    compared = 0
    for path in sorted(p for p in tmp_path.iterdir() if p.suffix in (".csv", ".txt")):
        (table,) = scan([str(path)]).tables
        columns = IdentityColumns.of(table.columns)
        if not columns.kinds:
            continue
        frame = read_table(path)
        assert_frame_equal(identity_keys(frame, columns), _recorded_keys(frame, columns))
        compared += 1
    assert compared == 4  # the four vendors' delimited exports all hold identities


_NAME = st.text(
    alphabet=st.sampled_from(
        [*"abcDEFéèÉçÇœŒæÆßΣσςİıÅﬁ  -'’.,0123\t", "\u0301", "\u00a0", "ǅ", "Ⅻ"]
    ),
    max_size=14,
)
_DAY = st.one_of(
    st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: f"{d.day}.{d.month}.{d.year} 10h30"),
    st.dates().map(lambda d: d.strftime("%Y%m%d")),
    st.text(alphabet="0123456789/-. :T", max_size=12),
)
_PHONE = st.one_of(
    st.text(alphabet="0123456789+ ().-/x", max_size=20),
    st.lists(
        st.sampled_from(["+33", "0033", "(0)", "((0)", "0)", "0", "6", "12", " ", ".", "-", "("]),
        max_size=10,
    ).map("".join),
)
_NIRS = st.text(alphabet="0123456789ABab .-", min_size=12, max_size=18)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.none() | _NAME,
            st.none() | _NAME,
            st.none() | _NAME,
            st.none() | _DAY,
            st.none() | _PHONE,
            st.none() | _NIRS,
            st.none() | st.emails() | _NAME,
        ),
        min_size=1,
        max_size=30,
    ),
    name_columns=st.integers(1, 3),
)
def test_generated_values_give_the_recorded_keys(rows, name_columns):
    frame = pl.DataFrame(
        rows,
        schema=["nom", "jf", "prenom", "ddn", "tel", "nir", "mail"],
        orient="row",
    )
    names = ("nom", "jf", "prenom")[:name_columns]
    for repeated in (frame, pl.concat([frame, frame.reverse()])):  # values seen twice, too
        columns = IdentityColumns(
            nirs=("nir",), names=names, birth_date="ddn", emails=("mail",), phones=("tel",)
        )
        assert_frame_equal(identity_keys(repeated, columns), _recorded_keys(repeated, columns))


def test_typed_columns_give_the_recorded_keys():
    """A Parquet copy holds dates, numbers and nulls where a CSV held text."""
    frame = pl.DataFrame(
        {
            "nom": ["Dupont", None, "Dupont", "Ñúñez-Ça"],
            "prenom": [None, None, "Jean Marc", "Ana"],
            "ddn": [date(1984, 3, 12), None, date(1984, 3, 12), date(2001, 1, 1)],
            "tel": [612345678, None, 33612345678, 145],
            "vide": [None, None, None, None],
        }
    )
    for columns in (
        IdentityColumns(names=("nom", "prenom"), birth_date="ddn", phones=("tel", "vide")),
        IdentityColumns(names=("vide",), birth_date="vide", nirs=("tel",), emails=("nom",)),
    ):
        assert_frame_equal(identity_keys(frame, columns), _recorded_keys(frame, columns))
