"""Names that look alike are one name: case, Unicode look-alikes (UTS #39), on every store."""

from __future__ import annotations

import string
import unicodedata

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from sqlalchemy import Column, DateTime, LargeBinary, MetaData, String, Table, create_engine, select
from tests.accounts.conftest import SQLITE_ONLY
from tests.postgres import schema_url

from sceau.accounts import AccountError, Role, add_user, name_key
from sceau.accounts.names import confusables, skeleton
from sceau.accounts.users import fill_name_keys
from sceau.store import open_store
from sceau.store.schema import users

PASSWORD = "a long enough passphrase for names"
NAME_CHARS = string.ascii_letters + string.digits + "._-"
names = st.text(alphabet=NAME_CHARS, min_size=2, max_size=64)


def test_the_table_is_unicode_uts39_confusables():
    table = confusables()
    assert len(table) > 6000
    assert table["m"] == "rn"  # Unicode's prototype for m is "rn", so both meet there
    assert table["\u0430"] == "a"  # Cyrillic а
    assert table["0"] == "O"


@pytest.mark.parametrize(
    "variants",
    [
        ("mmartin", "MMartin", "rnmartin", "rnMartin"),
        ("jdupont", "JDUPONT", "jdup0nt"),
        ("john", "j\u043ehn", "\u0458ohn"),  # Cyrillic о, Cyrillic ј
        ("a.b", "A.B"),
    ],
)
def test_case_and_look_alike_variants_share_a_key(variants):
    assert len({name_key(name) for name in variants}) == 1


@given(names)
def test_the_key_is_idempotent(name):
    assert name_key(name_key(name)) == name_key(name)


@given(st.text(min_size=1, max_size=20))
def test_the_key_is_idempotent_for_any_text(text):
    assert name_key(name_key(text)) == name_key(text)


@given(names)
def test_upper_case_and_rn_for_m_collide(name):
    assert name_key(name.upper()) == name_key(name.lower()) == name_key(name)
    assert name_key(name.replace("m", "rn")) == name_key(name)


@given(
    st.text(alphabet=string.ascii_lowercase, min_size=2, max_size=20),
    st.text(alphabet=string.ascii_lowercase, min_size=2, max_size=20),
)
def test_distinct_ordinary_names_do_not_collide(first, second):
    """Lowercase names differ in key unless they differ only by rn/m, the one look-alike pair
    among lowercase ASCII letters."""
    assume(first.replace("rn", "m") != second.replace("rn", "m"))
    assert name_key(first) != name_key(second)


def test_the_skeleton_is_nfd():
    assert skeleton("é") == unicodedata.normalize("NFD", "é")


def test_a_look_alike_of_an_existing_account_is_refused(engine, events, params, admin):
    add_user(engine, events, "mmartin", Role.OPERATOR, PASSWORD, by=admin, params=params)
    for look_alike in ("MMartin", "rnmartin", "mrnartin"):
        with pytest.raises(AccountError, match="looks like an existing account") as caught:
            add_user(engine, events, look_alike, Role.AUDITOR, PASSWORD, by=admin, params=params)
        assert "mmartin" not in str(caught.value).replace(look_alike, "")  # the other not named
    with engine.connect() as connection:
        keys = dict(connection.execute(select(users.c.name, users.c.name_key)).all())
    assert keys == {admin: name_key(admin), "mmartin": "rnrnartin"}


@SQLITE_ONLY
def test_the_store_itself_refuses_a_second_account_with_the_same_key(engine, admin):
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    with engine.begin() as connection:
        row = connection.execute(select(users).where(users.c.name == admin)).one()._asdict()
    row["name"] = admin.upper()
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert(users).values(**row))


def old_users_table(metadata: MetaData) -> Table:
    """The users table as sceau made it before name keys."""
    return Table(
        "users",
        metadata,
        Column("name", String(64), primary_key=True),
        Column("role", String(16), nullable=False),
        Column("password_hash", String(256), nullable=False),
        Column("mfa_secret", LargeBinary, nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("created_by", String(64), nullable=False),
        Column("disabled_at", DateTime(timezone=True), nullable=True),
    )


def old_store(url: str) -> None:
    from datetime import UTC, datetime

    metadata = MetaData()
    table = old_users_table(metadata)
    engine = create_engine(url)
    metadata.create_all(engine)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        for name, role in (("boss", "admin"), ("mmartin", "operator"), ("rnmartin", "auditor")):
            connection.execute(
                table.insert().values(
                    name=name,
                    role=role,
                    password_hash="$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
                    created_at=now,
                    created_by="boss",
                )
            )
    engine.dispose()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_an_older_store_is_upgraded_and_its_names_keyed(tmp_path, database, params):
    from sceau.audit.key import AuditKey
    from sceau.audit.sink import AuditLog

    def check(url: str) -> None:
        old_store(url)
        engine = open_store(url)
        try:
            assert fill_name_keys(engine) == 2  # rnmartin, made before keys, keeps no key
            with engine.connect() as connection:
                keys = dict(connection.execute(select(users.c.name, users.c.name_key)).all())
            assert keys == {"boss": "boss", "mmartin": "rnrnartin", "rnmartin": None}
            events = AuditLog(engine, AuditKey.generate())
            with pytest.raises(AccountError, match="looks like an existing account"):
                add_user(engine, events, "MMartin", Role.OPERATOR, PASSWORD, by="boss")
            again = open_store(url)  # a second start finds nothing to add, and keeps the keys
            with again.connect() as connection:
                assert connection.execute(select(users.c.name_key)).scalars().all().count(None) == 1
            again.dispose()
        finally:
            engine.dispose()

    if database == "sqlite":
        check(f"sqlite:///{tmp_path / 'old.db'}")
    else:
        with schema_url("sceau_upgrade") as url:
            check(url)
