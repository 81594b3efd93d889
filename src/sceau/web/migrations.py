"""Migrations run by the service, for the operator who asked: the operator's machine holds the
signed mandate and nothing else, while the store, the audit key and the staging's keys stay with
the service, which reaches the source and the destination itself.

A run goes on in a thread of the service after the request that started it has answered; the
operator follows it through ``/api/runs/{id}``. Its reports and certificate are written where
``sceau migrate`` writes them, on the service (``reports/RUN`` in its home). Stopping the service
asks every run to stop after its current batch's checkpoint: each is left resumable.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sceau.errors import SceauError
from sceau.events import RunStopped
from sceau.keys import open_provider
from sceau.mandate.signature import signature_path, write_private_file
from sceau.migrate import runs
from sceau.migrate.errors import StoppedOnRequest
from sceau.migrate.guard import verified_handed
from sceau.migrate.pipeline import migrate
from sceau.migrate.report import write_outcome
from sceau.migrate.session import MigrationSession, StopRequest
from sceau.migrate.state import RunState
from sceau.web.service import Service

START_SECONDS = 60.0  # how long the request waits for the run to exist (its checks come first)
STOP_SECONDS = 120.0  # how long stopping the service waits for the runs' current batches
_log = logging.getLogger("sceau.web.migrations")


class _Running:
    """One run's thread, how to ask it to stop, and what stopped it before it started."""

    def __init__(self, target: Callable[[_Running], None], name: str) -> None:
        self.stop = StopRequest()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=target, args=(self,), name=name, daemon=True)


@dataclass
class Migrations:
    """The runs this service process has going."""

    service: Service
    running: dict[str, _Running] = field(default_factory=dict)  # by mandate SHA-256

    def keep_mandate(self, mandate: bytes, signature: bytes, actor: str) -> Path:
        """Write the signed mandate where the service keeps the ones it ran (0600, named by
        its SHA-256): what the run reads, and what a later resume reads again. Its signature is
        checked first, as ``migrate`` checks it: a refused mandate leaves no file behind."""
        service = self.service
        verified_handed(service.engine, service.log, actor, mandate, signature, now=service.clock())
        folder = self.service.settings.home / "mandates"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / f"{hashlib.sha256(mandate).hexdigest()}.toml"
        for target, data in ((path, mandate), (signature_path(path), signature)):
            if not target.exists() or target.read_bytes() != data:
                target.unlink(missing_ok=True)
                write_private_file(target, data, overwrite=False)
        return path

    def start(self, mandate: Path, actor: str, resume: str | None) -> str:
        """Start (or resume) a run of ``mandate`` for ``actor``; its id once it exists. A
        refusal before the run exists (a bad signature, a drift, a mandate out of its dates)
        is raised here, as ``sceau migrate`` would raise it."""
        sha256 = mandate.stem
        earlier = {r.run_id for r in runs.list_runs(self.service.engine)}
        going = self.running.get(sha256)
        if going is not None and going.thread.is_alive():
            raise SceauError(
                "a run of this mandate is going on at the service",
                hint="follow it with `sceau runs show RUN` (`sceau runs list` names it)",
            )
        entry = _Running(
            lambda running: self._run(running, mandate, actor, resume, earlier),
            name=f"sceau-run-{sha256[:12]}",
        )
        self.running[sha256] = entry
        entry.thread.start()
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if resume is not None and entry.thread.is_alive():
                return resume
            started = self._started(sha256, earlier)
            if started is not None:
                return started
            if not entry.thread.is_alive():
                if entry.error is not None:
                    raise entry.error
                break
            time.sleep(0.05)
        raise SceauError(
            "the run did not start",
            hint="the service's log says why; `sceau runs list` shows whether it started since",
        )

    def _started(self, sha256: str, earlier: set[str]) -> str | None:
        """The run of the mandate ``sha256`` started since the ``earlier`` ones, if any yet."""
        started = [
            r.run_id
            for r in runs.list_runs(self.service.engine)
            if r.mandate_sha256 == sha256 and r.run_id not in earlier
        ]
        return started[0] if started else None

    def _run(
        self, entry: _Running, mandate: Path, actor: str, resume: str | None, earlier: set[str]
    ) -> None:
        settings = self.service.settings
        provider = open_provider(settings)
        try:
            session = MigrationSession(
                settings, self.service.engine, self.service.log, provider, actor, stop=entry.stop
            )
            outcome = migrate(session, mandate, resume=resume)
            folder = settings.home / "reports" / outcome.run_id
            write_outcome(outcome, folder)
            runs.note(self.service.engine, outcome.run_id, reports=str(folder))
        except StoppedOnRequest:
            pass  # left resumable, as the run itself recorded
        except BaseException as error:  # noqa: BLE001  (handed to the request that waits, or kept in the run's state)
            entry.error = error
            run_id = resume or self._started(mandate.stem, earlier)
            if run_id is not None:  # the request answered already: nobody else will say it
                _failed_after_start(self.service, run_id, actor, error)
        finally:
            provider.close()

    def stop_all(self) -> None:
        """Ask every run to stop after its current batch's checkpoint, and wait for them."""
        for entry in self.running.values():
            entry.stop.request()
        deadline = time.monotonic() + STOP_SECONDS
        for entry in self.running.values():
            entry.thread.join(timeout=max(deadline - time.monotonic(), 0))


def _failed_after_start(service: Service, run_id: str, actor: str, error: BaseException) -> None:
    """A run that stopped on an error after its request answered: it is logged (sceau's words
    or the error's kind, never a value), noted in the run (``/api/runs/ID`` shows it), and
    alerted as stopped unless the pipeline raised that alert itself."""
    why = error.message if isinstance(error, SceauError) else f"an error ({type(error).__name__})"
    _log.error("the run %s at the service stopped: %s", run_id, why)
    try:
        record = runs.find_run(service.engine, run_id)
        if record is None:
            return
        runs.note(service.engine, run_id, error=why)
        state = record.state
        alerted = (isinstance(error, SceauError) and state.driving) or state is RunState.FAILED
        if state.resumable and not alerted:
            reason = f"stopped while {state}: {why}"
            service.log.record(RunStopped(actor=actor, run_id=run_id, reason=reason))
    except Exception as unrecorded:  # noqa: BLE001  (the store itself may be what failed)
        _log.error(
            "the run %s could not be marked as stopped (%s)", run_id, type(unrecorded).__name__
        )
