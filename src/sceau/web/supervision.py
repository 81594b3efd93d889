"""The supervision loop inside the service: the rules and escalation of ``sceau alerts run``,
every ``supervise_seconds``, as the service's own identity (``sceau``), from start to shutdown;
and, when the ``sweep`` setting names locations, a sweep for stray copies every ``sweep_hours``.

A round that fails is logged (by its error's words, never a value) and the next one tries again:
the service stays up, and an alert about the failure is the next round's business.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio

from sceau.alerts.supervisor import Supervisor
from sceau.errors import SceauError
from sceau.trace.watch import Watch
from sceau.web.service import Service

_log = logging.getLogger("sceau.web.supervision")


def supervisor_for(service: Service) -> Supervisor:
    """The supervisor the CLI's ``alerts run`` would build, on the service's store and trail."""
    return Supervisor.from_settings(service.settings, service.engine, service.log, os.environ)


async def supervise(service: Service, supervisor: Supervisor, seconds: float) -> None:
    """Run a round every ``seconds`` until cancelled."""

    def one_round() -> None:
        done = supervisor.round()
        service.rounds += 1
        if done.raised:
            _log.warning("supervision raised %d alert(s)", len(done.raised))

    await repeat(one_round, seconds, "a supervision round")


async def sweep_periodically(watch: Watch, seconds: float) -> None:
    """Sweep the configured locations every ``seconds`` until cancelled; the finds are
    recorded, and the next supervision round raises them."""

    def one_sweep() -> None:
        report = watch.round()
        if report.finds:
            _log.warning("the sweep found %d stray copie(s)", len(report.finds))

    await repeat(one_sweep, seconds, "a sweep")


async def repeat(work: Callable[[], None], seconds: float, what: str) -> None:
    """``work`` in a worker thread every ``seconds``; a failure is logged by its error's words
    (never a value) and the next time tries again."""
    while True:
        try:
            await anyio.to_thread.run_sync(work)
        except SceauError as error:
            _log.error("%s failed, the next will try again: %s", what, error)
        # Broad on purpose: the loop must outlive one round's bug. The class name only is
        # logged, as a bug's message could hold a value.
        except Exception as error:  # noqa: BLE001
            _log.error("%s failed (%s); the next will try again", what, type(error).__name__)
        await anyio.sleep(seconds)


def supervision_lifespan(
    service: Service, supervisor: Supervisor, seconds: float, watch: Watch | None = None
) -> Any:
    """A Litestar lifespan: the loop (and the sweeps, given a ``watch``) start with the service
    and are stopped at its shutdown.

    The supervisor is built by the caller, before the service exists, so a wrong escalation
    policy stops the start with its own error instead of failing inside the server, unseen.
    """

    @contextlib.asynccontextmanager
    async def lifespan(_app: object) -> AsyncIterator[None]:
        async with anyio.create_task_group() as group:
            group.start_soon(supervise, service, supervisor, seconds)
            if watch is not None:
                group.start_soon(sweep_periodically, watch, watch.settings.sweep_hours * 3600)
            try:
                yield
            finally:
                if watch is not None:
                    watch.stopping.set()  # a sweep under way ends after its current file
                group.cancel_scope.cancel()

    return lifespan
