"""The audit trail's tables made append-only by PostgreSQL itself, not only by sceau's code.

Two locks, each enough alone against a different intruder:

- triggers on ``audit_entries`` and ``audit_checkpoints`` (and on ``audit_facets``, the
  search's index beside them, so no row can be taken out of it to hide an entry from a search)
  refuse every UPDATE, DELETE and TRUNCATE, whoever runs it — even the tables' owner, until
  they drop the trigger (which is itself a visible act that breaks nothing silently);
- a service role that sceau runs as, which may INSERT and SELECT there but not change or remove
  a row, and which does not own the tables, so it cannot drop or disable the triggers.

``audit_head`` is rewritten on every append, so no trigger guards it: its MAC seal does.
SQLite has neither roles nor this kind of trigger worth the name; there the seals and the
Merkle tree are the whole protection, and :func:`install_append_only` does nothing.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from sceau.store.errors import StoreError
from sceau.store.schema import audit_checkpoints, audit_entries, audit_facets, audit_head, metadata

APPEND_ONLY = (audit_entries.name, audit_checkpoints.name, audit_facets.name)
FUNCTION = "sceau_refuse_audit_change"
ROW_TRIGGER = "sceau_append_only_rows"
TRUNCATE_TRIGGER = "sceau_append_only_truncate"
_LOCK = 0x5CEA_A0D1  # advisory lock: concurrent installs would clash on CREATE OR REPLACE
_ROLE = re.compile(r"[a-z_][a-z0-9_]{0,62}")

# A change of this text is picked up by the next install: the stored body no longer matches.
_BODY = """
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'audit entries are never changed or removed; record a new event instead';
END;
"""


class AppendOnlyError(StoreError):
    """The audit tables could not be locked down, or a service role could not be set up."""


def install_append_only(engine: Engine) -> None:
    """Make PostgreSQL refuse UPDATE, DELETE and TRUNCATE on the audit tables; idempotent.

    Cheap when already in place (one catalogue query), so it can run on every start. The tables
    are found through the connection's search_path, as :func:`open_store` created them.
    """
    if engine.dialect.name != "postgresql":
        return
    try:
        with engine.connect() as connection:
            if _installed(connection):
                return
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
            if _installed(connection):
                return
            connection.exec_driver_sql(
                f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger "
                f"LANGUAGE plpgsql AS $sceau${_BODY}$sceau$".replace("%", "%%")  # not a placeholder
            )
            for table in APPEND_ONLY:
                for trigger, when in (
                    (ROW_TRIGGER, "BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW"),
                    (TRUNCATE_TRIGGER, "BEFORE TRUNCATE ON {table} FOR EACH STATEMENT"),
                ):
                    connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
                    connection.exec_driver_sql(
                        f"CREATE TRIGGER {trigger} {when.format(table=table)} "
                        f"EXECUTE FUNCTION {FUNCTION}()"
                    )
    except SQLAlchemyError as error:
        raise AppendOnlyError(
            f"cannot make the audit tables append-only ({type(error).__name__})",
            hint="connect as the owner of the sceau tables (the account that created them)",
            where=", ".join(APPEND_ONLY),
        ) from None


def _installed(connection: Connection) -> bool:
    """Whether the current function body and both enabled triggers are on every audit table.

    ``tgtype`` 27 is BEFORE UPDATE OR DELETE FOR EACH ROW, 34 is BEFORE TRUNCATE; no WHEN
    condition nor column list may narrow them.
    """
    body = connection.execute(
        text("SELECT prosrc FROM pg_proc WHERE oid = to_regprocedure(:signature)"),
        {"signature": f"{FUNCTION}()"},
    ).scalar()
    if body != _BODY:
        return False
    found = connection.execute(
        text(
            "SELECT count(*) FROM pg_trigger t "
            "WHERE t.tgrelid = ANY (CAST(:tables AS regclass[])) "
            "AND ((t.tgname = :row AND t.tgtype = 27) OR (t.tgname = :truncate AND t.tgtype = 34)) "
            "AND t.tgenabled IN ('O', 'A') AND t.tgqual IS NULL AND t.tgattr = '' "
            "AND t.tgfoid = to_regprocedure(:signature)"
        ),
        {
            "tables": list(APPEND_ONLY),
            "row": ROW_TRIGGER,
            "truncate": TRUNCATE_TRIGGER,
            "signature": f"{FUNCTION}()",
        },
    ).scalar()
    return found == 2 * len(APPEND_ONLY)


def grant_service_role(engine: Engine, role: str) -> None:
    """Create ``role`` if missing (NOLOGIN) and grant it what sceau needs, and no more.

    Everything on the operational tables; SELECT and INSERT only on the append-only audit
    tables; SELECT, INSERT and UPDATE on ``audit_head``; USAGE on sceau's sequences. The role
    must not own the tables nor be a superuser: either could drop the triggers. Re-running it
    resets the role's grants to exactly these.
    """
    if _ROLE.fullmatch(role) is None or role.startswith("pg_") or role == "public":
        raise AppendOnlyError(
            "the service role name is not a plain identifier",
            hint="use lowercase letters, digits and underscores, starting with a letter or _, "
            "at most 63 characters, and not starting with pg_",
            where="role",
        )
    if engine.dialect.name != "postgresql":
        raise AppendOnlyError(
            f"a service role needs PostgreSQL, not {engine.dialect.name}",
            hint="set SCEAU_STORE_URL to postgresql+psycopg://user@host/db",
            where="role",
        )
    tables = [table.name for table in metadata.sorted_tables]
    audit = set(APPEND_ONLY)
    try:
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
            _refuse_powerful(connection, role, tables)
            connection.exec_driver_sql(
                f'DO $sceau$ BEGIN CREATE ROLE "{role}" NOLOGIN; '
                "EXCEPTION WHEN duplicate_object THEN NULL; END $sceau$"
            )
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
            connection.exec_driver_sql(f'GRANT USAGE ON SCHEMA "{_quoted(schema)}" TO "{role}"')
            for table in tables:
                connection.exec_driver_sql(f'REVOKE ALL ON TABLE {table} FROM "{role}"')
                if table in audit:
                    granted = "SELECT, INSERT"
                elif table == audit_head.name:
                    granted = "SELECT, INSERT, UPDATE"
                else:
                    granted = "SELECT, INSERT, UPDATE, DELETE"
                connection.exec_driver_sql(f'GRANT {granted} ON TABLE {table} TO "{role}"')
            for table in sorted(audit):
                connection.exec_driver_sql(
                    f'REVOKE UPDATE, DELETE, TRUNCATE ON TABLE {table} FROM "{role}", PUBLIC'
                )
            for sequence in _sequences(connection, tables):
                connection.exec_driver_sql(f'GRANT USAGE ON SEQUENCE {sequence} TO "{role}"')
    except SQLAlchemyError as error:
        raise AppendOnlyError(
            f"cannot set up the service role ({type(error).__name__})",
            hint="connect as the owner of the sceau tables, with the CREATEROLE privilege",
            where=f"role {role}",
        ) from None


def _refuse_powerful(connection: Connection, role: str, tables: list[str]) -> None:
    """Refuse a role that could undo the lockdown: a superuser, or a member of the owner."""
    row = connection.execute(
        text(
            "SELECT r.rolsuper, bool_or(pg_has_role(r.oid, c.relowner, 'MEMBER')) "
            "FROM pg_roles r CROSS JOIN unnest(CAST(:tables AS regclass[])) AS t(oid) "
            "JOIN pg_class c ON c.oid = t.oid WHERE r.rolname = :role GROUP BY r.rolsuper"
        ),
        {"role": role, "tables": tables},
    ).first()
    if row is not None and (row[0] or row[1]):
        raise AppendOnlyError(
            "the service role owns the sceau tables or is a superuser: it could drop the "
            "append-only triggers",
            hint="choose a separate role for sceau to run as; keep the owner for migrations",
            where=f"role {role}",
        )


def _sequences(connection: Connection, tables: list[str]) -> list[str]:
    """The sequences behind sceau's serial and identity columns, as PostgreSQL quotes them."""
    return list(
        connection.execute(
            text(
                "SELECT DISTINCT CAST(CAST(s.oid AS regclass) AS text) FROM pg_class s "
                "JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i') "
                "WHERE s.relkind = 'S' AND d.refobjid = ANY (CAST(:tables AS regclass[]))"
            ),
            {"tables": tables},
        ).scalars()
    )


def _quoted(identifier: str) -> str:
    return identifier.replace('"', '""')
