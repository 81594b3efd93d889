"""stray-copy: a sweep found patient data of recorded readings outside every declared location.

A forgotten extract on a shared folder or an FTP server is exactly what leaked in 2021. The
alert says where, how big and how old the file is and which readings it holds, never a value.
The key is the file as it was found (path, size, modification time) and the alert is raised
once: a sweep that finds the same file unchanged does not raise it again, even once resolved;
a file that changed, or came back, is a new find.
"""

from __future__ import annotations

from collections.abc import Iterable

from sceau.alerts.model import Finding, Severity
from sceau.alerts.rules.base import Rule, RuleContext


class StrayCopy(Rule):
    """A stray copy of patient data found by a sweep."""

    name = "stray-copy"
    severity = Severity.HIGH
    description = (
        "a sweep found a file holding people of recorded readings outside the locations "
        "the mandates declare"
    )

    def evaluate(self, context: RuleContext) -> Iterable[Finding]:
        for event in context.new:
            if event.name != "trace.stray_found":
                continue
            path, size, modified = event.get("path"), event.get("size"), event.get("modified")
            records = ", ".join(f"#{n}" for n in event.get("records", ()))
            yield self.finding(
                key=f"{path}|{size}|{modified}",
                summary=(
                    f"a stray copy of patient data: {path} ({size:,} bytes, last changed "
                    f"{event.get('age_days')} day(s) ago) holds {event.get('matched_rows'):,} "
                    f"rows of recorded reading(s) {records}, outside every location a mandate "
                    "declares; find who put it there, then remove it or declare it"
                ),
                facts={
                    "seq": event.seq,
                    "path": str(path),
                    "size": size,
                    "modified": str(modified),
                    "age_days": event.get("age_days"),
                    "matched_rows": event.get("matched_rows"),
                    "records": records,
                    "found_by": event.actor,
                },
                once=True,
            )
