"""Entries read from a trail checked intact first: what a decision about trust may rest on.

Whether a signer key may be trusted is written in the trail (``signer.created``,
``signer.revoked``). Those entries count only if the trail verifies up to its head, with the
exported checkpoints when there are some, as ``sceau audit verify`` checks it; they are read in
the same pass and snapshot as the check, so nothing can be slipped in or out between the two.
One check per command: a run verifies its mandate once, not per batch.
"""

from __future__ import annotations

from collections.abc import Collection

from sceau.audit.checkpoint import Checkpoint, read_exported
from sceau.audit.entry import LoggedEvent, decode
from sceau.audit.export import FilePublisher
from sceau.audit.sink import AuditLog
from sceau.audit.verify import verify_log
from sceau.errors import SceauError


class TrailBroken(SceauError):
    """The trail does not verify: nothing read from it may be trusted."""


def proven_entries(log: AuditLog, names: Collection[str]) -> list[LoggedEvent]:
    """The entries of ``names``, oldest first, from ``log`` once verified; TrailBroken if not."""
    configured = log.publisher if isinstance(log.publisher, FilePublisher) else None
    expected = configured is not None and configured.started(log.engine)
    exported: list[Checkpoint] = []
    if configured is not None and configured.path.exists():
        exported = read_exported(configured.path)
    result = verify_log(log, exported=exported, export_expected=expected, keep=frozenset(names))
    if not result.intact:
        raise TrailBroken(
            f"the audit trail does not verify ({result.first})",
            hint="run `sceau audit verify`, keep a copy of the database as it is, and raise it "
            "with your security officer",
        )
    return [decode(entry) for entry in result.kept]
