"""Every bound a mandate carries is checked when it is parsed, so at sign time: whatever parses
and follows the rules can be planned, scoped, reported and retained without an exception.
Also: the Corsican FINESS, and no password in a URL."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import jsonschema
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from tests.schemas import closed_schema

from sceau.mandate.limits import holds_password
from sceau.mandate.model import MandateError
from sceau.mandate.parse import parse_mandate
from sceau.mandate.policy import check_mandate
from sceau.mandate.verify import VerifiedMandate
from sceau.migrate.outcome import RunOutcome
from sceau.migrate.plan import Plan, stage_batch
from sceau.migrate.report import MigrationReport
from sceau.protect.apply import ProtectKeys
from sceau.urls import redact_url

from . import EXAMPLE

KEYS = ProtectKeys(pseudonym=b"p" * 32, field=b"f" * 32)


def parse(text: str):
    return parse_mandate(text.encode("utf-8"), where="m.toml")


def admitted(text: str) -> None:
    check_mandate(parse(text))


def refused(text: str) -> MandateError:
    with pytest.raises(MandateError) as caught:
        admitted(text)
    return caught.value


# --- the bounds, one by one ---------------------------------------------------------------


UNTIL = "until = 2026-04-01T00:00:00Z"
RETENTION = "retention_days = 7"
PROCESSOR = 'name = "LIS Vendor SAS"'
IN = 'in = ["750000001", "750000002"]'


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        (RETENTION, "retention_days = 3651", "staging.retention_days", "1 to 3,650"),
        (RETENTION, "retention_days = 999999999", "staging.retention_days", "3,650"),
        (RETENTION, "retention_days = 10000000000", "staging.retention_days", "3,650"),
        (UNTIL, "until = 9999-12-31T23:59:59-23:59", "validity.until", "2000 and 2199"),
        (UNTIL, "until = 2200-01-01", "validity.until", "2000 and 2199"),
        (UNTIL, "until = 2199-12-31T23:00:00-01:00", "validity.until", "read in UTC"),
        ("from = 2026-03-01", "from = 1999-12-31T23:59:59Z", "validity.from", "2000 and 2199"),
        ("from = 2026-03-01", "from = 0001-01-01T00:00:00+01:00", "validity.from", "2199"),
        ("from = 2019-01-01", "from = 1799-12-31", "rows[1].from", "1800 and 2199"),
        ("until = 2021-01-01", "until = 2200-01-01", "rows[1].until", "1800 and 2199"),
        ('purpose = "Migration', f'purpose = "{"x" * 2001}', "purpose", "2,000 characters"),
        (PROCESSOR, f'name = "{"x" * 2001}"', "processor.name", "2,000"),
        ('location = "exports/', f'location = "{"x" * 4097}', "source.location", "4,096"),
        ('table = "patients"', f'table = "{"t" * 1025}"', "destination.table", "1,024"),
        ('"NUM_DOSSIER", ', f'"NUM_DOSSIER", "{"c" * 1025}", ', "source.columns", "1,024"),
        (IN, f"in = {['x'] * 10_001}", "rows[0].in", "10,000"),
        (IN, f'in = ["{"v" * 1025}"]', "rows[0].in", "1,024"),
        (PROCESSOR, f'{PROCESSOR}\nfiness = "2A00001"', "processor.finess", "FINESS"),
    ],
)
def test_each_bound_is_refused_by_name(old, new, where, message):
    assert old in EXAMPLE
    error = refused(EXAMPLE.replace(old, new, 1))
    assert error.where == f"m.toml: {where}"
    assert message in error.message


def test_the_limits_themselves_pass():
    text = (
        EXAMPLE.replace("retention_days = 7", "retention_days = 3650")
        .replace("from = 2026-03-01", "from = 2000-01-01T00:00:00Z")
        .replace("until = 2026-04-01T00:00:00Z", "until = 2199-12-31T23:59:59+23:59")
        .replace("from = 2019-01-01", "from = 1800-01-01")
        .replace("until = 2021-01-01", "until = 2199-12-31")
        .replace('purpose = "Migration', f'purpose = "{"x" * 1900}')
    )
    mandate = parse(text)
    check_mandate(mandate)
    assert mandate.retention == timedelta(days=3650)
    assert mandate.valid_until == datetime(2199, 12, 31, 0, 0, 59, tzinfo=UTC)  # read in UTC


def test_too_many_columns_or_row_conditions_are_refused():
    many = ", ".join(f'"C{i}"' for i in range(4097))
    text = EXAMPLE.replace('columns = ["NUM_DOSSIER", ', f"columns = [{many}, ")
    assert refused(text).where == "m.toml: source.columns"
    condition = '[[rows]]\ncolumn = "FINESS"\nin = ["750000001"]\n\n'
    text = EXAMPLE.replace("[[rows]]\n", condition * 64 + "[[rows]]\n", 1)
    assert refused(text).where == "m.toml: rows"


# --- the Corsican FINESS --------------------------------------------------------------------


@pytest.mark.parametrize("finess", ["2A0000123", "2B0004567", "750000001", "970000012"])
def test_every_department_form_of_a_finess_is_accepted(finess):
    text = EXAMPLE.replace('finess = "750000001"', f'finess = "{finess}"', 1)
    text = text.replace('name = "LIS Vendor SAS"', f'name = "LIS Vendor SAS"\nfiness = "{finess}"')
    mandate = parse(text)
    assert mandate.controller.finess == mandate.processor.finess == finess


@pytest.mark.parametrize(
    "finess", ["200A00012", "20A000012", "2C0000123", "2a0000123", "2A000012", "2A00001234", ""]
)
def test_a_finess_of_another_shape_is_refused(finess):
    text = EXAMPLE.replace('finess = "750000001"', f'finess = "{finess}"', 1)
    assert refused(text).where == "m.toml: controller.finess"


def test_the_report_schemas_take_the_corsican_finess_too():
    for kind in ("migration", "certificate"):
        schema = closed_schema(kind)
        pattern = _finess_pattern(schema)
        instance = {"type": "string", "pattern": pattern}
        jsonschema.validate("2A0000123", instance)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate("20A000012", instance)


def _finess_pattern(node: object) -> str:
    if isinstance(node, dict):
        if "finess" in node.get("properties", {}):
            return node["properties"]["finess"]["pattern"]
        for value in node.values():
            found = _finess_pattern(value)
            if found:
                return found
    return ""


# --- no password in a URL -----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://root:s3cret@db.example/lab",
        "postgresql+psycopg://root:s3cret@db.example:5432/lab",
        "mysql://lis:p%40ss%2Fword@db/lab",
        "mysql://lis:pa/ss@db/lab",
        "mysql://lis:p@ss@db/lab",
        "postgresql://lis@db/lab?sslmode=require&password=s3cret",
        "postgresql://lis@db/lab?PassWord=s3cret",
        "mysql://lis@db/lab?passwd=s3cret",
    ],
)
@pytest.mark.parametrize("field", ["source", "destination"])
def test_a_url_holding_a_password_is_refused_naming_the_field_never_the_password(url, field):
    old = {"source": '"exports/lab-a.csv"', "destination": '"postgresql://lis@new-host/lab"'}
    error = refused(EXAMPLE.replace(old[field], f'"{url}"', 1))
    assert error.where == f"mandate lab-a-2019-2020: {field}.location"
    assert "password" in error.message
    assert "PGPASSWORD" in error.hint
    assert "MYSQL_PWD" in error.hint
    assert "sceau keys db-password set" in error.hint
    for secret in ("s3cret", "pa/ss", "p@ss", "p%40ss"):
        assert secret not in str(error)


@pytest.mark.parametrize(
    "location",
    [
        "postgresql://lis@db/lab",
        "postgresql://db/lab",
        "postgresql://lis:@db/lab",  # an empty password is no secret
        "mysql://lis@db:3306/lab?charset=utf8mb4",
        "/srv/exports/lab@2026:a.csv",
        "sqlite:///srv/lab.db",
        "exports/lab-a.parquet",
        "postgresql://db/lab?application_name=a:b@c",
    ],
)
def test_a_location_without_password_passes(location):
    assert not holds_password(location)


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1)


@given(user=_TEXT, password=_TEXT)
def test_any_password_written_in_a_url_is_seen_and_redacted(user, password):
    name = quote(user, safe="")
    url = f"postgresql://{name}:{quote(password, safe='')}@db.example/lab"
    assert holds_password(url)
    assert redact_url(url) == f"postgresql://{name}@db.example/lab"
    assert holds_password(f"postgresql://{name}@db.example/lab?password={quote(password)}")


# --- whatever signs can be planned, scoped, reported and retained ---------------------------

_OFFSETS = st.one_of(
    st.just(""),
    st.just("Z"),
    st.builds(
        lambda sign, h, m: f"{sign}{h:02d}:{m:02d}",
        st.sampled_from("+-"),
        st.integers(0, 23),
        st.integers(0, 59),
    ),
)


@st.composite
def _moment(draw, year: int | None = None) -> str:
    """A TOML date or date-time, near the bounds most of the time and anywhere sometimes."""
    year = year or draw(st.one_of(st.integers(1999, 2200), st.integers(1, 9999)))
    day = f"{year:04d}-{draw(st.integers(1, 12)):02d}-{draw(st.integers(1, 28)):02d}"
    if draw(st.booleans()):
        return day
    time = f"{draw(st.integers(0, 23)):02d}:{draw(st.integers(0, 59)):02d}:59"
    return f"{day}T{time}{draw(_OFFSETS)}"


@st.composite
def _window(draw, low: int, high: int) -> tuple[str, str]:
    """Two moments, the second most often later than the first."""
    anywhere = draw(st.integers(0, 9)) == 0
    first = draw(st.integers(1, 9999) if anywhere else st.integers(low - 1, high + 1))
    second = min(
        9999, first + draw(st.integers(0, 2) if draw(st.booleans()) else st.integers(-1, 250))
    )
    return draw(_moment(first)), draw(_moment(second))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    retention=st.one_of(st.integers(-3, 3700), st.integers(1, 3650), st.integers(0, 10**13)),
    validity=_window(2000, 2199),
    scope=_window(1800, 2199),
)
def test_whatever_parses_and_signs_can_be_planned_and_its_dates_computed(
    retention, validity, scope
):
    (valid_from, valid_until), (since, until) = validity, (d[:10] for d in scope)
    text = (
        EXAMPLE.replace("retention_days = 7", f"retention_days = {retention}")
        .replace("from = 2026-03-01", f"from = {valid_from}")
        .replace("until = 2026-04-01T00:00:00Z", f"until = {valid_until}")
        .replace("from = 2019-01-01", f"from = {since}")
        .replace("until = 2021-01-01", f"until = {until}")
        .replace('"rehash-password", to = "password_hash"', '"drop"')  # no Argon2 per example
    )
    try:
        mandate = parse(text)
        check_mandate(mandate)
    except MandateError:
        event("refused")
        return  # refused at signing: nothing to compute later
    event("admitted")
    # the run's dates: started at any moment of the validity, retained, written as ISO 8601
    for started in (mandate.valid_from, mandate.valid_until - timedelta(microseconds=1)):
        assert mandate.is_valid_at(started)
        retained = started + mandate.retention
        assert retained.astimezone(UTC).isoformat()
    assert f"{mandate.valid_until:%Y-%m-%d %H:%M %Z}"
    # the plan and its row scope, over rows holding dates of every form the scope reads
    plan = Plan(mandate, "0" * 64, KEYS)
    dates = ["01/01/1800", "2020-06-01", "20200601", "31.12.2199T23:59:59+01:00", "", "hier"]
    rows = {name: ["x"] * len(dates) for name in plan.read_columns}
    rows["DT_DERN_VISITE"] = dates
    rows["N_SS"] = ["185057800608491"] * len(dates)
    rows["DDN"] = ["1985-05-07"] * len(dates)
    rows["CP_PAT"] = ["75011"] * len(dates)
    rows["FINESS"] = ["750000001"] * len(dates)
    staged, refused_rows = stage_batch(pa.RecordBatch.from_pydict(rows), plan)
    assert staged.num_rows + refused_rows == len(dates)
    # the report, with every date the mandate carries, valid against its schema
    body = text.encode("utf-8")
    verified = VerifiedMandate(
        mandate=mandate,
        sha256=hashlib.sha256(body).hexdigest(),
        fingerprint="3b" * 32,
        signer="claire",
        signed_at=mandate.valid_from,
        body=body,
    )
    outcome = RunOutcome(
        run_id="20260310-0123456789ab",
        verified=verified,
        status="staging",
        source="exports/lab-a.csv",
        destination="postgresql://lis@new-host/lab",
        started_at=mandate.valid_until - timedelta(microseconds=1),
    )
    jsonschema.validate(MigrationReport(outcome).to_dict(), closed_schema("migration"))
