"""The state store's tables, in SQLAlchemy Core. Names and hashes only: no patient data."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(256), nullable=False),  # Argon2id, PHC string
    Column("mfa_secret", LargeBinary, nullable=True),  # wrapped TOTP secret, for the service
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("disabled_at", DateTime(timezone=True), nullable=True),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_sha256", String(64), primary_key=True),  # the token itself is never stored
    Column("user", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("mfa", Integer, nullable=False, default=0),  # 1 once a second factor was given
)

signers = Table(
    "signers",
    metadata,
    Column("fingerprint", String(64), primary_key=True),  # SHA-256 of the raw public key
    Column("name", String(128), nullable=False),
    Column("user", String(64), nullable=True),  # the account that created it
    Column("public_key", LargeBinary, nullable=False),  # raw Ed25519, 32 bytes
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
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
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("destroyed_at", DateTime(timezone=True), nullable=True),
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
    Column("signed_at", DateTime(timezone=True), nullable=False),
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
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("retention_until", DateTime(timezone=True), nullable=False),
    Column("shredded_at", DateTime(timezone=True), nullable=True),
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
    Column("at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("run_id", "phase", "batch"),
)

events = Table(
    "events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("name", String(64), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
)
