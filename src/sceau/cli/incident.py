"""``sceau incident``: a breach and the three legal clocks that start when someone learns of it
(the processor's notice to each lab, the CNIL's 72 hours, the health authorities' report)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from sceau.accounts.labs import check_finess
from sceau.cli._context import Context
from sceau.cli._text import shown
from sceau.display import local_and_utc
from sceau.trace.incidents import (
    ClockKind,
    Deadlines,
    Incident,
    IncidentError,
    close_incident,
    get_incident,
    give_delay,
    labs_of_trace,
    list_incidents,
    natures,
    open_incident,
    record_met,
)

_CLOCKS = click.Choice([k.value for k in ClockKind])


def _when(text: str | None) -> datetime | None:
    """An ISO 8601 moment; without a time zone, this computer's local time."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise IncidentError(
            f"{text!r} is not a date and time",
            hint="write it as 2026-12-08T09:30 (local time) or 2026-12-08T08:30+00:00",
        ) from None
    return value.astimezone() if value.tzinfo is None else value


@click.group()
def incident() -> None:
    """Record a breach and keep its legal clocks: sceau alerts as each one nears its due time."""


@incident.command("open")
@click.option("--title", required=True, help="A short name for the incident (no patient data).")
@click.option(
    "--nature",
    "nature",
    multiple=True,
    required=True,
    metavar="KIND",
    help="confidentiality, integrity or availability; repeat for several.",
)
@click.option("--lab", "labs", multiple=True, metavar="FINESS", help="A lab concerned; repeat.")
@click.option(
    "--from-trace",
    "trace_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Take the labs from a sceau trace JSON report.",
)
@click.option("--aware-at", metavar="WHEN", help="When someone learned of it (default: now).")
@click.option("--aware-by", metavar="WHO", help="Who learned of it (default: you).")
def open_(
    title: str,
    nature: tuple[str, ...],
    labs: tuple[str, ...],
    trace_path: Path | None,
    aware_at: str | None,
    aware_by: str | None,
) -> None:
    """Open an incident: its clocks start from the moment of awareness.

    \b
    Examples:
      sceau incident open --title "file on a forum" --nature confidentiality \\
        --from-trace report.json --aware-at 2026-12-08T09:30
    """
    context = Context.load()
    user = context.actor("incident.open")
    concerned, sha256 = list(labs), None
    if trace_path is not None:
        found, sha256 = labs_of_trace(trace_path.read_bytes())
        concerned += found
    for finess in concerned:
        check_finess(finess)
    opened = open_incident(
        context.engine,
        context.events,
        title=title,
        labs=concerned,
        nature=natures(nature),
        aware_by=aware_by or user.name,
        by=user.name,
        now=datetime.now(UTC),
        aware_at=_when(aware_at),
        deadlines=Deadlines.from_settings(context.settings),
        trace_sha256=sha256,
    )
    click.echo(
        f"Opened incident {opened.incident_id}; its clocks run from "
        f"{local_and_utc(opened.aware_at)}."
    )
    _clocks(opened)


@incident.command("list")
def list_() -> None:
    """Every incident, the latest first, with its clocks' state."""
    context = Context.load()
    context.actor("incident.read")
    now = datetime.now(UTC)
    found = list_incidents(context.engine)
    if not found:
        click.echo("No incident recorded.")
    for item in found:
        states = sorted({c.state(now).value for c in item.clocks})
        closed = " (closed)" if item.closed_at else ""
        click.echo(
            f"{item.incident_id}: {shown(item.title)}{closed}, aware at "
            f"{local_and_utc(item.aware_at)}; labs {', '.join(item.labs)}; "
            f"clocks {', '.join(states)}"
        )


@incident.command()
@click.argument("incident_id", type=int)
def show(incident_id: int) -> None:
    """One incident: what, when, and each lab's clocks with their due times."""
    context = Context.load()
    context.actor("incident.read")
    found = get_incident(context.engine, incident_id)
    if found is None:
        raise IncidentError(f"no incident number {incident_id}", hint="sceau incident list")
    click.echo(f"Incident {found.incident_id}: {shown(found.title)}")
    click.echo(f"  nature: {', '.join(found.nature)}")
    click.echo(f"  aware at {local_and_utc(found.aware_at)}, by {shown(found.aware_by)}")
    click.echo(f"  opened by {found.opened_by} at {local_and_utc(found.opened_at)}")
    if found.closed_at is not None:
        click.echo(
            f"  closed by {found.closed_by} at {local_and_utc(found.closed_at)}: "
            f"{shown(found.close_reason)}"
        )
    _clocks(found)


@incident.command()
@click.argument("incident_id", type=int)
@click.argument("clock", type=_CLOCKS)
@click.option("--lab", "finess", required=True, metavar="FINESS", help="The lab whose clock.")
@click.option("--reference", required=True, help="The notification's number or reference.")
@click.option("--at", "at", metavar="WHEN", help="When it was sent (default: now).")
@click.option("--reason", default="", help="Why it was late (required after the due time).")
@click.option("--complementary", is_flag=True, help="A later notification completing the CNIL's.")
def met(
    incident_id: int,
    clock: str,
    finess: str,
    reference: str,
    at: str | None,
    reason: str,
    complementary: bool,
) -> None:
    """Record that a clock was met: the notice, notification or report was sent."""
    kind = ClockKind(clock)
    context = Context.load()
    user = context.actor(kind.action)
    done = record_met(
        context.engine,
        context.events,
        incident_id,
        finess,
        kind,
        reference=reference,
        by=user.name,
        now=datetime.now(UTC),
        at=_when(at),
        reason=reason,
        complementary=complementary,
    )
    which = "complementary notification" if complementary else f"{kind.value} clock"
    click.echo(
        f"Recorded the {which} of lab {finess} for incident {incident_id}: "
        f"{done.state(datetime.now(UTC)).value}."
    )


@incident.command()
@click.argument("incident_id", type=int)
@click.argument("clock", type=_CLOCKS)
@click.option("--lab", "finess", required=True, metavar="FINESS", help="The lab whose clock.")
@click.option("--reason", required=True, help="Why the clock is, or will be, met late.")
def delay(incident_id: int, clock: str, finess: str, reason: str) -> None:
    """Give the reasons a clock is met late (GDPR art. 33(1) asks for them)."""
    kind = ClockKind(clock)
    context = Context.load()
    user = context.actor(kind.action)
    give_delay(
        context.engine,
        context.events,
        incident_id,
        finess,
        kind,
        reason=reason,
        by=user.name,
        now=datetime.now(UTC),
    )
    click.echo(f"Recorded the reasons for the delay of the {kind.value} clock of lab {finess}.")


@incident.command()
@click.argument("incident_id", type=int)
@click.option("--reason", required=True, help="Why the response is over.")
def close(incident_id: int, reason: str) -> None:
    """Close an incident: its clocks stop raising alerts."""
    context = Context.load()
    user = context.actor("incident.record")
    close_incident(
        context.engine,
        context.events,
        incident_id,
        reason=reason,
        by=user.name,
        now=datetime.now(UTC),
    )
    click.echo(f"Closed incident {incident_id}.")


def _clocks(found: Incident) -> None:
    now = datetime.now(UTC)
    for clock in found.clocks:
        line = f"  lab {clock.finess}, {clock.kind.value}: due {local_and_utc(clock.due)}"
        line += f", {clock.state(now).value}"
        if clock.met_at is not None:
            line += (
                f", met {local_and_utc(clock.met_at)} by {clock.met_by} ({shown(clock.reference)})"
            )
        if clock.delay_reason:
            line += f"; delay: {shown(clock.delay_reason)}"
        if clock.complement_at is not None:
            line += f"; complemented {local_and_utc(clock.complement_at)}"
            line += f" ({shown(clock.complement_reference)})"
        click.echo(line)
