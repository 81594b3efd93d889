"""Recovery codes: ten one-time codes for the day the phone or the security key is lost.

Each code is 12 characters of Crockford's base32 (60 random bits), shown in groups of four
(``7k2m-9xq4-hc3d``); I, L, O and U are not used, and a typed i, l or o is read as 1, 1 or 0.
They are stored as HMAC-SHA256 under the MFA key (:mod:`.mfa_key`), bound to the account, not
as Argon2 hashes like passwords: a 60-bit random code needs no slow hash to resist guessing,
and the key means a copy of the store alone cannot even try. Each code works once; issuing a
new set replaces every earlier code; each use is an audit event that says how many are left.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, func, insert, select, update

from sceau.accounts.factors import Kind, WrongFactor, delete_factor, insert_factor
from sceau.accounts.mfa_key import MfaKey
from sceau.accounts.users import utc
from sceau.events import EventSink, RecoveryCodesIssued, RecoveryCodeUsed
from sceau.store.schema import mfa_factors, recovery_codes

COUNT = 10
LENGTH = 12  # characters, 5 bits each: 60 bits
GROUP = 4
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford's base32, lower case
_READ_AS = str.maketrans({"i": "1", "l": "1", "o": "0"})
_SEPARATORS = re.compile(r"[\s\-]+")
_CODE = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")


def new_code() -> str:
    """A fresh code, grouped for reading."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, LENGTH, GROUP))


def parse_code(text: str, *, what: str = "a recovery code", kind: str = Kind.RECOVERY) -> str:
    """A recovery code (or another code of the same shape, ``what``) as typed (any case, with
    or without spaces and dashes), normalised.

    The error does not repeat the input: a password typed into the wrong prompt stays unseen.
    """
    code = _SEPARATORS.sub("", text).lower().translate(_READ_AS)
    if not code.isascii() or not _CODE.fullmatch(code):
        raise WrongFactor(
            f"{what} is {LENGTH} letters and digits, such as 7k2m-9xq4-hc3d",
            kind=kind,
            reason="malformed code",
            hint="type it as printed; spaces and dashes do not matter",
        )
    return code


def issue(
    engine: Engine, events: EventSink, key: MfaKey, user: str, *, now: datetime | None = None
) -> list[str]:
    """A new set of codes for ``user``, replacing any earlier set. Shown once: not stored."""
    now = utc(now or datetime.now(UTC))
    codes = [new_code() for _ in range(COUNT)]
    with engine.begin() as connection:  # the new set, not usable until the event is recorded
        for factor_id in _recovery_factors(connection, user, confirmed=False):
            delete_factor(connection, factor_id)
        factor_id = insert_factor(
            connection, user=user, kind=Kind.RECOVERY.value, label="recovery codes", created_at=now
        )
        connection.execute(
            insert(recovery_codes),
            [
                {"factor_id": factor_id, "digest": key.code_digest(user, parse_code(code))}
                for code in codes
            ],
        )
    events.record(RecoveryCodesIssued(actor=user, user=user, factor=factor_id, count=COUNT, at=now))
    with engine.begin() as connection:
        for earlier in _recovery_factors(connection, user):
            delete_factor(connection, earlier)
        connection.execute(
            update(mfa_factors).where(mfa_factors.c.factor_id == factor_id).values(confirmed_at=now)
        )
    return codes


def use(
    engine: Engine, events: EventSink, key: MfaKey, user: str, code: str, *, now: datetime
) -> int:
    """Spend one of ``user``'s codes; the id of their recovery factor, or :class:`WrongFactor`."""
    digest = key.code_digest(user, parse_code(code))
    with engine.begin() as connection:
        factor_id = connection.execute(
            select(recovery_codes.c.factor_id).where(
                recovery_codes.c.factor_id.in_(_recovery_factors(connection, user)),
                recovery_codes.c.digest == digest,
            )
        ).scalar_one_or_none()
        spent = connection.execute(
            update(recovery_codes)
            .where(
                recovery_codes.c.factor_id == factor_id,
                recovery_codes.c.digest == digest,
                recovery_codes.c.used_at.is_(None),
            )
            .values(used_at=now)
        ).rowcount
        if factor_id is None or spent != 1:
            raise WrongFactor(
                "this recovery code is wrong or was already used",
                kind=Kind.RECOVERY,
                reason="wrong or used recovery code",
                hint="each code works once; cross out the ones you use",
            )
        connection.execute(
            update(mfa_factors).where(mfa_factors.c.factor_id == factor_id).values(last_used_at=now)
        )
        left = _left(connection, factor_id)
    events.record(RecoveryCodeUsed(actor=user, user=user, factor=factor_id, remaining=left, at=now))
    return int(factor_id)


def remaining(engine: Engine, user: str) -> int:
    """How many of ``user``'s codes are still unused (0 if none were issued)."""
    with engine.connect() as connection:
        return sum(_left(connection, f) for f in _recovery_factors(connection, user))


def _recovery_factors(connection: Connection, user: str, *, confirmed: bool = True) -> list[int]:
    """The account's recovery sets: the one in use (``confirmed``), or unfinished ones."""
    state = mfa_factors.c.confirmed_at
    return list(
        connection.execute(
            select(mfa_factors.c.factor_id).where(
                mfa_factors.c.user == user,
                mfa_factors.c.kind == Kind.RECOVERY.value,
                state.is_not(None) if confirmed else state.is_(None),
            )
        ).scalars()
    )


def _left(connection: Connection, factor_id: int) -> int:
    return int(
        connection.execute(
            select(func.count()).where(
                recovery_codes.c.factor_id == factor_id, recovery_codes.c.used_at.is_(None)
            )
        ).scalar_one()
    )
