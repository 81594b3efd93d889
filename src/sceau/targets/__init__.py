"""Targets: where a migration loads. Each writes a batch and its checkpoint in one commit."""

from sceau.targets.base import Target, TargetError, TargetTable, open_target, register, registered

__all__ = ["Target", "TargetError", "TargetTable", "open_target", "register", "registered"]
