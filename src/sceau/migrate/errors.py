"""Why a run cannot start, go on or be verified; and the clean stop someone asked for."""

from __future__ import annotations

from sceau.errors import SceauError


class MigrationError(SceauError):
    """A run cannot start, go on, or be verified."""


class StoppedOnRequest(MigrationError):
    """The run stopped, as asked, after its last batch's checkpoint: it is resumable (or it
    had not started, and nothing was changed)."""

    def __init__(self, run_id: str | None, mandate: str) -> None:
        if run_id is None:
            super().__init__(
                "stopped before the run started; nothing was changed",
                hint=f"start it again with `sceau migrate {mandate}`",
            )
        else:
            super().__init__(
                f"stopped; resume with `sceau migrate {mandate} --resume {run_id}` "
                f"or give it up with `sceau runs abandon {run_id}`",
                hint="every batch checkpointed so far is kept; resuming loads no row twice",
                where=f"run {run_id}",
            )
        self.run_id = run_id


class StopNow(Exception):
    """Raised by a phase at a stop point when a stop was requested; the driver turns it into
    the run's ``stopped`` state and a :class:`StoppedOnRequest`."""
