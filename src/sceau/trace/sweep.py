"""``sceau sweep``: look through folders and FTP servers for stray copies of patient data.

Every file found (archives opened, as a scan opens them) is traced against the index like a
file that turned up (:func:`~sceau.trace.leak.trace_leak`): a file whose rows a recorded
reading explains, outside every location a mandate declares, is a *stray copy* — the kind of
forgotten extract that leaked in 2021. A find says where, how big, how old and which readings
it matches, never a value. The sweep is bounded: a file above the size limit is not read, and
whatever is not read is listed with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sceau._version import __version__
from sceau.detect.names import public_location
from sceau.events import EventSink, StrayFound, Swept
from sceau.progress import Progress, Silent
from sceau.sources.base import Skipped, SourceError, skipped_for
from sceau.trace.index import Record, TraceIndex
from sceau.trace.leak import TraceReport, record_dict, trace_leak
from sceau.trace.places import Candidate, Excluded, candidates
from sceau.urls import redact_url

_NO_PATIENT = "no identifier of a patient in it"


@dataclass(frozen=True)
class StrayCopy:
    """A file outside every declared location holding people of recorded readings."""

    path: str  # public: no password, no identifier a file name may hold
    size: int
    modified: datetime
    rows: int  # rows read in it
    matched_rows: int  # of which held by the readings named
    records: tuple[Record, ...]  # the readings named, by number

    def age_days(self, now: datetime) -> int:
        return max(0, (now - self.modified).days)


@dataclass
class SweepReport:
    """What a sweep looked at, what it found and what it did not read."""

    locations: list[str]
    finds: list[StrayCopy] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    files: int = 0  # files traced
    indexed: int = 0  # readings in the index
    max_mb: int = 0  # the size limit the sweep read files under
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    kind: str = "sweep"

    def to_dict(self) -> dict[str, Any]:
        named = {r.record_id: r for find in self.finds for r in find.records}
        return {
            "report": self.kind,
            "schema_version": 1,
            "sceau_version": __version__,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "locations": self.locations,
            "max_mb": self.max_mb,
            "summary": {
                "files": self.files,
                "finds": len(self.finds),
                "skipped": len(self.skipped),
                "records_in_index": self.indexed,
            },
            "finds": [
                {
                    "path": find.path,
                    "size": find.size,
                    "modified": find.modified.isoformat(timespec="seconds"),
                    "age_days": find.age_days(self.started_at),
                    "rows": find.rows,
                    "matched_rows": find.matched_rows,
                    "records": [r.record_id for r in find.records],
                }
                for find in self.finds
            ],
            "readings": [record_dict(named[n]) for n in sorted(named)],
            "skipped": [{"location": s.location, "reason": s.reason} for s in self.skipped],
        }


@dataclass(frozen=True)
class Sweep:
    """Where to look and how: the index and its key, what is declared, the size limit."""

    index: TraceIndex
    secret: bytes = field(repr=False)
    excluded: Excluded
    max_mb: int  # a file larger than this is listed, not read
    password: str = field(default="", repr=False)  # for FTP addresses that carry none
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def run(
        self,
        locations: Iterable[str],
        *,
        progress: Progress | None = None,
        already: Callable[[Candidate], bool] = lambda _: False,
        stop: Callable[[], bool] = lambda: False,
    ) -> SweepReport:
        """Trace every file at ``locations``; ``already`` leaves out files known unchanged;
        ``stop``, asked before each file, ends the sweep early (the service shutting down)."""
        progress = progress or Silent()
        shown = [public_location(redact_url(location)) for location in locations]
        indexed = len(self.index.records())
        report = SweepReport(shown, indexed=indexed, max_mb=self.max_mb, started_at=self.clock())
        for location in locations:
            for candidate in self._candidates(location, report.skipped):
                if stop():
                    return report
                if not already(candidate):
                    self._trace(candidate, report, progress)
        return report

    def _candidates(self, location: str, skipped: list[Skipped]) -> Iterator[Candidate]:
        found: list[Skipped] = []
        yield from candidates(location, found, self.excluded, password=self.password)
        skipped += [Skipped(public_location(s.location), s.reason) for s in found]

    def _trace(self, candidate: Candidate, report: SweepReport, progress: Progress) -> None:
        where = candidate.public
        if candidate.size > self.max_mb * 2**20:
            reason = f"larger than the sweep's limit of {self.max_mb} MB: not read"
            report.skipped.append(Skipped(where, reason))
            return
        progress.step(f"sweeping {where}")
        try:
            with candidate.local() as path:
                traced = trace_leak([path], self.index, self.secret, progress=progress)
                local = public_location(str(path))
        except SourceError as error:
            report.skipped.append(skipped_for(error, where))
            return
        report.files += 1
        for inside in traced.scan.skipped:  # an archive's members not read, named as found
            report.skipped.append(Skipped(inside.location.replace(local, where, 1), inside.reason))
        if not any(table.kinds for table in traced.tables):
            report.skipped.append(Skipped(where, _NO_PATIENT))
        elif traced.sources:
            report.finds.append(_find(where, candidate, traced))


def _find(where: str, candidate: Candidate, traced: TraceReport) -> StrayCopy:
    return StrayCopy(
        path=where,
        size=candidate.size,
        modified=candidate.modified,
        rows=sum(t.rows for t in traced.tables),
        matched_rows=sum(t.matched for t in traced.tables),
        records=tuple(traced.sources),
    )


def record_finds(events: EventSink, report: SweepReport, *, actor: str) -> None:
    """The sweep in the audit trail: one event per stray copy (each raises an alert), then
    the sweep's counts."""
    for find in report.finds:
        events.record(
            StrayFound(
                actor=actor,
                path=find.path,
                size=find.size,
                modified=find.modified.isoformat(timespec="seconds"),
                age_days=find.age_days(report.started_at),
                rows=find.rows,
                matched_rows=find.matched_rows,
                records=tuple(r.record_id for r in find.records),
            )
        )
    events.record(
        Swept(
            actor=actor,
            locations=tuple(report.locations),
            files=report.files,
            finds=len(report.finds),
            skipped=len(report.skipped),
        )
    )
