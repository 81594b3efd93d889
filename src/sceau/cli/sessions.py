"""``sceau sessions``: the sessions open in your name, and ending them (ASVS 7.5)."""

from __future__ import annotations

import contextlib
import json
from datetime import datetime

import click
from rich.console import Console
from rich.table import Table as RichTable

from sceau.accounts import AccountError, Session, current_session, end_sessions, list_sessions
from sceau.cli._context import Context

_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON, for scripts.")


@click.group(invoke_without_command=True)
@_json_option
@click.pass_context
def sessions(ctx: click.Context, as_json: bool) -> None:
    """List the sessions open in your name: when, from where, until when; yours is marked.

    \b
    End one, or all but this one, or all of them:
      sceau sessions end 3f2a9c01b7de
      sceau sessions end --others
    """
    if ctx.invoked_subcommand is not None:
        return
    context = Context.load()
    mine = current_session(context.settings, context.engine)
    show_sessions(list_sessions(context.engine, mine.user.name), current=mine.id, as_json=as_json)


@sessions.command("end")
@click.argument("session_id", required=False)
@click.option("--others", is_flag=True, help="End every session of yours but this one.")
@click.option("--all", "all_", is_flag=True, help="End every session of yours, this one too.")
def end(session_id: str | None, others: bool, all_: bool) -> None:
    """End the session SESSION_ID (from `sceau sessions`), or --others, or --all."""
    if sum((session_id is not None, others, all_)) != 1:
        raise AccountError(
            "say which sessions to end: one ID, --others or --all",
            hint="`sceau sessions` lists yours, with their ids",
        )
    context = Context.load()
    mine = current_session(context.settings, context.engine)
    name = mine.user.name
    ended = end_sessions(
        context.engine,
        context.events,
        name,
        by=name,
        ids=None if session_id is None else [session_id],
        keep=mine.id if others else "",
        reason="ended by its owner",
    )
    if mine.id in ended:  # this session's file now opens nothing: remove it
        with contextlib.suppress(FileNotFoundError):
            context.settings.session_file.unlink()
    click.echo(f"Ended {len(ended)} session{'s' if len(ended) != 1 else ''}.")


def show_sessions(found: list[Session], *, current: str = "", as_json: bool = False) -> None:
    """Print sessions as a table, or as JSON."""
    if as_json:
        facts = [
            {
                "id": session.id,
                "user": session.user.name,
                "created_at": session.created_at.isoformat(),
                "last_seen": session.last_seen.isoformat() if session.last_seen else None,
                "expires_at": session.expires_at.isoformat(),
                "address": session.address,
                "current": session.id == current,
            }
            for session in found
        ]
        click.echo(json.dumps({"sessions": facts}, indent=2, ensure_ascii=False))
        return
    grid = RichTable(title="Sessions", title_justify="left")
    for heading in ("id", "started", "last used", "ends", "from", ""):
        grid.add_column(heading)
    for session in found:
        grid.add_row(
            session.id,
            _clock(session.created_at),
            _clock(session.last_seen) if session.last_seen else "",
            _clock(session.expires_at),
            session.address,
            "this one" if session.id == current else "",
        )
    Console().print(grid)


def _clock(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
