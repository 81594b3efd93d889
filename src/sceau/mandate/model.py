"""The mandate: the controller's signed instruction, as data.

A mandate is a TOML file (``docs/mandate.md`` documents every field). It is parsed here into
frozen dataclasses and validated as a whole; nothing in it is ever evaluated as code. Deny by
default: a source column the mandate does not name, or names with ``drop``, never leaves the
source; a row outside every ``[[rows]]`` condition never leaves it either.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from sceau.errors import SceauError


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
    detected: str | None = None  # the category the draft's scan found, for the reader

    @property
    def spec(self) -> str:
        """The treatment as written in the file: ``generalise:year``."""
        return f"{self.treatment}:{self.option}" if self.option else str(self.treatment)


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


_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_COLUMN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\[\]-]{0,127}$")  # FHIR paths: name[0].family
_FINESS = re.compile(r"^[0-9]{2}[0-9AB][0-9]{6}$")
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
    controller = Party(reader.text("controller.name"), reader.text("controller.finess"))
    if not _FINESS.match(controller.finess or ""):
        raise MandateError(
            "controller.finess must be a 9-character FINESS number",
            where=f"{where}: controller.finess",
        )
    valid_from = reader.moment("validity.from")
    valid_until = reader.moment("validity.until")
    if valid_until <= valid_from:
        raise MandateError(
            "validity.until must come after validity.from", where=f"{where}: validity"
        )
    retention_days = reader.number("staging.retention_days")
    columns = tuple(
        _column_rule(name, spec, f"{where}: columns.{name}")
        for name, spec in reader.table("columns").items()
    )
    source_columns = tuple(reader.strings("source.columns"))
    mandate = Mandate(
        mandate_id=mandate_id,
        purpose=reader.text("purpose"),
        legal_reference=reader.text("legal_reference"),
        controller=controller,
        processor=Party(reader.text("processor.name"), reader.optional("processor.finess")),
        valid_from=valid_from,
        valid_until=valid_until,
        source=reader.text("source.location"),
        source_table=reader.optional("source.table"),
        source_columns=source_columns,
        destination=reader.text("destination.location"),
        destination_table=reader.text("destination.table"),
        create_table=reader.flag("destination.create"),
        rows=tuple(
            _row_condition(item, f"{where}: rows[{i}]")
            for i, item in enumerate(reader.get("rows", []))
        ),
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
    unknown = set(spec) - {"treatment", "to", "detected"}
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
    detected = spec.get("detected")
    return ColumnRule(
        source=name,
        treatment=treatment,
        option=option or None,
        target=None if treatment is Treatment.DROP else (target or name),
        detected=str(detected) if detected is not None else None,
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
    one_of = item.get("in")
    if one_of is not None and (
        not isinstance(one_of, list) or not one_of or not all(isinstance(v, str) for v in one_of)
    ):
        raise MandateError("`in` must be a non-empty list of strings", where=f"{where}.in")
    since, until = (_date(item.get(k), f"{where}.{k}") for k in ("from", "until"))
    if one_of is None and since is None and until is None:
        raise MandateError("a row condition needs `in`, `from` or `until`", where=where)
    if since and until and until <= since:
        raise MandateError("`until` must come after `from`", where=where)
    return RowCondition(column, tuple(one_of) if one_of else None, since, until)


def _date(value: object, where: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise MandateError("must be a date written 2021-01-31 (no quotes)", where=where)


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

    def text(self, path: str) -> str:
        value = self.get(path)
        if not isinstance(value, str) or not value.strip():
            raise MandateError(
                "this field is required and must be text",
                hint="see docs/mandate.md",
                where=f"{self.where}: {path}",
            )
        return self._filled(value, path)

    def optional(self, path: str) -> str | None:
        value = self.get(path)
        if value is not None and not isinstance(value, str):
            raise MandateError("must be text", where=f"{self.where}: {path}")
        return self._filled(value, path) if value else None

    def _filled(self, value: str, path: str) -> str:
        if value.strip().upper().startswith(_PLACEHOLDER):
            raise MandateError(
                "still holds the draft's TODO placeholder",
                hint="replace it with the real value",
                where=f"{self.where}: {path}",
            )
        return value

    def strings(self, path: str) -> list[str]:
        value = self.get(path)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise MandateError(
                "must be a non-empty list of column names", where=f"{self.where}: {path}"
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

    def number(self, path: str) -> int:
        value = self.get(path)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise MandateError("must be a positive whole number", where=f"{self.where}: {path}")
        return value

    def moment(self, path: str) -> datetime:
        value = self.get(path)
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=UTC)
        raise MandateError(
            "must be a date or a date-time written 2026-11-30 or 2026-11-30T18:00:00Z",
            where=f"{self.where}: {path}",
        )
