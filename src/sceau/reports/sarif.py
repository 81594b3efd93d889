"""The SARIF 2.1.0 form of a report, for CI: one result per finding, one rule per kind of finding.

A report gives its findings as :class:`SarifResult`\\ s through ``sarif_results()``; this module
owns the SARIF shape (rules, levels, locations, fingerprints) so no room has to. Messages carry
names and counts, never a value from the data.

What a command did not read (a report's top-level ``skipped`` list of ``location`` and
``reason``) is not a finding: it becomes the invocation's tool execution notifications, so a
dashboard shows that part of the input went unexamined.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from sceau._version import __version__
from sceau.reports.report import Report, ReportError, SarifReport

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SARIF_VERSION = "2.1.0"
FINGERPRINT = "sceauFinding/v1"
NOT_READ = "sceau/not-read"
SRCROOT = "%SRCROOT%"


class Level(StrEnum):
    """SARIF's result levels, most severe first."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


# GitHub code scanning sorts security alerts by this score (0.0-10.0, as a string).
_SEVERITY_SCORE = {Level.ERROR: "8.0", Level.WARNING: "5.0", Level.NOTE: "2.0"}


@dataclass(frozen=True)
class SarifRule:
    """One kind of finding: ``sceau/NIR``. Its help says what it is and what to do about it."""

    id: str
    name: str
    short_description: str
    help: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class SarifResult:
    """One finding, located in a file or a database table, and optionally in one of its columns.

    ``source`` is a file path or a database URL (without password); a URL is located
    logically, a file physically. ``properties`` holds counts for tools that read them.
    """

    rule: SarifRule
    level: Level
    message: str
    source: str
    column: str = ""
    properties: dict[str, Any] = field(default_factory=dict)


def render_sarif(report: Report) -> str:
    """A SARIF 2.1.0 log with one run, as indented JSON ending with a newline."""
    return json.dumps(sarif_log(report), indent=2, ensure_ascii=False) + "\n"


def sarif_log(report: Report) -> dict[str, Any]:
    """The SARIF log as a dict: rules in order of first use, results in the report's order."""
    results = list(_results_of(report))
    rules: dict[str, SarifRule] = {}
    levels: dict[str, Level] = {}
    for result in results:
        rules.setdefault(result.rule.id, result.rule)
        worst = min(levels.get(result.rule.id, Level.NOTE), result.level, key=_severity)
        levels[result.rule.id] = worst
    index = {rule_id: position for position, rule_id in enumerate(rules)}
    data = report.to_dict()

    driver: dict[str, Any] = {
        "name": "sceau",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [_rule(rule, levels[rule.id]) for rule in rules.values()],
    }
    if data.get("skipped"):
        driver["notifications"] = [_NOT_READ_DESCRIPTOR]
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "automationDetails": {"id": f"sceau/{report.kind}/"},
        "invocations": [_invocation(data)],
        "results": [_result(result, index[result.rule.id]) for result in results],
        "originalUriBaseIds": _base_ids(),
        "columnKind": "unicodeCodePoints",
        "properties": {"report": report.kind},
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _results_of(report: Report) -> Iterable[SarifResult]:
    if isinstance(report, SarifReport):
        return report.sarif_results()
    raise ReportError(
        f"{report.kind} reports have no SARIF form",
        hint="write this report as JSON or HTML instead",
        where=f"{report.kind} report",
    )


def _severity(level: Level) -> int:
    return list(Level).index(level)


def _rule(rule: SarifRule, level: Level) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.short_description},
        "fullDescription": {"text": rule.help},
        "help": {"text": rule.help},
        "defaultConfiguration": {"level": level.value},
        "properties": {
            "tags": ["privacy", *rule.tags],
            "security-severity": _SEVERITY_SCORE[level],
        },
    }


_NOT_READ_DESCRIPTOR = {
    "id": NOT_READ,
    "name": "not-read",
    "shortDescription": {"text": "A file, archive member or table was not read."},
    "fullDescription": {
        "text": "sceau did not read this part of the input, for the reason given: what it "
        "holds is not in the results. Fix the cause (a damaged or truncated file, a "
        "password-protected member, a table this user may not read) and scan it again."
    },
    "defaultConfiguration": {"level": "warning"},
}


def _invocation(data: dict[str, Any]) -> dict[str, Any]:
    invocation: dict[str, Any] = {"executionSuccessful": True}
    skipped = data.get("skipped") or []
    if skipped:
        invocation["toolExecutionNotifications"] = [
            {
                "descriptor": {"id": NOT_READ, "index": 0},
                "level": "warning",
                "message": {"text": f"Not read: {entry['reason']}."},
                "locations": [_location(entry["location"], "")],
            }
            for entry in skipped
        ]
    started = data.get("started_at")
    if isinstance(started, str):
        moment = datetime.fromisoformat(started)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        invocation["startTimeUtc"] = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return invocation


def _result(result: SarifResult, rule_index: int) -> dict[str, Any]:
    identity = "\x00".join((result.rule.id, result.source, result.column))
    return {
        "ruleId": result.rule.id,
        "ruleIndex": rule_index,
        "level": result.level.value,
        "message": {"text": result.message},
        "locations": [_location(result.source, result.column)],
        "partialFingerprints": {FINGERPRINT: hashlib.sha256(identity.encode()).hexdigest()},
        "properties": result.properties,
    }


def _location(source: str, column: str) -> dict[str, Any]:
    """A file as a physical location; a database table as a logical one; a column inside either."""
    location: dict[str, Any] = {}
    logical: list[dict[str, Any]] = []
    if "://" in source:
        table = source.rsplit("#", 1)[1] if "#" in source else ""
        logical.append({"name": table or source, "fullyQualifiedName": source, "kind": "resource"})
    else:
        location["physicalLocation"] = {
            "artifactLocation": artifact_location(source),
            "region": {"startLine": 1},  # where a file names its columns, or starts
        }
    if column:
        logical.append(
            {"name": column, "fullyQualifiedName": f"{source}#{column}", "kind": "member"}
        )
    if logical:
        location["logicalLocations"] = logical
    return location


def artifact_location(path: str) -> dict[str, str]:
    """A file as a SARIF artifact location: relative to %SRCROOT% (the directory sceau ran in,
    as CI checks a repository out) when it lies under it, so that a code-scanning service can
    show it; an absolute ``file://`` URI otherwise."""
    pure = PurePath(path)
    if pure.is_absolute():
        try:
            pure = pure.relative_to(Path.cwd())
        except ValueError:
            return {"uri": pure.as_uri()}
    return {"uri": quote(pure.as_posix(), safe="/"), "uriBaseId": SRCROOT}


def _base_ids() -> dict[str, Any]:
    return {SRCROOT: {"uri": Path.cwd().as_uri() + "/"}}
