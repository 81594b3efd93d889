"""Giving up a run that will not be finished: its staging crypto-shredded and a certificate
that says the run was abandoned, not completed. Never for a run that completed."""

from __future__ import annotations

from sceau.events import RunAbandoned
from sceau.migrate import runs
from sceau.migrate.certificate import Certificate
from sceau.migrate.errors import MigrationError
from sceau.migrate.session import MigrationSession
from sceau.migrate.shred import shred_run
from sceau.migrate.state import MOVES, RunState


def abandon_run(session: MigrationSession, run_id: str) -> Certificate:
    """Abandon a stopped, failed or interrupted run: record who gave it up, destroy its key,
    delete its staging, sign the certificate. RunBusy while a process drives it."""
    with runs.run_lock(session.settings.staging_root, run_id):
        record = runs.find_run(session.engine, run_id)
        if record is None:
            raise MigrationError(
                "no run with this id", hint="`sceau runs list` shows every run", where=run_id
            )
        if RunState.ABANDONED not in MOVES[record.state]:
            raise MigrationError(
                f"this run is {record.state}: only a stopped, failed or interrupted run can be "
                "abandoned",
                hint=_hint(record.state),
                where=f"run {run_id}",
            )
        # held: no process drives it, so a run found staging, loading or verifying was cut off
        was = record.state if record.state in (RunState.STOPPED, RunState.FAILED) else None
        session.events.record(
            RunAbandoned(
                actor=session.actor,
                run_id=run_id,
                state=was or f"interrupted while {record.state}",
            )
        )
        return shred_run(session, run_id, reason="abandoned", final=RunState.ABANDONED)


def _hint(state: RunState) -> str:
    if state is RunState.VERIFIED:
        return (
            "its load was verified: resume it with `sceau migrate MANDATE --resume RUN` to "
            "shred its staging and get its certificate"
        )
    if state is RunState.ABANDONED:
        return "it was abandoned already; `sceau runs show RUN` says by whom and when"
    return "it completed: its staging is shredded and its certificate signed"
