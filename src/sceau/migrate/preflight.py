"""What ``sceau mandate sign`` and ``sceau migrate`` both check, in one place: a mandate that
signs is one that migrate will not refuse for anything it could have seen at signing.

- :func:`admit`: the mandate parses within its bounds (no password in a URL, no date or
  retention past what sceau can compute), follows the rules on each column's effective category
  (text in which the draft found identifiers never moves as is), and its destination can hold
  its table's and columns' names. Nothing here reads data or connects.
- :func:`scan_source`: the drift scan, exactly as migrate runs it, when the source can be
  read from here; :func:`~sceau.mandate.policy.check_drift` then refuses what migrate would.
"""

from __future__ import annotations

from dataclasses import dataclass

from sceau.detect.base import registered
from sceau.detect.names import public_table
from sceau.detect.report import TableScan
from sceau.detect.scan import ScanOptions, scan_table
from sceau.errors import SceauError
from sceau.keys.base import KeyProviderError
from sceau.keys.db_passwords import DatabasePasswords
from sceau.mandate.model import Mandate
from sceau.mandate.parse import parse_mandate
from sceau.mandate.policy import check_mandate
from sceau.progress import Progress
from sceau.sources.base import SourceError, Table, open_source
from sceau.targets.base import TargetTable, open_target
from sceau.urls import redact_url

DRIFT_SAMPLE_ROWS = 10_000  # rows the drift guard classifies before a run (extraction checks
# every row of free text moved as is: see mandate.policy.watched_text)


class PreflightError(SceauError):
    """The mandate's source cannot be matched to one table."""


@dataclass(frozen=True)
class SourceCheck:
    """The source as the drift guard reads it, or why it could not be read from here."""

    scan: TableScan | None
    why: str = ""  # when not read: the reader's own words, never a value


def admit(body: bytes, *, where: str) -> Mandate:
    """The mandate in ``body``, once every check that needs no data has passed."""
    mandate = parse_mandate(body, where=where)
    check_mandate(mandate)
    check_destination(mandate)
    return mandate


def check_destination(mandate: Mandate) -> None:
    """TargetError, as the load would raise it, for a destination or a name it cannot take."""
    table = TargetTable(mandate.destination_table, mandate.target_columns)
    with open_target(mandate.destination, table) as target:
        target.check_place()
        target.check_table()


def source_table(mandate: Mandate, location: str, *, batch_rows: int) -> Table:
    """The one table of the mandate's source; ``location`` is the source as sceau connects to
    it (with its password, when one is kept)."""
    source = open_source(location, batch_rows=batch_rows)
    tables = [public_table(table) for table in source.tables()]  # the names the mandate knows
    if mandate.source_table:
        tables = [t for t in tables if t.name.rsplit("#", 1)[-1] == mandate.source_table]
    if len(tables) != 1:
        raise PreflightError(
            "the mandate's source does not hold exactly one table to migrate",
            hint="name the table in the mandate's [source] table field",
            where=redact_url(mandate.source),
        )
    return tables[0]


def drift_scan(table: Table, progress: Progress) -> TableScan:
    """The source's columns classified on its first rows, as the drift guard reads them."""
    options = ScanOptions(sample_rows=DRIFT_SAMPLE_ROWS, max_rows=DRIFT_SAMPLE_ROWS)
    return scan_table(table, "source", list(registered()), options, progress)


def scan_source(
    mandate: Mandate,
    passwords: DatabasePasswords,
    progress: Progress,
    *,
    batch_rows: int,
) -> SourceCheck:
    """The drift scan migrate will run, run now if the source can be read from here; then
    :func:`~sceau.mandate.policy.check_drift` refuses what migrate would, in its words.

    A source that cannot be opened (another machine's file, a database out of reach, no
    password here) is not a refusal: the check is left to migrate, and the result says why.
    """
    try:
        location = passwords.connect_url(mandate.source)
        table = source_table(mandate, location, batch_rows=batch_rows)
        return SourceCheck(drift_scan(table, progress))
    except (SourceError, PreflightError, KeyProviderError) as error:
        return SourceCheck(None, why=str(error))
