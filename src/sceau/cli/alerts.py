"""``sceau alerts``: what needs a person's attention, and the loop that makes sure they hear."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime

import click
from rich.console import Console
from rich.table import Table

from sceau.accounts import Role
from sceau.alerts.model import Alert, Severity, State
from sceau.alerts.records import acknowledge, get_alert, list_alerts, resolve
from sceau.alerts.supervisor import Round, Supervisor
from sceau.cli._context import Context
from sceau.cli._text import cell, shown
from sceau.errors import SceauError


@click.group()
def alerts() -> None:
    """Alerts raised by the detection rules, and their escalation."""


@alerts.command("list")
@click.option("--all", "everything", is_flag=True, help="Include resolved alerts.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_command(everything: bool, as_json: bool) -> None:
    """Open and acknowledged alerts (all of them with --all), oldest first."""
    context = Context.load()
    context.actor("reports.read")
    states = tuple(State) if everything else (State.OPEN, State.ACKNOWLEDGED)
    found = list_alerts(context.engine, states=states)
    if as_json:
        click.echo(json.dumps([_json(a) for a in found], indent=2))
        return
    if not found:
        click.echo("No alert needs attention." if not everything else "No alert was ever raised.")
        return
    table = Table(show_lines=False)
    for column in ("#", "severity", "state", "raised (UTC)", "rule", "what happened", "answered"):
        table.add_column(column)
    for alert in found:
        table.add_row(
            str(alert.alert_id),
            alert.severity.value,
            alert.state.value,
            f"{alert.raised_at:%Y-%m-%d %H:%M}",
            alert.rule,
            cell(alert.summary + (f" (seen {alert.count} times)" if alert.count > 1 else "")),
            _answered(alert),
        )
    Console().print(table)


def _answered(alert: Alert) -> str:
    if alert.resolved_by:
        return f"resolved by {alert.resolved_by}, {_when(alert.resolved_at)}"
    if alert.acked_by:
        return f"acknowledged by {alert.acked_by}, {_when(alert.acked_at)}"
    if alert.ack_deadline is not None:
        return f"nobody yet; climbs at {alert.ack_deadline:%H:%M} UTC"
    return "nobody yet"


def _json(alert: Alert) -> dict[str, object]:
    data = {k: v for k, v in alert.__dict__.items()}
    for key, value in data.items():
        if isinstance(value, datetime):
            data[key] = value.isoformat()
    data["severity"], data["state"] = alert.severity.value, alert.state.value
    return data


@alerts.command()
@click.argument("alert_id", type=click.IntRange(min=1, max=2**62))
def show(alert_id: int) -> None:
    """Everything about ALERT_ID: what happened, who was told, who answered, when and why."""
    context = Context.load()
    context.actor("reports.read")
    alert = get_alert(context.engine, alert_id)
    told = [
        e
        for e in context.events.read(names={"alert.escalated"})
        if e.get("alert_id") == alert.alert_id
    ]
    lines = [
        f"Alert {alert.alert_id} — {alert.severity.value}, {alert.state.value}",
        f"  what happened: {shown(alert.summary)}",
        f"  rule: {alert.rule} (seen {alert.count} time{'s' if alert.count != 1 else ''}, "
        f"last {_when(alert.last_seen)})",
        f"  raised: {_when(alert.raised_at)}",
    ]
    for event in told:
        reached = event.get("recipients", 0)
        lines.append(
            f"  told the {event.get('tier')} ({reached} recipient{'s' if reached != 1 else ''} "
            f"reached) at {_when(event.at)}"
        )
    if not told:
        lines.append("  told: nobody yet")
    if alert.state is State.OPEN and alert.ack_deadline is not None:
        lines.append(f"  climbs to the next tier if nobody answers by {_when(alert.ack_deadline)}")
    if alert.acked_by:
        lines.append(f"  acknowledged by {alert.acked_by} at {_when(alert.acked_at)}")
    if alert.resolved_by:
        lines.append(f"  resolved by {alert.resolved_by} at {_when(alert.resolved_at)}")
        lines.append(f"  why: {alert.resolution}")
    for name, value in sorted(alert.facts.items()):
        lines.append(f"  {name}: {value}")
    click.echo("\n".join(lines))


def _when(moment: datetime | None) -> str:
    return "—" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"


@alerts.command()
@click.argument("alert_id", type=click.IntRange(min=1, max=2**62))
def ack(alert_id: int) -> None:
    """Say you are on ALERT_ID: it stops climbing the escalation ladder."""
    context = Context.load()
    user = context.actor("alerts.answer")
    alert = acknowledge(context.engine, context.events, alert_id, user.name, datetime.now(UTC))
    click.echo(f"Alert {alert.alert_id} acknowledged by {user.name}; it will not escalate further.")


@alerts.command("resolve")
@click.argument("alert_id", type=click.IntRange(min=1, max=2**62))
@click.option("--why", required=True, help="What was found and done, in a sentence.")
def resolve_command(alert_id: int, why: str) -> None:
    """Close ALERT_ID, with who and why (kept in the audit trail)."""
    context = Context.load()
    user = context.actor("alerts.answer")
    if (
        user.role is Role.OPERATOR
        and get_alert(context.engine, alert_id).severity is Severity.CRITICAL
    ):
        raise SceauError(
            f"alert {alert_id} is critical: a controller or an administrator closes it",
            hint="acknowledge it (sceau alerts ack) and hand it over",
        )
    alert = resolve(context.engine, context.events, alert_id, user.name, why, datetime.now(UTC))
    click.echo(f"Alert {alert.alert_id} resolved by {user.name}.")


@alerts.command()
@click.option("--once", is_flag=True, help="One round, then stop (for cron or a test).")
@click.option(
    "--interval",
    default=60,
    show_default=True,
    type=click.IntRange(min=1),
    help="Seconds between rounds.",
)
def run(once: bool, interval: int) -> None:
    """Evaluate the rules on the new audit entries, raise alerts and escalate, every interval."""
    context = Context.load()
    context.actor("alerts.run")
    supervisor = Supervisor.from_settings(
        context.settings, context.engine, context.events, os.environ
    )
    if not supervisor.policy.tiers:
        click.echo(
            "No escalation policy is set ([[alerts.tiers]]): alerts are raised and listed, "
            "nobody is notified. See docs/alerts.md.",
            err=True,
        )
    if not once:
        click.echo(
            f"Supervising {context.settings.installation}: a round every {interval} s "
            "(Ctrl-C stops). Each round reads the new audit entries, raises and escalates."
        )
    while True:
        stamp = f"{datetime.now(UTC):%H:%M:%S}"
        try:
            done = supervisor.round()
        except SceauError as error:
            if once:
                raise
            click.secho(
                f"{stamp} this round failed, the next will try again: {shown(error)}", fg="red"
            )
            time.sleep(interval)
            continue
        _print_round(stamp, done)
        if once:
            click.echo(f"Read {done.read} new audit entries; {len(done.raised)} alert(s) raised.")
            return
        time.sleep(interval)


def _print_round(stamp: str, done: Round) -> None:
    """What one round did: the alerts it raised and whom it told."""
    if done.busy:
        click.echo(f"{stamp} another `sceau alerts run` is supervising this store; waiting")
    for alert in done.raised:
        click.echo(
            f"{stamp} raised alert {alert.alert_id} ({alert.severity}): {shown(alert.summary)}"
        )
    for escalation in done.escalations:
        reached = ", ".join(escalation.delivered) or "nobody"
        click.echo(f"{stamp} alert {escalation.alert_id} → {escalation.tier}: told {reached}")
        for recipient, why in escalation.failed:
            click.secho(f"{stamp}   could not reach {recipient}: {why}", fg="red")
