"""Targets: where a migration loads. Each writes a batch and its checkpoint in one commit."""

from sceau.targets.base import TARGETS, Target, TargetError, TargetTable, open_target, registered

__all__ = ["TARGETS", "Target", "TargetError", "TargetTable", "open_target", "registered"]
