"""The state store's tables, in SQLAlchemy Core. Names and hashes only: no patient data."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect


class UtcDateTime(TypeDecorator[datetime]):
    """A moment stored in UTC and read back aware of it, whatever the database: SQLite keeps
    no zone, so without this every reader would have to put UTC back by hand."""

    impl = DateTime(timezone=True)
    cache_ok = True

    # SQLAlchemy passes the dialect to both; UTC is the same in every one
    def process_bind_param(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002
    ) -> datetime | None:
        if value is None or value.tzinfo is None:
            return value
        return value.astimezone(UTC)

    def process_result_value(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002
    ) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("name", String(64), primary_key=True),
    # the name's look-alike key (case folded, UTS #39 skeleton): one account per key. Nullable
    # only so an older store can gain the column; sceau fills it for every account
    Column("name_key", String(256), nullable=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(256), nullable=False),  # Argon2id, PHC string
    Column("mfa_secret", LargeBinary, nullable=True),  # wrapped TOTP secret, for the service
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("disabled_at", UtcDateTime(), nullable=True),
    Column("must_change_password", Integer, nullable=True),  # 1 after an admin's reset
    Index("ux_users_name_key", "name_key", unique=True),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_sha256", String(64), primary_key=True),  # the token itself is never stored
    Column("user", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("mfa", Integer, nullable=False, default=0),  # the factor given at login; 0: none
    Column("last_seen", UtcDateTime(), nullable=True),  # slid by every use; idle limit from here
    Column("address", String(64), nullable=True),  # where from: "local" for the CLI, else an IP
)

session_policy = Table(  # one row, set by an admin: how long a session may last
    "session_policy",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("idle_minutes", Integer, nullable=False),
    Column("absolute_minutes", Integer, nullable=False),
    Column("changed_by", String(64), nullable=False),
    Column("changed_at", UtcDateTime(), nullable=False),
)

login_throttle = Table(  # failed logins per account (name key) and per address; pruned
    "login_throttle",
    metadata,
    Column("key", String(300), primary_key=True),  # "account:<name key>" or "address:<ip>"
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", UtcDateTime(), nullable=False),
    Column("locked_until", UtcDateTime(), nullable=True),
)

mfa_factors = Table(  # second factors: TOTP apps, WebAuthn keys, a set of recovery codes
    "mfa_factors",
    metadata,
    Column("factor_id", Integer, primary_key=True, autoincrement=True),
    Column("user", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # totp | webauthn | recovery
    Column("label", String(64), nullable=False),
    Column("secret", LargeBinary, nullable=True),  # TOTP: sealed under the MFA key
    Column("last_step", BigInteger, nullable=True),  # TOTP: last time step accepted (no replay)
    Column("credential_id", LargeBinary, nullable=True),  # WebAuthn
    Column("public_key", LargeBinary, nullable=True),  # WebAuthn: COSE public key
    Column("sign_count", BigInteger, nullable=True),  # WebAuthn: may only grow
    Column("transports", String(128), nullable=True),  # WebAuthn: comma-separated hints
    Column("created_at", UtcDateTime(), nullable=False),
    Column("confirmed_at", UtcDateTime(), nullable=True),  # None: enrolment not yet proven
    Column("last_used_at", UtcDateTime(), nullable=True),
    sqlite_autoincrement=True,  # a removed factor's number is never given to a new one
)

recovery_codes = Table(  # the one-time codes of a `recovery` factor: keyed hashes only
    "recovery_codes",
    metadata,
    Column("factor_id", Integer, nullable=False),
    Column("digest", String(64), nullable=False),  # HMAC-SHA256 of the account and code, hex
    Column("used_at", UtcDateTime(), nullable=True),
    PrimaryKeyConstraint("factor_id", "digest"),
)

webauthn_challenges = Table(  # a WebAuthn ceremony's challenge: single use, short-lived
    "webauthn_challenges",
    metadata,
    Column("digest", String(64), primary_key=True),  # SHA-256 of the challenge, hex
    Column("user", String(64), nullable=False),
    Column("purpose", String(16), nullable=False),  # register | authenticate
    Column("expires_at", UtcDateTime(), nullable=False),
)

signers = Table(
    "signers",
    metadata,
    Column("fingerprint", String(64), primary_key=True),  # SHA-256 of the raw public key
    Column("name", String(128), nullable=False),
    Column("user", String(64), nullable=True),  # the account that created it
    Column("public_key", LargeBinary, nullable=False),  # raw Ed25519, 32 bytes
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
)

keys = Table(
    "keys",
    metadata,
    Column("key_id", String(128), primary_key=True),
    Column("provider", String(32), nullable=False),
    Column("purpose", String(32), nullable=False),  # run | pseudonym | field | certificate
    Column("owner", String(128), nullable=False),  # a run id, or the controller's FINESS
    Column("version", Integer, nullable=False, default=1),
    Column("wrapped", LargeBinary, nullable=True),  # the secret, wrapped by the provider's key
    Column("created_at", UtcDateTime(), nullable=False),
    Column("destroyed_at", UtcDateTime(), nullable=True),
    Column("destroyed_by", String(64), nullable=True),
)

mandates = Table(
    "mandates",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("mandate_id", String(128), nullable=False),
    Column("body", Text, nullable=False),  # the signed TOML, byte for byte (UTF-8)
    Column("signature", Text, nullable=False),  # the signature file, JSON
    Column("fingerprint", String(64), nullable=False),
    Column("signed_at", UtcDateTime(), nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("mandate_sha256", String(64), nullable=False),
    Column("actor", String(64), nullable=False),
    Column(
        "status", String(16), nullable=False
    ),  # staging|loading|verifying|verified|shredded|failed
    Column("source", Text, nullable=False),  # without password
    Column("destination", Text, nullable=False),  # without password
    Column("key_id", String(128), nullable=False),
    Column("key_provider", String(32), nullable=False),  # the data key is in `keys`, wrapped
    Column("staging_path", Text, nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime(), nullable=True),
    Column("retention_until", UtcDateTime(), nullable=False),
    Column("shredded_at", UtcDateTime(), nullable=True),
    Column("shredded_by", String(64), nullable=True),
    Column("summary", JSON, nullable=True),  # counts, digests, timings: the report's facts
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("run_id", String(64), nullable=False),
    Column("phase", String(8), nullable=False),  # staged | loaded
    Column("batch", Integer, nullable=False),
    Column("rows", BigInteger, nullable=False),
    Column("refused_rows", BigInteger, nullable=False, default=0),
    Column("digest", String(64), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("run_id", "phase", "batch"),
)

audit_entries = Table(
    "audit_entries",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),  # the leaf index, from 0
    Column("at_us", BigInteger, nullable=False, index=True),  # event time, µs since the epoch
    Column("name", String(64), nullable=False, index=True),
    Column("entry", LargeBinary, nullable=False),  # the canonical JSON bytes: the Merkle leaf
    Column("seal", LargeBinary, nullable=False),  # keyed MAC over seq, time, leaf hash and name
)

audit_head = Table(  # one row: the tree's size and frontier, sealed like an entry
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("size", BigInteger, nullable=False),
    Column("frontier", LargeBinary, nullable=False),  # perfect-subtree roots, 32 bytes each
    Column("seal", LargeBinary, nullable=False),
)

audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("number", BigInteger, primary_key=True, autoincrement=False),  # from 1
    Column("size", BigInteger, nullable=False),
    Column("root", String(64), nullable=False),  # hex
    Column("at", UtcDateTime(), nullable=False),
    Column("body", Text, nullable=False),  # the signed text, byte for byte
    Column("signature", Text, nullable=False),  # base64 Ed25519 over body
)

audit_cosignatures = Table(  # witnesses' cosignatures of checkpoints (C2SP cosignature/v1)
    "audit_cosignatures",
    metadata,
    Column("witness_key", String(512), primary_key=True),  # the witness's verifier key
    Column("number", BigInteger, primary_key=True, autoincrement=False),  # the checkpoint's
    Column("witness", String(256), nullable=False),  # the witness's name
    Column("size", BigInteger, nullable=False),  # entries the cosigned checkpoint covers
    Column("line", Text, nullable=False),  # the signature line, as the witness wrote it
    Column("recorded_at", UtcDateTime(), nullable=False),
)

audit_facets = Table(  # what the trail's search filters on, copied from each entry: an index
    "audit_facets",  # beside the trail, never the record (the page shows the entry's own bytes)
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at_us", BigInteger, nullable=False),
    Column("name", String(64), nullable=False),
    Column("actor", String(256), nullable=False),
    Column("run_id", String(256), nullable=True),
    Column("mandate_sha256", String(256), nullable=True),
    Column("lab", String(256), nullable=True),  # the lab an event names (a scan's, a draft's)
    Index("ix_audit_facets_name_seq", "name", "seq"),
    Index("ix_audit_facets_actor_seq", "actor", "seq"),
    Index("ix_audit_facets_run_seq", "run_id", "seq"),
    Index("ix_audit_facets_mandate_seq", "mandate_sha256", "seq"),
)

audit_exports = Table(  # export files started: from then on, a missing one is tampering
    "audit_exports",
    metadata,
    Column("destination", String(1024), primary_key=True),  # the file's absolute path
    Column("started_at", UtcDateTime(), nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    Column("alert_id", Integer, primary_key=True, autoincrement=True),
    Column("rule", String(64), nullable=False, index=True),
    Column("key", String(256), nullable=False),  # what the alert is about; deduplicates findings
    Column("severity", String(16), nullable=False),  # low | medium | high | critical
    Column("state", String(16), nullable=False, index=True),  # open | acknowledged | resolved
    Column("summary", Text, nullable=False),  # plain words, names and counts only
    Column("facts", JSON, nullable=False),
    Column("count", Integer, nullable=False, default=1),  # findings folded into this alert
    Column("raised_at", UtcDateTime(), nullable=False),
    Column("last_seen", UtcDateTime(), nullable=False),
    Column("tier", Integer, nullable=False, default=0),  # index in the severity's ladder
    Column("notified_at", UtcDateTime(), nullable=True),  # last tier notified at
    Column("ack_deadline", UtcDateTime(), nullable=True),
    Column("acked_by", String(64), nullable=True),
    Column("acked_at", UtcDateTime(), nullable=True),
    Column("resolved_by", String(64), nullable=True),
    Column("resolved_at", UtcDateTime(), nullable=True),
    Column("resolution", Text, nullable=True),
    sqlite_autoincrement=True,  # a deleted alert's number is never given to a new one
)

alert_cursor = Table(  # how far the rules have read the audit trail
    "alert_cursor",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),  # the last entry evaluated, -1 for none
    Column("evaluated_at", UtcDateTime(), nullable=True),
)

# --- the service (sceau serve) ----------------------------------------------------------------

web_sessions = Table(  # browser sessions of the service; the cookie's token is never stored
    "web_sessions",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("user", String(64), nullable=False, index=True),
    Column("stage", String(16), nullable=False),  # pending (second factor awaited) | complete
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),  # the policy's absolute limit
    Column("last_seen", UtcDateTime(), nullable=True),  # slid by every use; idle limit from here
    Column("address", String(64), nullable=True),  # the client's address at login
    Column("reauth_at", UtcDateTime(), nullable=True),  # password and factor last given again
    Column("keyed", Boolean(), nullable=True),  # hashed under the service's key (older: SHA-256)
)

api_tokens = Table(  # per-person tokens for the CLI client; only their hash is kept
    "api_tokens",
    metadata,
    Column("token_id", String(16), primary_key=True),  # shown to name the token, not secret
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("user", String(64), nullable=False, index=True),
    Column("label", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
    Column("keyed", Boolean(), nullable=True),  # hashed under the service's key (older: SHA-256)
)

enrolment_codes = Table(  # the one-time code an admin gives with an account, for its first factor
    "enrolment_codes",
    metadata,
    Column("user", String(64), primary_key=True),
    Column("digest", String(64), nullable=False),  # HMAC under the MFA key, never the code
    Column("issued_by", String(64), nullable=False),
    Column("issued_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)

scan_reports = Table(  # scan reports handed to the service: names, counts, shapes, never a value
    "scan_reports",
    metadata,
    Column("scan_id", Integer, primary_key=True, autoincrement=True),
    Column("finess", String(9), nullable=False, index=True),  # the lab whose data was scanned
    Column("sha256", String(64), nullable=False),  # of the report as received
    Column("report", Text, nullable=False),  # the JSON report, as sceau would write it again
    Column("tables", Integer, nullable=False),
    Column("columns", Integer, nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),  # when the scan ran, as it says
    Column("received_by", String(64), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
)

trace_records = Table(  # every reading of rows the fingerprint index remembers (trace/index.py)
    "trace_records",
    metadata,
    Column("record_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # scan | run | export
    Column("ref", String(64), nullable=False),  # the scan's number, the run's id
    Column("source", Text, nullable=False),  # where the rows were read, without password
    Column("rows", BigInteger, nullable=False),
    Column("fingerprints", BigInteger, nullable=False),  # distinct, every kind together
    Column("finess", String(9), nullable=True),
    Column("mandate_sha256", String(64), nullable=True),
    Column("recipient", String(128), nullable=True),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("recorded_by", String(64), nullable=False),
    sqlite_autoincrement=True,  # a number is never given twice: it names the segment file
)

lab_members = Table(  # which labs (FINESS) an account works for: it sees only their data
    "lab_members",
    metadata,
    Column("user", String(64), nullable=False),
    Column("finess", String(9), nullable=False),
    Column("added_by", String(64), nullable=False),
    Column("added_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("user", "finess"),
)

mandate_drafts = Table(  # mandates being prepared at the service, before anyone signs them
    "mandate_drafts",
    metadata,
    Column("draft_id", String(32), primary_key=True),
    Column("finess", String(9), nullable=False, index=True),  # the lab: the draft's controller
    Column("scan_id", BigInteger, nullable=True),  # the scan it was drafted from, if stored
    Column("mandate_id", String(128), nullable=False),
    Column("body", Text, nullable=False),  # the TOML, byte for byte what would be signed
    Column("findings", JSON, nullable=False),  # the scan's column findings: counts, no value
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("changed_by", String(64), nullable=False),
    Column("changed_at", UtcDateTime(), nullable=False),
)

incidents = Table(  # breaches being answered (trace/incidents.py): the clocks run from aware_at
    "incidents",
    metadata,
    Column("incident_id", Integer, primary_key=True, autoincrement=True),
    Column("title", Text, nullable=False),
    Column("nature", String(64), nullable=False),  # confidentiality,integrity,availability
    Column("aware_at", UtcDateTime(), nullable=False),
    Column("aware_by", String(128), nullable=False),
    Column("trace_sha256", String(64), nullable=True),  # the trace report it was opened from
    Column("opened_by", String(64), nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("closed_by", String(64), nullable=True),
    Column("closed_at", UtcDateTime(), nullable=True),
    Column("close_reason", Text, nullable=True),
    sqlite_autoincrement=True,
)

incident_clocks = Table(  # one per incident, lab concerned and legal clock; due = aware_at + hours
    "incident_clocks",
    metadata,
    Column("incident_id", Integer, nullable=False),
    Column("finess", String(9), nullable=False),
    Column("clock", String(16), nullable=False),  # notice | cnil | ars
    Column("hours", Integer, nullable=False),  # the deadline in force when it was opened
    Column("met_at", UtcDateTime(), nullable=True),
    Column("met_by", String(64), nullable=True),
    Column("reference", Text, nullable=True),
    Column("delay_reason", Text, nullable=True),
    Column("delay_by", String(64), nullable=True),
    Column("complement_at", UtcDateTime(), nullable=True),  # the CNIL's complementary notice
    Column("complement_by", String(64), nullable=True),
    Column("complement_reference", Text, nullable=True),
    PrimaryKeyConstraint("incident_id", "finess", "clock"),
)
