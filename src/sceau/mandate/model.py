"""The mandate: the controller's signed instruction, as data.

A mandate is a TOML file (``docs/mandate.md`` documents every field), read by
:mod:`sceau.mandate.parse` into the frozen dataclasses here. A column rule may carry
the controller's override of the scan (``category`` with a ``reason``) and the identifiers the
draft's scan found inside its text (``found_inside``); :mod:`sceau.mandate.policy` applies
them. Deny by default: a source column the mandate does not name, or names with ``drop``,
never leaves the source; a row outside every ``[[rows]]`` condition never leaves it either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sceau.errors import SceauError


class MandateError(SceauError):
    """A mandate is malformed, unsigned, tampered with, expired, or does not cover the work."""


class Treatment(StrEnum):
    """What happens to one source column on its way to the target."""

    KEEP = "keep"
    PSEUDONYMISE = "pseudonymise"  # HMAC-SHA-256 token; option "nir": FF3-1, NIR-shaped
    ENCRYPT = "encrypt"  # AES-256-GCM under the controller's field key
    GENERALISE = "generalise"  # option: year | month | department
    REDACT = "redact-identifiers"  # free text: identifiers inside replaced by their category
    REHASH = "rehash-password"  # Argon2id
    DROP = "drop"


OPTIONS: dict[Treatment, frozenset[str]] = {
    Treatment.PSEUDONYMISE: frozenset({"nir"}),
    Treatment.GENERALISE: frozenset({"year", "month", "department"}),
}
REQUIRED_OPTION = {Treatment.GENERALISE}


@dataclass(frozen=True)
class ColumnRule:
    """One source column: where it goes and how it is treated on the way."""

    source: str
    treatment: Treatment
    option: str | None = None  # "year", "department", "nir", ...
    target: str | None = None  # the target column; the source name when omitted (None if dropped)
    detected: str | None = None  # the category the draft's scan found
    category: str | None = None  # the controller's override of ``detected``, with its reason
    reason: str | None = None
    found_inside: tuple[str, ...] = ()  # identifier categories the draft's scan found in the text

    @property
    def spec(self) -> str:
        """The treatment as written in the file: ``generalise:year``."""
        return f"{self.treatment}:{self.option}" if self.option else str(self.treatment)

    @property
    def override(self) -> dict[str, str] | None:
        """The controller's override of the scan as reports state it (category, reason)."""
        if self.category is None or self.reason is None:
            return None
        return {"category": self.category, "reason": self.reason}

    @property
    def effective(self) -> str | None:
        """The category every rule reads: the controller's override, else what the scan found."""
        return self.category or self.detected


@dataclass(frozen=True)
class RowCondition:
    """Rows whose ``column`` is in ``one_of``, or whose date lies in [``since``, ``until``)."""

    column: str
    one_of: tuple[str, ...] | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class Party:
    """A party to the mandate: the controller (with its FINESS) or the processor."""

    name: str
    finess: str | None = None  # the controller's FINESS (a lab's registration number)


@dataclass(frozen=True)
class Mandate:
    """The controller's instruction, parsed and validated: what may move, where, and how."""

    mandate_id: str
    purpose: str
    legal_reference: str
    controller: Party
    processor: Party
    valid_from: datetime
    valid_until: datetime
    source: str
    source_table: str | None
    source_columns: tuple[str, ...]  # every column the source had when the mandate was drafted
    destination: str
    destination_table: str
    create_table: bool
    rows: tuple[RowCondition, ...]
    columns: tuple[ColumnRule, ...]
    retention: timedelta  # how long encrypted staging may outlive a run that is not verified

    @property
    def moved(self) -> tuple[ColumnRule, ...]:
        """The rules that move a column, in the mandate's order."""
        return tuple(rule for rule in self.columns if rule.treatment is not Treatment.DROP)

    @property
    def target_columns(self) -> tuple[str, ...]:
        return tuple(rule.target or rule.source for rule in self.moved)

    def rule(self, column: str) -> ColumnRule | None:
        return next((rule for rule in self.columns if rule.source == column), None)

    def is_valid_at(self, moment: datetime) -> bool:
        return self.valid_from <= moment < self.valid_until
