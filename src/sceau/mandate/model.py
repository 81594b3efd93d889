"""The mandate: the controller's signed instruction, as data.

A mandate is a TOML file (``docs/mandate.md`` documents every field). It is parsed here into
frozen dataclasses and validated as a whole, every value within the bounds of
:mod:`sceau.mandate.limits`; nothing in it is ever evaluated as code. A column rule may carry
the controller's override of the scan (``category`` with a ``reason``) and the identifiers the
draft's scan found inside its text (``found_inside``); :mod:`sceau.mandate.policy` applies
them. Deny by default: a source column the mandate does not name, or names with ``drop``,
never leaves the source; a row outside every ``[[rows]]`` condition never leaves it either.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from sceau.errors import SceauError
from sceau.mandate.limits import (
    MAX_COLUMNS,
    MAX_FOUND_INSIDE,
    MAX_LOCATION,
    MAX_NAME,
    MAX_REASON,
    MAX_RETENTION_DAYS,
    MAX_ROW_CONDITIONS,
    MAX_TEXT,
    MAX_VALUES,
    ROW_YEARS,
    VALIDITY_YEARS,
    plain_text_problem,
    year_problem,
)


class MandateError(SceauError):
    """A mandate is malformed, unsigned, tampered with, expired, or does not cover the work."""


class Treatment(StrEnum):
    """What happens to one source column on its way to the target."""

    KEEP = "keep"
    PSEUDONYMISE = "pseudonymise"  # HMAC-SHA-256 token; option "nir": FF3-1, NIR-shaped
    ENCRYPT = "encrypt"  # AES-256-GCM under the controller's field key
    GENERALISE = "generalise"  # option: year | month | department
    REDACT = "redact-identifiers"  # free text: identifiers inside replaced by their category
    REHASH = "rehash-password"  # Argon2id
    DROP = "drop"


OPTIONS: dict[Treatment, frozenset[str]] = {
    Treatment.PSEUDONYMISE: frozenset({"nir"}),
    Treatment.GENERALISE: frozenset({"year", "month", "department"}),
}
REQUIRED_OPTION = {Treatment.GENERALISE}


@dataclass(frozen=True)
class ColumnRule:
    """One source column: where it goes and how it is treated on the way."""

    source: str
    treatment: Treatment
    option: str | None = None  # "year", "department", "nir", ...
    target: str | None = None  # the target column; the source name when omitted (None if dropped)
    detected: str | None = None  # the category the draft's scan found
    category: str | None = None  # the controller's override of ``detected``, with its reason
    reason: str | None = None
    found_inside: tuple[str, ...] = ()  # identifier categories the draft's scan found in the text

    @property
    def spec(self) -> str:
        """The treatment as written in the file: ``generalise:year``."""
        return f"{self.treatment}:{self.option}" if self.option else str(self.treatment)

    @property
    def override(self) -> dict[str, str] | None:
        """The controller's override of the scan as reports state it (category, reason)."""
        if self.category is None or self.reason is None:
            return None
        return {"category": self.category, "reason": self.reason}

    @property
    def effective(self) -> str | None:
        """The category every rule reads: the controller's override, else what the scan found."""
        return self.category or self.detected


@dataclass(frozen=True)
class RowCondition:
    """Rows whose ``column`` is in ``one_of``, or whose date lies in [``since``, ``until``)."""

    column: str
    one_of: tuple[str, ...] | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class Party:
    """A party to the mandate: the controller (with its FINESS) or the processor."""

    name: str
    finess: str | None = None  # the controller's FINESS (a lab's registration number)


@dataclass(frozen=True)
class Mandate:
    """The controller's instruction, parsed and validated: what may move, where, and how."""

    mandate_id: str
    purpose: str
    legal_reference: str
    controller: Party
    processor: Party
    valid_from: datetime
    valid_until: datetime
    source: str
    source_table: str | None
    source_columns: tuple[str, ...]  # every column the source had when the mandate was drafted
    destination: str
    destination_table: str
    create_table: bool
    rows: tuple[RowCondition, ...]
    columns: tuple[ColumnRule, ...]
    retention: timedelta  # how long encrypted staging may outlive a run that is not verified

    @property
    def moved(self) -> tuple[ColumnRule, ...]:
        """The rules that move a column, in the mandate's order."""
        return tuple(rule for rule in self.columns if rule.treatment is not Treatment.DROP)

    @property
    def target_columns(self) -> tuple[str, ...]:
        return tuple(rule.target or rule.source for rule in self.moved)

    def rule(self, column: str) -> ColumnRule | None:
        return next((rule for rule in self.columns if rule.source == column), None)

    def is_valid_at(self, moment: datetime) -> bool:
        return self.valid_from <= moment < self.valid_until


_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\Z")
_COLUMN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\[\]-]{0,127}\Z")  # FHIR paths: name[0].family
_FINESS = re.compile(r"^(?:[0-9]{2}|2[AB])[0-9]{7}\Z")  # the department first: 75…, 2A…, 97…
_TABLES = {
    "controller": {"name", "finess"},
    "processor": {"name", "finess"},
    "validity": {"from", "until"},
    "source": {"location", "table", "columns"},
    "destination": {"location", "table", "create"},
    "staging": {"retention_days"},
}
_PLACEHOLDER = "TODO"  # what `sceau mandate draft` leaves for the controller to fill in
_TOP = {
    "mandate_id",
    "purpose",
    "legal_reference",
    "controller",
    "processor",
    "validity",
    "source",
    "destination",
    "staging",
    "rows",
    "columns",
}


def parse_mandate(text: bytes, *, where: str = "mandate") -> Mandate:
    """The mandate in ``text`` (TOML, UTF-8); MandateError naming the field if anything is off."""
    try:
        data = tomllib.loads(text.decode("utf-8"))
    except UnicodeDecodeError:
        raise MandateError("the mandate is not UTF-8 text", where=where) from None
    except tomllib.TOMLDecodeError as error:
        raise MandateError(
            f"the mandate is not valid TOML ({error})", hint="fix the syntax", where=where
        ) from None
    reader = _Reader(data, where)
    for key in data:
        if key not in _TOP:
            raise MandateError(
                f"unknown field {key!r}", hint="see docs/mandate.md", where=f"{where}: {key}"
            )
    for table, known in _TABLES.items():
        section = data.get(table, {})
        if not isinstance(section, dict):
            raise MandateError(
                "must be a table", hint="see docs/mandate.md", where=f"{where}: {table}"
            )
        for key in section:
            if key not in known:
                raise MandateError(
                    f"unknown field {key!r}",
                    hint="see docs/mandate.md",
                    where=f"{where}: {table}.{key}",
                )
    mandate_id = reader.text("mandate_id")
    if not _ID.match(mandate_id):
        raise MandateError(
            "mandate_id must be letters, digits, dots, dashes or underscores",
            where=f"{where}: mandate_id",
        )
    controller = Party(reader.text("controller.name"), reader.finess("controller.finess"))
    processor = Party(reader.text("processor.name"), reader.finess("processor.finess", need=False))
    valid_from = reader.moment("validity.from")
    valid_until = reader.moment("validity.until")
    if valid_until <= valid_from:
        raise MandateError(
            "validity.until must come after validity.from", where=f"{where}: validity"
        )
    retention_days = reader.number("staging.retention_days", most=MAX_RETENTION_DAYS)
    columns = tuple(
        _column_rule(name, spec, f"{where}: columns.{name}")
        for name, spec in reader.table("columns").items()
    )
    source_columns = tuple(reader.strings("source.columns"))
    rows = reader.get("rows", [])
    if not isinstance(rows, list) or len(rows) > MAX_ROW_CONDITIONS:
        raise MandateError(
            f"[[rows]] must be a list of at most {MAX_ROW_CONDITIONS} conditions",
            hint="see docs/mandate.md",
            where=f"{where}: rows",
        )
    mandate = Mandate(
        mandate_id=mandate_id,
        purpose=reader.text("purpose"),
        legal_reference=reader.text("legal_reference"),
        controller=controller,
        processor=processor,
        valid_from=valid_from,
        valid_until=valid_until,
        source=reader.location("source.location"),
        source_table=reader.optional("source.table", most=MAX_NAME),
        source_columns=source_columns,
        destination=reader.location("destination.location"),
        destination_table=reader.text("destination.table", most=MAX_NAME),
        create_table=reader.flag("destination.create"),
        rows=tuple(_row_condition(item, f"{where}: rows[{i}]") for i, item in enumerate(rows)),
        columns=columns,
        retention=timedelta(days=retention_days),
    )
    _check_coherence(mandate, where)
    return mandate


def _check_coherence(mandate: Mandate, where: str) -> None:
    names = [rule.source for rule in mandate.columns]
    known = set(mandate.source_columns)
    listed: set[str] = set()
    for column in mandate.source_columns:
        if column in listed:
            raise MandateError(
                f"the column {column!r} is listed twice", where=f"{where}: source.columns"
            )
        listed.add(column)
    for name in names:
        if name not in known:
            raise MandateError(
                "the column is not among source.columns",
                hint="list every source column in source.columns, or remove this rule",
                where=f"{where}: columns.{name}",
            )
    targets = [t for t in mandate.target_columns]
    duplicates = {t for t in targets if targets.count(t) > 1}
    if duplicates:
        raise MandateError(
            f"two columns load into the target column {sorted(duplicates)[0]!r}",
            hint="give each kept column its own `to`",
            where=f"{where}: columns",
        )
    if not mandate.moved:
        raise MandateError(
            "the mandate moves no column",
            hint="set a treatment other than drop",
            where=f"{where}: columns",
        )
    for index, condition in enumerate(mandate.rows):
        if condition.column not in known:
            raise MandateError(
                "the row condition names a column that is not among source.columns",
                where=f"{where}: rows[{index}].column",
            )


def _column_rule(name: str, spec: object, where: str) -> ColumnRule:
    if not isinstance(spec, dict):
        raise MandateError("each column must be a table with a `treatment`", where=where)
    unknown = set(spec) - _RULE_FIELDS
    if unknown:
        raise MandateError(f"unknown field {sorted(unknown)[0]!r}", where=where)
    raw = spec.get("treatment")
    if not isinstance(raw, str):
        raise MandateError("`treatment` is missing", hint=_TREATMENTS_HINT, where=where)
    head, _, option = raw.partition(":")
    try:
        treatment = Treatment(head)
    except ValueError:
        raise MandateError(
            f"unknown treatment {raw!r}", hint=_TREATMENTS_HINT, where=where
        ) from None
    if option and option not in OPTIONS.get(treatment, frozenset()):
        raise MandateError(f"unknown treatment {raw!r}", hint=_TREATMENTS_HINT, where=where)
    if not option and treatment in REQUIRED_OPTION:
        raise MandateError(f"{treatment} needs a level", hint=_TREATMENTS_HINT, where=where)
    target = spec.get("to")
    if target is not None and (not isinstance(target, str) or not _COLUMN.match(target)):
        raise MandateError(
            "`to` must be a column name (letters, digits, _ . - and [ ] for FHIR paths)",
            where=where,
        )
    detected = _word(spec, "detected", where)
    category, reason = _override(spec, detected, where)
    return ColumnRule(
        source=name,
        treatment=treatment,
        option=option or None,
        target=None if treatment is Treatment.DROP else (target or name),
        detected=detected,
        category=category,
        reason=reason,
        found_inside=_found_inside(spec.get("found_inside"), f"{where}.found_inside"),
    )


_RULE_FIELDS = {"treatment", "to", "detected", "category", "reason", "found_inside"}
_WORD = re.compile(r"^[A-Z][A-Z0-9_]{0,63}\Z")  # a category's name, checked against the list later


def _word(spec: dict, key: str, where: str) -> str | None:
    value = spec.get(key)
    if value is not None and not (isinstance(value, str) and _WORD.match(value)):
        raise MandateError(
            f"`{key}` must be a category name in capitals, such as LOGIN or FREE_TEXT",
            hint="see docs/categories.md",
            where=f"{where}.{key}",
        )
    return value


def _override(spec: dict, detected: str | None, where: str) -> tuple[str | None, str | None]:
    """The controller's ``category`` over the scan's ``detected``, and the ``reason`` for it."""
    category = _word(spec, "category", where)
    reason = spec.get("reason")
    if category is None:
        if reason is not None:
            raise MandateError(
                "`reason` explains an override, and there is no `category`",
                hint='write category = "…" (what the column holds) next to the reason, or '
                "remove the reason",
                where=f"{where}.reason",
            )
        return None, None
    if detected is None:
        raise MandateError(
            "an override (`category`) needs `detected`: what the scan found",
            hint="keep the `detected` the draft wrote, and give your reading in `category`",
            where=f"{where}.category",
        )
    if category == detected:
        raise MandateError(
            "`category` repeats `detected`: an override names another category",
            hint="remove `category` and `reason`",
            where=f"{where}.category",
        )
    if not isinstance(reason, str) or not reason.strip():
        raise MandateError(
            f"an override needs a `reason`: why the column holds {category} and not {detected}",
            hint='add reason = "…" in plain words',
            where=f"{where}.reason",
        )
    problem = plain_text_problem(reason)
    if problem or len(reason) > MAX_REASON:
        raise MandateError(
            f"`reason` must be plain text on one line, {MAX_REASON} characters at most"
            + (f": {problem}" if problem else ""),
            where=f"{where}.reason",
        )
    return category, reason.strip()


def _found_inside(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if (
        not isinstance(value, list)
        or len(value) > MAX_FOUND_INSIDE
        or not all(isinstance(v, str) and _WORD.match(v) for v in value)
        or len(set(value)) != len(value)
    ):
        raise MandateError(
            "`found_inside` must be a list of category names, each once, as the draft wrote it",
            hint="copy it from `sceau mandate draft`",
            where=where,
        )
    return tuple(value)


PASSWORD_REFUSAL = (
    "the URL holds a password, and a mandate never holds one (it is signed, stored and shown)"
)
PASSWORD_HINT = (
    "remove the password from the URL (keep user@host); give it when connecting instead: "
    "PGPASSWORD or ~/.pgpass for PostgreSQL, MYSQL_PWD for MariaDB, or store it with "
    "`sceau keys db-password set URL` (see docs/mandate.md)"
)
_TREATMENTS_HINT = (
    "use keep, pseudonymise, pseudonymise:nir, encrypt, generalise:year, generalise:month, "
    "generalise:department, redact-identifiers, rehash-password or drop"
)


def _row_condition(item: object, where: str) -> RowCondition:
    if not isinstance(item, dict):
        raise MandateError("each [[rows]] entry must be a table", where=where)
    unknown = set(item) - {"column", "in", "from", "until"}
    if unknown:
        raise MandateError(f"unknown field {sorted(unknown)[0]!r}", where=where)
    column = item.get("column")
    if not isinstance(column, str) or not column:
        raise MandateError("`column` is missing", where=where)
    if len(column) > MAX_NAME:
        raise MandateError(f"`column` is longer than {MAX_NAME:,} characters", where=where)
    one_of = item.get("in")
    if one_of is not None and (
        not isinstance(one_of, list)
        or not 0 < len(one_of) <= MAX_VALUES
        or not all(isinstance(v, str) and len(v) <= MAX_NAME for v in one_of)
    ):
        raise MandateError(
            f"`in` must be a non-empty list of at most {MAX_VALUES:,} strings, each of "
            f"{MAX_NAME:,} characters at most",
            where=f"{where}.in",
        )
    since, until = (_date(item.get(k), f"{where}.{k}") for k in ("from", "until"))
    if one_of is None and since is None and until is None:
        raise MandateError("a row condition needs `in`, `from` or `until`", where=where)
    if since and until and until <= since:
        raise MandateError("`until` must come after `from`", where=where)
    return RowCondition(column, tuple(one_of) if one_of else None, since, until)


def _date(value: object, where: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise MandateError("must be a date written 2021-01-31 (no quotes)", where=where)
    problem = year_problem(value, ROW_YEARS)
    if problem:
        raise MandateError(f"the date {problem}", hint="see docs/mandate.md", where=where)
    return value


class _Reader:
    """Dotted-path access to the parsed TOML, with errors naming the field."""

    def __init__(self, data: dict, where: str) -> None:
        self.data = data
        self.where = where

    def get(self, path: str, default: object = None) -> object:
        node: object = self.data
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def text(self, path: str, *, most: int = MAX_TEXT) -> str:
        value = self.get(path)
        if not isinstance(value, str) or not value.strip():
            raise MandateError(
                "this field is required and must be text",
                hint="see docs/mandate.md",
                where=f"{self.where}: {path}",
            )
        return self._filled(value, path, most)

    def optional(self, path: str, *, most: int = MAX_TEXT) -> str | None:
        value = self.get(path)
        if value is not None and not isinstance(value, str):
            raise MandateError("must be text", where=f"{self.where}: {path}")
        return self._filled(value, path, most) if value else None

    def _filled(self, value: str, path: str, most: int) -> str:
        if value.strip().upper().startswith(_PLACEHOLDER):
            raise MandateError(
                "still holds the draft's TODO placeholder",
                hint="replace it with the real value",
                where=f"{self.where}: {path}",
            )
        if len(value) > most:
            raise MandateError(f"is longer than {most:,} characters", where=f"{self.where}: {path}")
        return value

    def location(self, path: str) -> str:
        """A file, folder or database URL (one holding a password is refused by the rules:
        :func:`sceau.mandate.policy.check_mandate`, so that a mandate stored before still reads)."""
        return self.text(path, most=MAX_LOCATION)

    def finess(self, path: str, *, need: bool = True) -> str | None:
        value = self.text(path) if need else self.optional(path)
        if value is not None and not _FINESS.match(value):
            raise MandateError(
                "must be a 9-character FINESS number: the department (two digits, or 2A or 2B "
                "for Corsica), then seven digits",
                where=f"{self.where}: {path}",
            )
        return value

    def strings(self, path: str) -> list[str]:
        value = self.get(path)
        if (
            not isinstance(value, list)
            or not 0 < len(value) <= MAX_COLUMNS
            or not all(isinstance(v, str) and len(v) <= MAX_NAME for v in value)
        ):
            raise MandateError(
                f"must be a non-empty list of at most {MAX_COLUMNS:,} column names, each of "
                f"{MAX_NAME:,} characters at most",
                where=f"{self.where}: {path}",
            )
        return value

    def table(self, path: str) -> dict:
        value = self.get(path)
        if not isinstance(value, dict) or not value:
            raise MandateError(
                "this table is required", hint="see docs/mandate.md", where=f"{self.where}: {path}"
            )
        return value

    def flag(self, path: str) -> bool:
        value = self.get(path, False)
        if not isinstance(value, bool):
            raise MandateError("must be true or false", where=f"{self.where}: {path}")
        return value

    def number(self, path: str, *, most: int) -> int:
        value = self.get(path)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= most:
            raise MandateError(
                f"must be a whole number from 1 to {most:,}",
                hint="see docs/mandate.md",
                where=f"{self.where}: {path}",
            )
        return value

    def moment(self, path: str) -> datetime:
        """A date or date-time, read in UTC: a date means 00:00 UTC, no offset means UTC."""
        value = self.get(path)
        if isinstance(value, datetime):
            moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        elif isinstance(value, date):
            moment = datetime(value.year, value.month, value.day, tzinfo=UTC)
        else:
            raise MandateError(
                "must be a date or a date-time written 2026-11-30 or 2026-11-30T18:00:00Z",
                where=f"{self.where}: {path}",
            )
        try:
            moment = moment.astimezone(UTC)
        except OverflowError:  # 9999-12-31T23:59:59-23:59 is in year 10000 in UTC
            moment = datetime.max.replace(tzinfo=UTC)
        problem = year_problem(moment.date(), VALIDITY_YEARS)
        if problem:
            raise MandateError(
                f"the date {problem}, read in UTC",
                hint="see docs/mandate.md",
                where=f"{self.where}: {path}",
            )
        return moment
