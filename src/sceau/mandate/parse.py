"""Reading a mandate: TOML into :class:`~sceau.mandate.model.Mandate`, validated as a whole.

Every value is checked within the bounds of :mod:`sceau.mandate.limits`, and an error names the
field (never a value that could come from the data); nothing in a mandate is ever evaluated as
code. What ``sceau mandate draft`` leaves to fill in (``TODO``) is refused until it is filled.
"""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, date, datetime, timedelta

from sceau.mandate.column_rules import column_rule
from sceau.mandate.limits import (
    MAX_COLUMNS,
    MAX_LOCATION,
    MAX_NAME,
    MAX_RETENTION_DAYS,
    MAX_ROW_CONDITIONS,
    MAX_TEXT,
    MAX_VALUES,
    ROW_YEARS,
    VALIDITY_YEARS,
    year_problem,
)
from sceau.mandate.model import (
    Mandate,
    MandateError,
    Party,
    RowCondition,
)

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\Z")
FINESS_NUMBER = re.compile(r"^(?:[0-9]{2}|2[AB])[0-9]{7}\Z")  # the department first: 75…, 2A…, 97…
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
    _check_fields(data, where)
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
        column_rule(name, spec, f"{where}: columns.{name}")
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


def _check_fields(data: dict[str, object], where: str) -> None:
    """Refuse a field the mandate format does not have: a typo must not pass for a default."""
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

    def __init__(self, data: dict[str, object], where: str) -> None:
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
        if value is not None and not FINESS_NUMBER.match(value):
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

    def table(self, path: str) -> dict[str, object]:
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
