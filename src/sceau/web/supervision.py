"""The supervision loop inside the service: the rules and escalation of ``sceau alerts run``,
every ``supervise_seconds``, as the service's own identity (``sceau``), from start to shutdown.

A round that fails is logged (by its error's words, never a value) and the next one tries again:
the service stays up, and an alert about the failure is the next round's business.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

import anyio

from sceau.alerts.supervisor import Supervisor
from sceau.errors import SceauError
from sceau.web.service import Service

_log = logging.getLogger("sceau.web.supervision")


def supervisor_for(service: Service) -> Supervisor:
    """The supervisor the CLI's ``alerts run`` would build, on the service's store and trail."""
    return Supervisor.from_settings(service.settings, service.engine, service.log, os.environ)


async def supervise(service: Service, supervisor: Supervisor, seconds: float) -> None:
    """Run a round every ``seconds`` until cancelled."""
    while True:
        try:
            done = await anyio.to_thread.run_sync(supervisor.round)
            service.rounds += 1
            if done.raised:
                _log.warning("supervision raised %d alert(s)", len(done.raised))
        except SceauError as error:
            _log.error("a supervision round failed, the next will try again: %s", error)
        # Broad on purpose: supervision must outlive one round's bug. The class name only is
        # logged, as a bug's message could hold a value.
        except Exception as error:  # noqa: BLE001
            _log.error(
                "a supervision round failed (%s); the next will try again", type(error).__name__
            )
        await anyio.sleep(seconds)


def supervision_lifespan(service: Service, supervisor: Supervisor, seconds: float) -> Any:
    """A Litestar lifespan: the loop starts with the service and is stopped at its shutdown.

    The supervisor is built by the caller, before the service exists, so a wrong escalation
    policy stops the start with its own error instead of failing inside the server, unseen.
    """

    @contextlib.asynccontextmanager
    async def lifespan(_app: object) -> AsyncIterator[None]:
        async with anyio.create_task_group() as group:
            group.start_soon(supervise, service, supervisor, seconds)
            try:
                yield
            finally:
                group.cancel_scope.cancel()

    return lifespan
