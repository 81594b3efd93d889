"""A mandate drafted from a scan: every column listed, every column dropped, the rest to fill in.

The draft is where deny by default starts: it moves nothing until the controller chooses, column
by column, what moves and how. It notes what the scan found in each column (``detected``), which
the drift guard later compares with a fresh scan. The parts only the controller can write —
who they are, who processes, why, until when, where to — are ``TODO`` placeholders that
:func:`sceau.mandate.parse.parse_mandate` refuses, so a draft cannot be signed unfilled. The
draft holds column names, categories and counts, never a value from the data.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sceau.detect.base import Category, ColumnFinding
from sceau.detect.names import public_location
from sceau.detect.report import ScanReport, TableScan
from sceau.detect.scan import scan
from sceau.mandate.column_rules import PASSWORD_HINT, PASSWORD_REFUSAL
from sceau.mandate.limits import holds_password
from sceau.mandate.model import MandateError, Party
from sceau.progress import Progress
from sceau.urls import redact_url

VALIDITY_DAYS = 30
RETENTION_DAYS = 7
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+\Z")
_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def draft_mandate(
    source: str,
    *,
    table: str | None = None,
    scan_report: ScanReport | None = None,
    controller: Party | None = None,
    processor: Party | None = None,
    today: date | None = None,
    progress: Progress | None = None,
) -> str:
    """The TOML text of a mandate for one table of ``source``, every column dropped.

    ``scan_report`` saves a second scan when the caller already has one; ``table`` picks the
    table when the source holds several. A ``source`` URL holding a password is refused.
    """
    refuse_password(source, where="SOURCE")
    if public_location(source) != source:
        raise MandateError(
            "the source's name holds personal data, which a mandate would have to repeat",
            hint="rename the file or table so that its name holds no identifier, then draft again",
            where=redact_url(public_location(source)),
        )
    report = scan_report if scan_report is not None else scan([source], progress=progress)
    chosen = pick_table(report, table, where=redact_url(source))
    if not chosen.columns:
        raise MandateError(
            "the table has no column to draft a mandate for", where=redact_url(chosen.source)
        )
    today = today or datetime.now(UTC).date()
    location, table_name = _location(chosen.source)
    lines = [
        *_header(chosen, today),
        f"mandate_id = {toml_string(_mandate_id(table_name or location, today))}",
        'purpose = "TODO: why the data moves, e.g. migration of the lab\'s records to its new LIS"',
        'legal_reference = "TODO: the contract or clause (GDPR art. 28) that instructs the '
        'processor"',
        "",
        "[controller]  # the lab that owns the data and signs this mandate",
        f"name = {toml_string(controller.name if controller else TODO_CONTROLLER)}",
        f"finess = {toml_string((controller and controller.finess) or 'TODO')}"
        "  # the lab's 9-character FINESS number",
        "",
        "[processor]  # who carries out the work on the controller's instruction",
        f"name = {toml_string(processor.name if processor else _TODO_PROCESSOR)}",
        *([f"finess = {toml_string(processor.finess)}"] if processor and processor.finess else []),
        "",
        "[validity]  # TODO: check the dates; outside them the mandate allows nothing",
        f"from = {today.isoformat()}T00:00:00Z",
        f"until = {(today + timedelta(days=VALIDITY_DAYS)).isoformat()}T00:00:00Z",
        "",
        "[source]  # every column the source had when this draft was made",
        f"location = {toml_string(location)}",
        *([f"table = {toml_string(table_name)}"] if table_name else []),
        "columns = [",
        *(f"  {toml_string(column.name)}," for column in chosen.columns),
        "]",
        "",
        "[destination]",
        'location = "TODO: where the data goes, e.g. postgresql://lis@new-host/lab (no password)"',
        'table = "TODO: the target table"',
        "create = false  # true: create the table if it does not exist",
        "",
        "[staging]",
        f"retention_days = {RETENTION_DAYS}  # encrypted staging of an unverified run is "
        "shredded after this",
        "",
        *_rows_example(chosen.columns),
        "",
        "[columns]",
        "# TODO: choose what moves. Every column is dropped until you give it another treatment:",
        "#   keep, pseudonymise, pseudonymise:nir, encrypt, generalise:year, generalise:month,",
        "#   generalise:department, redact-identifiers, rehash-password (see docs/treatments.md).",
        '# Add to = "name" to load a column under another name. Keep `detected`: the drift',
        "# guard compares it with the source before every migration.",
        "# If the scan read a column wrong, keep its `detected` and add what it holds, with why:",
        '#   SR = { treatment = "keep", detected = "PASSWORD", category = "LOGIN",',
        '#          reason = "portal logins made of the name and birth date; no password" }',
        "# `found_inside` lists the identifiers the scan found inside a column's text: such a",
        "# column cannot be kept as is (use redact-identifiers, pseudonymise, encrypt or drop).",
    ]
    for column in chosen.columns:
        lines.append(f"# {_finding(column)}")
        inside = sorted(str(k) for k, n in column.embedded.items() if n)
        spec: dict[str, object] = {"treatment": "drop", "detected": str(column.category)}
        lines.append(rule_line(column.name, {**spec, "found_inside": inside} if inside else spec))
    return "\n".join(lines) + "\n"


RULE_ORDER = ("treatment", "to", "detected", "category", "reason", "found_inside")


def rule_line(column: str, spec: dict[str, object]) -> str:
    """One column's rule as the draft writes it, on one line: the one renderer of a rule, for
    the draft and for every later edit of it. ``spec`` holds text, and ``found_inside`` a list."""
    parts = []
    for field in RULE_ORDER:
        value = spec.get(field)
        if value is None:
            continue
        if isinstance(value, list | tuple):
            rendered = "[" + ", ".join(toml_string(str(v)) for v in value) + "]"
        else:
            rendered = toml_string(str(value))
        parts.append(f"{field} = {rendered}")
    return f"{toml_key(column)} = {{ {', '.join(parts)} }}"


def refuse_password(location: str, *, where: str) -> None:
    """MandateError when ``location`` is a URL holding a password: naming ``where``, never the
    URL (it would repeat the password)."""
    if holds_password(location):
        raise MandateError(PASSWORD_REFUSAL, hint=PASSWORD_HINT, where=where)


TODO_CONTROLLER = "TODO: the lab's legal name"
_TODO_PROCESSOR = "TODO: the vendor or host that carries out the migration"


def pick_table(report: ScanReport, table: str | None, *, where: str = "") -> TableScan:
    """The one table of the report that ``table`` names (its full name, file name or #table)."""
    if table is None:
        if len(report.tables) == 1:
            return report.tables[0]
        raise MandateError(
            f"the source holds {len(report.tables)} tables and a mandate covers one",
            hint="choose one with --table: "
            + ", ".join(_short(t.source) for t in report.tables[:10]),
            where=where,
        )
    for candidate in report.tables:
        if table in {candidate.source, _short(candidate.source), Path(candidate.source).name}:
            return candidate
    raise MandateError(
        "no table of that name in the source",
        hint="choose one of: " + ", ".join(_short(t.source) for t in report.tables[:10]),
        where=where,
    )


def _short(name: str) -> str:
    return name.rsplit("#", 1)[1] if "#" in name and not Path(name).exists() else Path(name).name


def _location(name: str) -> tuple[str, str | None]:
    """A table's location and, for a database or a multi-table file, its table name.

    A file's path is made absolute: the mandate must name the same file wherever the operator
    runs it from, and the reports must say which file it was.
    """
    location, table = name, None
    if "#" in name and not Path(name).exists():
        location, table = name.rsplit("#", 1)
    if "://" not in location:
        location = str(Path(location).resolve())
    return redact_url(location), table


def _mandate_id(label: str, today: date) -> str:
    stem = Path(label).stem if "://" not in label else label.rsplit("/", 1)[-1]
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_stem).strip("-._")[:96] or "mandate"
    return f"{slug}-{today:%Y%m%d}"


def _header(chosen: TableScan, today: date) -> list[str]:
    rows = f"{chosen.rows:,} rows" + ("" if chosen.complete else " (counting was capped)")
    return [
        f"# sceau mandate, drafted on {today.isoformat()} from a scan of {chosen.kind} data "
        f"({rows}).",
        "# The controller fills in every TODO and chooses each column's treatment, then signs:",
        "#   sceau keys new-signer            (once)",
        "#   sceau mandate sign <this file>",
        "# Deny by default: a column left as drop, or not listed, never leaves the source.",
        "# Every field is documented in docs/mandate.md.",
        "",
    ]


def _rows_example(columns: list[ColumnFinding]) -> list[str]:
    dates = [c.name for c in columns if c.category is Category.DATE]
    labs = [c.name for c in columns if c.category is Category.FINESS]
    return [
        "# Row scope: without [[rows]], every row moves. With them, a row moves only if it meets",
        "# every condition (`from` included, `until` excluded; dates written 2019-01-01).",
        "# [[rows]]",
        f"# column = {toml_string(labs[0] if labs else 'FINESS')}",
        '# in = ["750000001", "750000002"]',
        "# [[rows]]",
        f"# column = {toml_string(dates[0] if dates else 'DATE_OF_VISIT')}",
        "# from = 2019-01-01",
        "# until = 2021-01-01",
    ]


def _finding(column: ColumnFinding) -> str:
    """What the scan found in a column, in one comment line: categories and counts only."""
    parts = [f"{column.category} · {column.sensitivity}"]
    health = {k: n for k, n in column.health_categories.items() if n}
    if health:
        found = ", ".join(f"{k} {n:,}" for k, n in sorted(health.items(), key=lambda i: -i[1]))
        parts.append(f"health data in text (cells): {found}")
    inside = {k: n for k, n in column.embedded.items() if n}
    if inside:
        found = ", ".join(f"{k} {n:,}" for k, n in sorted(inside.items(), key=lambda i: -i[1]))
        parts.append(f"identifiers inside the text: {found}")
    return " · ".join(parts)


def toml_key(name: str) -> str:
    """A TOML key: bare when it can be, quoted otherwise (spaces, accents, quotes, dots)."""
    return name if _BARE_KEY.match(name) else toml_string(name)


def toml_string(value: str) -> str:
    """A TOML basic string holding exactly ``value``."""
    out = []
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'
