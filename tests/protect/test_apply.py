"""The protect stage over a synthetic lab export: one column per moved rule, each treated."""

from __future__ import annotations

from functools import cache

import polars as pl
import pytest
from argon2 import PasswordHasher
from stdnum.fr import nir as std_nir

from sceau.detect.freetext import count_embedded
from sceau.errors import SceauError
from sceau.mandate.model import ColumnRule, Treatment
from sceau.protect.apply import ProtectKeys, apply_rules, field_context
from sceau.protect.base import ProtectError
from sceau.protect.encrypt import decrypt_values
from sceau.protect.pseudonymise import pseudonymise
from sceau.synth import generate

KEYS = ProtectKeys(pseudonym=bytes(range(32)), field=bytes(range(32, 64)))
OTHER_KEYS = ProtectKeys(pseudonym=bytes(32), field=bytes(32))
CONTEXT = "M-2026-001"

RULES = [
    ColumnRule("NUM_DOSSIER", Treatment.PSEUDONYMISE, target="dossier"),
    ColumnRule("N_SS", Treatment.PSEUDONYMISE, "nir", target="nir"),
    ColumnRule("NOM_PAT", Treatment.ENCRYPT, target="nom"),
    ColumnRule("PRENOM_PAT", Treatment.DROP),
    ColumnRule("SEXE", Treatment.KEEP, target="sexe"),
    ColumnRule("DDN", Treatment.GENERALISE, "year", target="annee_naissance"),
    ColumnRule("CP_PAT", Treatment.GENERALISE, "department", target="departement"),
    ColumnRule("DT_DERN_VISITE", Treatment.GENERALISE, "month", target="mois_visite"),
    ColumnRule("COMMENT1", Treatment.REDACT, target="commentaire"),
    ColumnRule("COMMENT2", Treatment.REDACT, target="remarques"),
    ColumnRule("TEL1", Treatment.DROP),
]


@cache
def lab(patients: int) -> pl.DataFrame:
    return generate(patients, seed=7, lab="lab-a").frame


def test_one_column_per_moved_rule_in_order():
    frame = lab(2_000)
    out = apply_rules(frame, RULES, KEYS, context=CONTEXT)
    assert out.columns == [
        "dossier", "nir", "nom", "sexe", "annee_naissance", "departement", "mois_visite",
        "commentaire", "remarques",
    ]  # fmt: skip
    assert out.height == frame.height
    assert all(dtype == pl.String for dtype in out.dtypes)
    assert out["sexe"].to_list() == frame["SEXE"].to_list()
    assert out["dossier"].to_list() == pseudonymise(frame["NUM_DOSSIER"], KEYS.pseudonym).to_list()
    nirs = out["nir"].to_list()
    assert sum(std_nir.is_valid(n) for n in nirs) > 0.99 * len(nirs)
    assert set(out["annee_naissance"].str.len_chars().to_list()) == {4}
    assert count_embedded(out["commentaire"]) == count_embedded(out["remarques"]) == {}
    opened = decrypt_values(out["nom"], KEYS.field, context=field_context(CONTEXT, "nom"))
    assert opened.to_list() == frame["NOM_PAT"].to_list()


def test_nothing_of_a_treated_column_survives_in_clear():
    frame = lab(2_000)
    out = apply_rules(frame, RULES, KEYS, context=CONTEXT)
    for source, target in (("NUM_DOSSIER", "dossier"), ("N_SS", "nir"), ("NOM_PAT", "nom")):
        original = set(frame[source].drop_nulls().to_list())
        assert not original & set(out[target].drop_nulls().to_list())


def test_pseudonyms_depend_on_the_key_and_on_nothing_else():
    frame = lab(300)
    rules = [rule for rule in RULES if rule.treatment is Treatment.PSEUDONYMISE]
    once = apply_rules(frame, rules, KEYS, context=CONTEXT)
    assert once.equals(apply_rules(frame, rules, KEYS, context="another run"))
    other = apply_rules(frame, rules, OTHER_KEYS, context=CONTEXT)
    assert (once["dossier"] != other["dossier"]).all()


def test_passwords_are_rehashed():
    frame = lab(20)
    rules = [ColumnRule("MP", Treatment.REHASH, target="mot_de_passe")]
    out = apply_rules(frame, rules, KEYS, context=CONTEXT)
    for password, phc in zip(frame["MP"].to_list(), out["mot_de_passe"].to_list(), strict=True):
        assert phc.startswith("$argon2id$")
        assert PasswordHasher().verify(phc, password)


def test_an_encrypted_value_does_not_open_in_another_column():
    frame = lab(20)
    rules = [ColumnRule("NOM_PAT", Treatment.ENCRYPT, target="nom")]
    out = apply_rules(frame, rules, KEYS, context=CONTEXT)
    with pytest.raises(SceauError):
        decrypt_values(out["nom"], KEYS.field, context=field_context(CONTEXT, "prenom"))


def test_a_missing_column_is_named():
    rules = [ColumnRule("N_SS", Treatment.KEEP), ColumnRule("NIR_PATIENT", Treatment.KEEP)]
    with pytest.raises(ProtectError) as caught:
        apply_rules(lab(20), rules, KEYS, context=CONTEXT)
    assert caught.value.where == "column NIR_PATIENT"
    assert isinstance(caught.value, SceauError)


def test_a_dropped_column_may_be_missing():
    rules = [ColumnRule("SEXE", Treatment.KEEP), ColumnRule("ABSENT", Treatment.DROP)]
    out = apply_rules(lab(20), rules, KEYS, context=CONTEXT)
    assert out.columns == ["SEXE"]  # no target: the source's name


def test_nulls_stay_null_through_every_treatment():
    frame = pl.DataFrame({"c": [None, "12/03/1984"], "n": [None, None]})
    rules = [
        ColumnRule("c", Treatment.PSEUDONYMISE, target="a"),
        ColumnRule("c", Treatment.PSEUDONYMISE, "nir", target="b"),
        ColumnRule("c", Treatment.ENCRYPT, target="e"),
        ColumnRule("c", Treatment.GENERALISE, "month", target="g"),
        ColumnRule("c", Treatment.REDACT, target="r"),
        ColumnRule("c", Treatment.REHASH, target="h"),
        ColumnRule("n", Treatment.KEEP, target="k"),  # an all-null column, typed Null by Arrow
    ]
    out = apply_rules(frame, rules, KEYS, context=CONTEXT)
    assert out.row(0) == (None,) * 7
    assert out["g"][1] == "1984-03"
    assert all(dtype == pl.String for dtype in out.dtypes)
    empty = apply_rules(frame.clear(), rules, KEYS, context=CONTEXT)
    assert empty.height == 0
    assert all(dtype == pl.String for dtype in empty.dtypes)
    nulls = apply_rules(frame.select(c=pl.col("n"), n=pl.col("n")), rules, KEYS, context=CONTEXT)
    assert all(dtype == pl.String for dtype in nulls.dtypes)
    assert nulls.null_count().row(0) == (2,) * 7


@pytest.mark.parametrize(
    "rule",
    [
        ColumnRule("SEXE", Treatment.GENERALISE, "decade"),
        ColumnRule("SEXE", Treatment.GENERALISE),
        ColumnRule("SEXE", Treatment.PSEUDONYMISE, "ins"),
        ColumnRule("SEXE", Treatment.KEEP, "nir"),
    ],
)
def test_a_wrong_rule_is_refused(rule):
    with pytest.raises(ProtectError):
        apply_rules(lab(20), [rule], KEYS, context=CONTEXT)


def test_two_rules_cannot_fill_one_column():
    rules = [
        ColumnRule("SEXE", Treatment.KEEP, target="x"),
        ColumnRule("DDN", Treatment.KEEP, target="x"),
    ]
    with pytest.raises(ProtectError, match="same target column"):
        apply_rules(lab(20), rules, KEYS, context=CONTEXT)


def test_keys_are_checked_and_never_shown():
    assert "\\x00" not in repr(OTHER_KEYS)
    assert repr(OTHER_KEYS) == "ProtectKeys()"
    with pytest.raises(ProtectError, match="32 bytes"):
        ProtectKeys(pseudonym=b"short", field=bytes(32))
