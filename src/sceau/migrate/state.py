"""Where a run stands, and the only moves between those places.

The values are the strings the state store has always held in ``runs.status`` (``stopped`` and
``abandoned`` were added without changing the column), so older state databases read as they
are. A move not in :data:`MOVES` is a bug in sceau, never the user's doing: commands check
what the user asked for first and refuse it in plain words.
"""

from __future__ import annotations

from enum import StrEnum


class RunState(StrEnum):
    STAGING = "staging"  # extracting into the encrypted staging
    LOADING = "loading"  # loading the staged batches into the target
    VERIFYING = "verifying"  # reading the target back
    VERIFIED = "verified"  # the target holds what was staged; shredding follows
    SHREDDED = "shredded"  # key destroyed, staging deleted, certificate signed
    FAILED = "failed"  # verification found another content: staging kept for investigation
    STOPPED = "stopped"  # stopped on request after a batch's checkpoint: resumable
    ABANDONED = "abandoned"  # given up by someone: key destroyed, staging deleted, certified

    @property
    def driving(self) -> bool:
        """A phase a process drives; found with no process holding the run's lock, the run
        was interrupted (killed, or stopped on an error) and is resumable where it stands."""
        return self in _DRIVING

    @property
    def resumable(self) -> bool:
        """``sceau migrate --resume`` can take the run to its end."""
        return self in _DRIVING or self in (RunState.VERIFIED, RunState.STOPPED)

    @property
    def settled(self) -> bool:
        """The run's staging is gone, or verified and about to be: nothing is left to do."""
        return self in (RunState.VERIFIED, RunState.SHREDDED, RunState.ABANDONED)


_DRIVING = frozenset({RunState.STAGING, RunState.LOADING, RunState.VERIFYING})
_S = RunState

MOVES: dict[RunState, frozenset[RunState]] = {
    # a drift found while extracting shreds what was staged; retention shreds any run left over
    _S.STAGING: frozenset({_S.LOADING, _S.STOPPED, _S.SHREDDED, _S.ABANDONED}),
    _S.LOADING: frozenset({_S.VERIFYING, _S.STOPPED, _S.SHREDDED, _S.ABANDONED}),
    _S.VERIFYING: frozenset({_S.VERIFIED, _S.FAILED, _S.STOPPED, _S.SHREDDED, _S.ABANDONED}),
    _S.VERIFIED: frozenset({_S.SHREDDED}),
    _S.STOPPED: frozenset({_S.STAGING, _S.LOADING, _S.VERIFYING, _S.SHREDDED, _S.ABANDONED}),
    _S.FAILED: frozenset({_S.SHREDDED, _S.ABANDONED}),
    _S.SHREDDED: frozenset(),
    _S.ABANDONED: frozenset(),
}


class IllegalMove(RuntimeError):
    """sceau tried to move a run where its state machine does not go: a bug, reported as one."""

    def __init__(self, run_id: str, old: RunState | str, new: RunState) -> None:
        super().__init__(f"run {run_id} cannot go from {old} to {new}")


def check_move(run_id: str, old: RunState, new: RunState) -> None:
    """Raise IllegalMove unless a run may go from ``old`` to ``new``."""
    if new not in MOVES[old]:
        raise IllegalMove(run_id, old, new)
