"""TOTP: RFC 6238 vectors, a ±1 step window, single use, sealed secrets; clocks set, not slept."""

from __future__ import annotations

import base64
import string
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from tests.accounts.conftest import SQLITE_ONLY, dump, recorded

from sceau.accounts import totp
from sceau.accounts.factors import MfaError, WrongFactor, list_factors
from sceau.accounts.mfa_key import MfaKey, MfaKeyError, load_mfa_key
from sceau.store.schema import audit_entries, mfa_factors

T0 = datetime(2026, 12, 7, 10, 0, 0, tzinfo=UTC)  # a step boundary (divisible by 30 s)
STEP = timedelta(seconds=30)
RFC_SECRET = b"12345678901234567890"  # RFC 6238 appendix B, SHA-1


@pytest.fixture
def key() -> MfaKey:
    return MfaKey.generate()


def enrol(engine, events, key, user="root.admin", now=T0) -> tuple[int, bytes]:
    enrolment = totp.begin(engine, key, user, label="phone", issuer="lab-vendor", now=now)
    totp.confirm(
        engine, events, key, user, enrolment.factor_id, code(enrolment.secret, now), now=now
    )
    return enrolment.factor_id, enrolment.secret


def code(secret: bytes, moment: datetime) -> str:
    return totp.code_at(secret, totp.step_at(moment))


@pytest.mark.parametrize(
    ("unix", "expected"),
    [(59, "287082"), (1111111109, "081804"), (1234567890, "005924"), (20000000000, "353130")],
)
def test_codes_are_rfc_6238_sha1_truncated_to_6_digits(unix, expected):
    assert totp.code_at(RFC_SECRET, totp.step_at(datetime.fromtimestamp(unix, UTC))) == expected


def test_the_uri_is_what_authenticator_apps_read(key):
    secret = bytes(range(20))
    uri = totp.provisioning_uri(secret, "j.dupont", "lab-vendor")
    parsed = urlparse(uri)
    query = parse_qs(parsed.query)
    assert (parsed.scheme, parsed.netloc) == ("otpauth", "totp")
    assert query["secret"] == [base64.b32encode(secret).decode()]
    assert query["issuer"] == ["lab-vendor"]
    assert "j.dupont" in parsed.path
    # an app (pyotp here) shows the code sceau expects
    assert pyotp.parse_uri(uri).at(T0) == code(secret, T0)


@SQLITE_ONLY
def test_the_current_previous_and_next_steps_are_accepted_two_off_are_not(
    engine, events, admin, key
):
    factor, secret = enrol(engine, events, key, now=T0 - 10 * STEP)
    for offset in (-1, 0, 1):  # each a fresh step, later than the last one used
        now = T0 + 3 * offset * STEP
        typed = code(secret, now + offset * STEP)
        assert totp.verify(engine, key, admin, typed, now=now) == factor
    for offset in (-2, 2):
        now = T0 + 20 * STEP
        with pytest.raises(WrongFactor) as refused:
            totp.verify(engine, key, admin, code(secret, now + offset * STEP), now=now)
        assert refused.value.reason == "wrong code"


def test_a_code_is_accepted_once_even_within_its_window(engine, events, admin, key):
    factor, secret = enrol(engine, events, key, now=T0 - 5 * STEP)
    typed = code(secret, T0)
    assert totp.verify(engine, key, admin, typed, now=T0) == factor
    for later in (T0, T0 + timedelta(seconds=29), T0 + STEP):  # still inside the ±1 window
        with pytest.raises(WrongFactor) as replayed:
            totp.verify(engine, key, admin, typed, now=later)
        assert replayed.value.reason == "replayed code"
        assert "already used" in str(replayed.value)
    # an earlier step's code, though within the window, is older than the one used: refused too
    with pytest.raises(WrongFactor):
        totp.verify(engine, key, admin, code(secret, T0 - STEP), now=T0)
    assert totp.verify(engine, key, admin, code(secret, T0 + STEP), now=T0) == factor


@SQLITE_ONLY
def test_the_enrolment_code_itself_cannot_be_replayed_at_login(engine, events, admin, key):
    _factor, secret = enrol(engine, events, key, now=T0)
    with pytest.raises(WrongFactor, match="already used"):
        totp.verify(engine, key, admin, code(secret, T0), now=T0 + timedelta(seconds=5))


@SQLITE_ONLY
def test_enrolment_needs_a_valid_code_in_time_and_is_audited(engine, events, admin, key):
    enrolment = totp.begin(engine, key, admin, label="phone", issuer="sceau", now=T0)
    assert list_factors(engine, admin) == []  # pending: not a factor yet
    with pytest.raises(WrongFactor):
        totp.confirm(engine, events, key, admin, enrolment.factor_id, "000000", now=T0)
    late = T0 + timedelta(minutes=11)
    with pytest.raises(MfaError, match="took too long"):
        totp.confirm(
            engine, events, key, admin, enrolment.factor_id, code(enrolment.secret, late), now=late
        )
    assert list_factors(engine, admin) == []
    assert [e for e in recorded(engine) if e["name"] == "mfa.enrolled"] == []

    factor, _ = enrol(engine, events, key, now=T0 + timedelta(minutes=20))
    assert [(f.factor_id, f.kind, f.label) for f in list_factors(engine, admin)] == [
        (factor, "totp", "phone")
    ]
    assert {
        "name": "mfa.enrolled",
        "actor": admin,
        "user": admin,
        "kind": "totp",
        "factor": factor,
    } in recorded(engine)


@SQLITE_ONLY
def test_the_secret_is_sealed_for_its_account_and_never_in_the_store_or_trail(
    engine, events, admin, key
):
    factor, secret = enrol(engine, events, key)
    encoded = base64.b32encode(secret).decode()
    for table in (mfa_factors, audit_entries):
        text = dump(engine, table)
        assert encoded not in text
        assert secret.hex() not in text
    with engine.begin() as connection:  # an insider copies their sealed secret to another row
        sealed = connection.execute(select(mfa_factors.c.secret)).scalar_one()
        connection.execute(mfa_factors.update().values(user="someone.else"))
    with pytest.raises(MfaKeyError, match="does not open"):
        key.open_secret("someone.else", sealed)
    with pytest.raises(MfaKeyError):  # another installation's key opens nothing
        MfaKey.generate().open_secret(admin, sealed)
    assert key.open_secret(admin, sealed) == secret
    assert factor > 0


def test_the_mfa_key_file_is_private_and_checked(tmp_path):
    path = tmp_path / "home" / "mfa.key"
    with pytest.raises(MfaKeyError, match="there is no MFA key"):
        load_mfa_key(path, create=False)
    made = load_mfa_key(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_mfa_key(path) == made
    path.chmod(0o644)
    with pytest.raises(MfaKeyError, match="read by others"):
        load_mfa_key(path)
    path.chmod(0o600)
    path.write_bytes(b"short")
    with pytest.raises(MfaKeyError, match="damaged"):
        load_mfa_key(path)


@given(
    st.text(alphabet="0123456789", min_size=6, max_size=6), st.sampled_from(["", " ", "-", "  "])
)
def test_codes_are_read_with_spaces_and_dashes(digits, separator):
    assert totp.parse_code(f" {digits[:3]}{separator}{digits[3:]} ") == digits


@given(st.text(alphabet=string.printable + "٣éß", max_size=20))
def test_anything_but_six_digits_is_refused_without_being_repeated(text):
    stripped = "".join(ch for ch in text if not ch.isspace() and ch != "-")
    if len(stripped) == 6 and stripped.isascii() and stripped.isdigit():
        assert totp.parse_code(text) == stripped
        return
    with pytest.raises(WrongFactor) as refused:
        totp.parse_code(text)
    assert refused.value.reason == "malformed code"
    assert "6 digits" in str(refused.value)
    assert str(refused.value) == MALFORMED  # the same words whatever was typed: none repeated


def _malformed() -> str:
    try:
        totp.parse_code("x")
    except WrongFactor as error:
        return str(error)
    raise AssertionError("x was read as a code")


MALFORMED = _malformed()
