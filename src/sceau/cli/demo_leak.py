"""The demo's last act: a file of patients turns up, and sceau says where it came from.

Five hundred of Laboratoire A's patients, reordered, in capitals, without the passwords, saved
in Windows' encoding with commas: what a forum post looks like after someone opened the export
in a spreadsheet. Its director traces it against the fingerprints sceau recorded when it read the
exports, and gets the reading it came from, the share of the file it explains, and whom the file
concerns — never a value of it on the screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from sceau.cli.trace import print_trace
from sceau.events import LeakTraced
from sceau.reports.base import ReportFormat, write_report
from sceau.trace.leak import trace_leak

if TYPE_CHECKING:
    from sceau.cli.demo import Story

LEAKED_ROWS = 500


def tell_leak(story: Story) -> None:
    story.console.rule("[bold]9. A file of patients turns up: sceau trace")
    first = story.labs[0]  # the demo's labs, as the story tells them
    frame = story.frames[first.name]
    leaked = (
        frame.sample(min(LEAKED_ROWS, frame.height), seed=7, shuffle=True)
        .with_columns(
            pl.col(pl.String).exclude(first.visit_column).str.to_uppercase(),
        )
        .select(pl.all().exclude("MP"))  # the portal passwords are not in this copy
    )
    dump = story.out / "forum-dump.csv"
    dump.write_bytes(leaked.write_csv(separator=",").encode("cp1252", errors="replace"))
    story.say(
        f"  {dump.name} is posted on a forum: {leaked.height} rows, reordered, names in capitals, "
        "saved in Windows' encoding with commas. Laboratoire A's director traces it."
    )
    responder = story.login_as(first.director, "trace")
    report = trace_leak([dump], story.trace_index, story.trace_secret)
    story.events.record(
        LeakTraced(
            actor=responder.name,
            tables=len(report.tables),
            rows=sum(t.rows for t in report.tables),
            matched_rows=sum(t.matched for t in report.tables),
            records=tuple(r.record_id for r in report.sources),
        )
    )
    print_trace(story.console, report)
    for fmt in (ReportFormat.HTML, ReportFormat.JSON):
        write_report(report, fmt, story.out / f"trace.{fmt.value}")
    story.say(f"  trace reports: {story.out}/trace.html, trace.json")
