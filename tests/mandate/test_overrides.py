"""A controller's override of the scan: parsed, bounded, read by every rule, honoured by the
drift guard as long as the scan still reads what was signed over, and no further."""

from __future__ import annotations

import json

import pytest

from sceau.detect.base import Category, ColumnFinding, HealthCategory
from sceau.mandate.model import MandateError
from sceau.mandate.policy import (
    DriftError,
    ScanDisagreement,
    SourceChanged,
    check_drift,
    check_mandate,
)

from .test_policy import mandate, source

REASON = "portal logins made of the name and birth date; no password in this column"
LOGIN = {"detected": "PASSWORD", "category": "LOGIN", "reason": REASON}


def rule(column: str, treatment: str = "keep", **fields: object) -> str:
    """One `[columns]` line: ``rule("MP", detected="LOGIN")``."""
    pairs = {"treatment": treatment, **fields}
    return f"{column} = {{ {', '.join(f'{k} = {json.dumps(v)}' for k, v in pairs.items())} }}"


KEPT_LOGIN = rule("MP", **LOGIN)


def refused(line: str) -> MandateError:
    with pytest.raises(MandateError) as caught:
        check_mandate(mandate(line))
    return caught.value


def test_an_override_is_parsed_with_its_reason():
    rule = mandate(KEPT_LOGIN).rule("MP")
    assert (rule.detected, rule.category, rule.reason) == ("PASSWORD", "LOGIN", REASON)
    assert rule.effective == "LOGIN"
    assert rule.override == {"category": "LOGIN", "reason": REASON}
    plain = mandate().rule("N_SS")
    assert (plain.category, plain.reason, plain.override, plain.effective) == (
        None,
        None,
        None,
        "NIR",
    )


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"detected": "PASSWORD", "category": "LOGIN"}, "reason", "needs a `reason`"),
        ({**LOGIN, "reason": "  "}, "reason", "needs a `reason`"),
        ({**LOGIN, "reason": 3}, "reason", "needs a `reason`"),
        ({"detected": "PASSWORD", "reason": "because"}, "reason", "no `category`"),
        ({"category": "LOGIN", "reason": "because"}, "category", "needs `detected`"),
        ({**LOGIN, "detected": "LOGIN"}, "category", "repeats `detected`"),
        ({**LOGIN, "category": "login"}, "category", "category name in capitals"),
        ({**LOGIN, "category": 7}, "category", "category name in capitals"),
        ({**LOGIN, "reason": "one\ntwo"}, "reason", "one line"),
        ({**LOGIN, "reason": "a\x1b[31m"}, "reason", "U+001B"),
        ({**LOGIN, "reason": "a\u202eb"}, "reason", "U+202E"),
        ({**LOGIN, "reason": "x" * 501}, "reason", "500 characters"),
        ({"detected": "PASSWORD", "found_inside": "NIR"}, "found_inside", "list of category"),
        ({"detected": "PASSWORD", "found_inside": ["NIR", "NIR"]}, "found_inside", "each once"),
    ],
)
def test_a_malformed_override_names_its_field(fields, field, message):
    with pytest.raises(MandateError) as caught:
        mandate(rule("MP", **fields))
    assert message in caught.value.message
    assert caught.value.where == f"m.toml: columns.MP.{field}"


def test_a_reason_of_500_characters_in_any_script_is_fine():
    reason = "identifiants du portail (nom + date de naissance) ; pas de mot de passe — é" * 7
    reason = reason[:500].strip()
    assert mandate(rule("MP", **{**LOGIN, "reason": reason})).rule("MP").reason == reason


@pytest.mark.parametrize(
    ("line", "where"),
    [
        (rule("MP", **{**LOGIN, "category": "PASSCODE"}), "category"),
        (rule("MP", **{**LOGIN, "detected": "PASSCODE"}), "detected"),
        (rule("COMMENT1", "encrypt", detected="FREE_TEXT", found_inside=["SSN"]), "found_inside"),
    ],
)  # fmt: skip
def test_an_unknown_category_anywhere_is_refused(line, where):
    error = refused(line)
    assert "not a category sceau knows" in error.message
    column = line.split(" =", 1)[0]
    assert error.where == f"mandate lab-a-2019-2020: columns.{column}.{where}"


def test_every_rule_reads_the_effective_category():
    check_mandate(mandate(KEPT_LOGIN))  # away from a password: the controller's decision
    to_password = rule("NOM_PAT", detected="LOGIN", category="PASSWORD", reason="x")
    assert "only be dropped or re-hashed" in refused(to_password).message
    rehashed = rule("MP", "rehash-password", **LOGIN)
    assert "for password columns only, and this one is LOGIN" in refused(rehashed).message
    to_nir = rule("N_SS", "pseudonymise:nir", detected="RECORD_ID", category="NIR", reason="x")
    check_mandate(mandate(to_nir))
    birth = rule("DDN", "generalise:year", detected="OTHER", category="BIRTH_DATE", reason="x")
    check_mandate(mandate(birth))


def test_an_override_on_a_dropped_column_is_allowed_and_kept():
    line = rule("FINESS", "drop", detected="INSURER_ID", category="FINESS", reason="lab codes")
    check_mandate(mandate(line))
    assert mandate(line).rule("FINESS").override == {"category": "FINESS", "reason": "lab codes"}


@pytest.mark.parametrize("treatment", ["keep", "generalise:year"])
def test_text_with_identifiers_found_by_the_draft_is_not_moved_as_is(treatment):
    detected = "DATE" if treatment == "generalise:year" else "HEALTH_TEXT"
    line = rule("COMMENT1", treatment, detected=detected, found_inside=["PHONE", "NIR", "EMAIL"])
    error = refused(line)
    assert error.message == (
        "its text holds identifiers (EMAIL, NIR, PHONE) and the mandate would move it as is "
        f"({treatment})"
    )
    assert error.hint == "use redact-identifiers, pseudonymise, encrypt or drop for this column"
    assert error.where == "mandate lab-a-2019-2020: columns.COMMENT1"


@pytest.mark.parametrize("treatment", ["redact-identifiers", "pseudonymise", "encrypt", "drop"])
def test_text_with_identifiers_may_move_protected(treatment):
    line = rule("COMMENT1", treatment, detected="HEALTH_TEXT", found_inside=["NIR"])
    check_mandate(mandate(line))


# --- the drift guard --------------------------------------------------------------------------


def test_the_scan_reading_what_was_signed_over_lets_the_override_apply():
    check_drift(mandate(KEPT_LOGIN), source(MP=ColumnFinding("MP", Category.PASSWORD, 0.9)))


@pytest.mark.parametrize("scanned", [Category.LOGIN, Category.PASSWORD_HASH, Category.OTHER])
def test_a_reading_no_more_sensitive_than_both_is_not_refused(scanned):
    check_drift(mandate(KEPT_LOGIN), source(MP=ColumnFinding("MP", scanned, 0.9)))


@pytest.mark.parametrize("scanned", [Category.NIR, Category.INS, Category.HEALTH_TEXT])
def test_a_reading_more_sensitive_than_both_is_a_change_the_signature_did_not_cover(scanned):
    with pytest.raises(ScanDisagreement) as caught:
        check_drift(mandate(KEPT_LOGIN), source(MP=ColumnFinding("MP", scanned, 0.9)))
    error = caught.value
    assert (error.column, error.scanned, error.signed) == ("MP", str(scanned), "LOGIN")
    assert f"the scan reads it as {scanned}" in error.reason
    assert "where the mandate notes LOGIN (personal data)" in error.reason


def test_passwords_read_in_a_column_the_mandate_notes_otherwise_name_the_way_out():
    line = 'MP = { treatment = "keep", detected = "LOGIN" }'
    with pytest.raises(ScanDisagreement) as caught:
        check_drift(mandate(line), source(MP=ColumnFinding("MP", Category.PASSWORD, 0.9)))
    error = caught.value
    assert error.reason == (
        "the scan reads it as PASSWORD where the mandate notes LOGIN, and its treatment is keep; "
        "passwords may only be dropped or re-hashed"
    )
    assert error.hint == (
        "if the scan is wrong, the controller can confirm LOGIN in the mandate "
        '(detected = "PASSWORD", category = "LOGIN", reason = "…") and sign again; '
        "if it does hold passwords, the controller chooses rehash-password or drop"
    )
    assert str(error).startswith("mandate lab-a-2019-2020: column 'MP': the scan reads it as")


def test_following_the_hint_lets_the_same_scan_through():
    scan = source(MP=ColumnFinding("MP", Category.PASSWORD, 0.9))
    check_drift(mandate(KEPT_LOGIN), scan)


def test_an_override_to_a_password_is_held_to_the_password_rule_at_migration_too():
    line = rule("MP", "rehash-password", detected="LOGIN", category="PASSWORD", reason="x")
    check_drift(mandate(line), source(MP=ColumnFinding("MP", Category.LOGIN, 0.9)))
    check_drift(mandate(line), source(MP=ColumnFinding("MP", Category.PASSWORD, 0.9)))


def test_health_data_now_in_free_text_asks_for_health_text_to_be_noted():
    line = 'COMMENT1 = { treatment = "redact-identifiers", detected = "FREE_TEXT" }'
    comment = ColumnFinding("COMMENT1", Category.FREE_TEXT, 0.9)
    comment.health_categories = {HealthCategory.CANCER: 2}
    with pytest.raises(ScanDisagreement) as caught:
        check_drift(mandate(line), source(COMMENT1=comment))
    assert caught.value.scanned == "HEALTH_TEXT"
    assert 'detected = "HEALTH_TEXT"' in caught.value.hint
    noted = 'COMMENT1 = { treatment = "redact-identifiers", detected = "HEALTH_TEXT" }'
    check_drift(mandate(noted), source(COMMENT1=comment))


def test_identifiers_in_kept_text_are_a_disagreement_in_the_words_of_signing():
    line = 'COMMENT1 = { treatment = "keep", detected = "HEALTH_TEXT" }'
    comment = ColumnFinding("COMMENT1", Category.HEALTH_TEXT, 0.9)
    comment.health_categories = {HealthCategory.HIV: 1}
    comment.embedded = {Category.PHONE: 2, Category.NIR: 1}
    with pytest.raises(ScanDisagreement) as migrating:
        check_drift(mandate(line), source(COMMENT1=comment))
    signed = rule("COMMENT1", detected="HEALTH_TEXT", found_inside=["NIR", "PHONE"])
    with pytest.raises(MandateError) as signing:
        check_mandate(mandate(signed))
    assert migrating.value.reason == signing.value.message
    assert migrating.value.hint == signing.value.hint
    assert migrating.value.scanned == "NIR,PHONE"


def test_added_or_removed_columns_are_the_source_changing():
    scan = source()
    scan.columns.append(ColumnFinding("EXTRA", Category.OTHER, 0.5))
    with pytest.raises(SourceChanged):
        check_drift(mandate(KEPT_LOGIN), scan)
    with pytest.raises(SourceChanged):
        check_drift(mandate(KEPT_LOGIN), source(NOM_PAT=None))
    assert issubclass(SourceChanged, DriftError)
    assert issubclass(ScanDisagreement, DriftError)


def test_no_refusal_of_an_unchanged_column_accuses_anyone():
    """The words of every scan disagreement: what the scan reads and what the controller can do."""
    line = 'MP = { treatment = "keep", detected = "LOGIN" }'
    for finding in (
        ColumnFinding("MP", Category.PASSWORD, 0.9),
        ColumnFinding("MP", Category.NIR, 0.9),
    ):
        with pytest.raises(ScanDisagreement) as caught:
            check_drift(mandate(line), source(MP=finding))
        text = str(caught.value).lower()
        assert "controller" in text
        for word in ("operator", "tried", "drift", "no longer matches"):
            assert word not in text


def test_pickled_across_processes_a_disagreement_keeps_both_readings():
    import pickle

    error = ScanDisagreement("MP", "why", scanned="PASSWORD", signed="LOGIN", hint="h", where="w")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is ScanDisagreement
    assert (again.column, again.scanned, again.signed, str(again)) == (
        "MP",
        "PASSWORD",
        "LOGIN",
        str(error),
    )
