"""The same person gives the same key however a copy of the file wrote them: case, accents,
spacing, date and phone formats, one name column or two; and a different person a different
key. Phone numbers are checked against Google's libphonenumber (``phonenumbers``), NIRs against
``python-stdnum``."""

from __future__ import annotations

import unicodedata
from datetime import date

import phonenumbers
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.fr import nir as stdnum_nir

from sceau.trace.identity import (
    IdentityColumns,
    Kind,
    email_key,
    identity_keys,
    kind_of,
    name_words,
    nir_key,
    phone_key,
)


def _one(expression: pl.Expr, value: object) -> object:
    return pl.DataFrame({"v": [value]}).select(expression.alias("k"))["k"][0]


_NIR13 = st.builds(
    lambda sex, year, month, dept, rest: f"{sex}{year:02d}{month:02d}{dept}{rest:06d}",
    st.sampled_from("1278"),
    st.integers(0, 99),
    st.integers(1, 12),
    st.sampled_from(["75", "13", "2A", "2B", "69", "97"]),
    st.integers(1, 999_999),
)


@settings(max_examples=300)
@given(base=_NIR13, separator=st.sampled_from(["", " ", ".", "-"]), lower=st.booleans())
def test_a_nir_written_any_way_gives_its_13_characters(base, separator, lower):
    full = base + stdnum_nir.calc_check_digits(base)
    assert stdnum_nir.is_valid(full)
    groups = [full[0], full[1:3], full[3:5], full[5:7], full[7:10], full[10:13], full[13:]]
    written = separator.join(groups)
    if lower:
        written = written.lower()
    assert _one(nir_key(pl.col("v")), written) == base
    assert _one(nir_key(pl.col("v")), base) == base  # the key cut off still matches


@given(value=st.text(max_size=20))
def test_anything_else_gives_no_nir(value):
    key = _one(nir_key(pl.col("v")), value)
    assert key is None or len(key) == 13


_WORD = st.text(
    alphabet=st.sampled_from("abcdeéèêëfghiïjklmnoôpqrstuüvwxyzç"), min_size=1, max_size=9
)


def _strip(word: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKD", word) if unicodedata.category(c) != "Mn"
    ).lower()


@settings(max_examples=300)
@given(
    surname=st.lists(_WORD, min_size=1, max_size=2),
    first=st.lists(_WORD, min_size=1, max_size=2),
    upper=st.booleans(),
    joiner=st.sampled_from([" ", "-", "  ", " ' "]),
)
def test_a_name_split_or_joined_recased_or_unaccented_gives_the_same_words(
    surname, first, upper, joiner
):
    two = pl.DataFrame(
        {
            "nom": [joiner.join(w.upper() if upper else w for w in surname)],
            "prenom": [joiner.join(first)],
        }
    ).select(name_words(pl.col("nom"), pl.col("prenom")).alias("k"))["k"][0]
    one = pl.DataFrame({"full": [" ".join(_strip(w) for w in first + surname)]}).select(
        name_words(pl.col("full")).alias("k")
    )["k"][0]
    assert two == one == " ".join(sorted(_strip(w) for w in surname + first))


@settings(max_examples=300)
@given(
    national=st.from_regex(r"0[1-79][0-9]{8}", fullmatch=True),
    style=st.sampled_from(
        [
            phonenumbers.PhoneNumberFormat.E164,
            phonenumbers.PhoneNumberFormat.INTERNATIONAL,
            phonenumbers.PhoneNumberFormat.NATIONAL,
        ]
    ),
    dots=st.booleans(),
)
def test_a_french_phone_in_any_format_gives_its_ten_digits(national, style, dots):
    parsed = phonenumbers.parse(national, "FR")
    written = phonenumbers.format_number(parsed, style)
    if dots:
        written = written.replace(" ", ".")
    expected = "0" + str(parsed.national_number)
    assert _one(phone_key(pl.col("v")), written) == expected
    assert _one(phone_key(pl.col("v")), "0033" + national[1:]) == expected
    assert _one(phone_key(pl.col("v")), int(national)) == expected  # a spreadsheet's number


def test_an_address_is_trimmed_and_folded_and_a_non_address_is_none():
    assert _one(email_key(pl.col("v")), "  Jean.Dupont@Exemple.FR ") == "jean.dupont@exemple.fr"
    assert _one(email_key(pl.col("v")), "jean.dupont") is None
    assert _one(email_key(pl.col("v")), "") is None


@settings(max_examples=200)
@given(
    day=st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)),
    form=st.sampled_from(["%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y", "%Y%m%d", "%d-%m-%Y"]),
)
def test_name_and_birth_date_hold_in_every_date_format(day, form):
    frame = pl.DataFrame({"n": ["Dupont"], "p": ["Jean"], "d": [day.strftime(form)]})
    keys = identity_keys(frame, IdentityColumns(names=("n", "p"), birth_date="d"))
    assert keys[Kind.NAME_BIRTH][0] == f"dupont jean|{day.isoformat()}"
    typed = identity_keys(
        pl.DataFrame({"n": ["DUPONT"], "p": ["Jean"], "d": [day]}),
        IdentityColumns(names=("n", "p"), birth_date="d"),
    )
    assert typed[Kind.NAME_BIRTH][0] == keys[Kind.NAME_BIRTH][0]  # a Parquet date column


def test_a_missing_part_gives_no_key_and_kinds_follow_the_columns():
    frame = pl.DataFrame({"n": ["Dupont", None, "  "], "d": ["01/02/1980", "01/02/1980", "x"]})
    columns = IdentityColumns(names=("n",), birth_date="d")
    assert columns.kinds == (Kind.NAME_BIRTH,)
    assert identity_keys(frame, columns)[Kind.NAME_BIRTH].to_list() == [
        "dupont|1980-02-01",
        None,
        None,
    ]
    assert IdentityColumns(nirs=("a",), emails=("b",), phones=("c", "d")).kinds == (
        Kind.NIR,
        Kind.EMAIL,
        Kind.PHONE,
    )


def test_the_patients_columns_are_chosen_never_a_practitioners():
    from sceau.detect.base import Category, ColumnFinding, Subject

    def column(name: str, category: Category, subject: Subject) -> ColumnFinding:
        return ColumnFinding(name=name, category=category, confidence=1.0, subject=subject)

    found = IdentityColumns.of(
        [
            column("NOM_MED", Category.PERSON_NAME, Subject.PRACTITIONER),
            column("NOM", Category.PERSON_NAME, Subject.PATIENT),
            column("PRENOM", Category.PERSON_NAME, Subject.UNKNOWN),
            column("DDN", Category.BIRTH_DATE, Subject.PATIENT),
            column("TEL_MED", Category.PHONE, Subject.PRACTITIONER),
            column("TEL", Category.PHONE, Subject.PATIENT),
            column("INS", Category.INS, Subject.PATIENT),
            column("MAIL_MUT", Category.EMAIL, Subject.INSURER),
        ]
    )
    assert found == IdentityColumns(
        nirs=("INS",), names=("NOM", "PRENOM"), birth_date="DDN", phones=("TEL",)
    )


def test_a_copy_that_dropped_the_birth_name_still_shares_a_key():
    original = identity_keys(
        pl.DataFrame(
            {"NOM": ["MARTIN"], "NOM_JF": ["DUPONT"], "PRENOM": ["Léa"], "DDN": ["01/02/1980"]}
        ),
        IdentityColumns(names=("NOM", "NOM_JF", "PRENOM"), birth_date="DDN"),
    )
    assert original.columns == ["name_birth", "name_birth#1", "name_birth#2", "name_birth#3"]
    copy = identity_keys(
        pl.DataFrame({"nom complet": ["Martin Lea"], "naissance": ["1980-02-01"]}),
        IdentityColumns(names=("nom complet",), birth_date="naissance"),
    )
    assert copy.row(0)[0] in original.row(0)
    assert [kind_of(c) for c in original.columns] == [Kind.NAME_BIRTH] * 4


def test_each_phone_column_gives_its_own_key_of_one_kind():
    keys = identity_keys(
        pl.DataFrame({"fixe": ["01 02 03 04 05"], "mobile": ["+33 6 12 34 56 78"]}),
        IdentityColumns(phones=("fixe", "mobile")),
    )
    assert keys.row(0, named=True) == {"phone": "0102030405", "phone#1": "0612345678"}
