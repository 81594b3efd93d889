"""The protect stage: each column of a batch treated as the mandate's rule for it says.

    out = apply_rules(frame, mandate.columns, keys, context=mandate.mandate_id)

The result has one column per rule that moves a column, named as its target and in the
mandate's order; dropped columns are absent. It depends on nothing but its arguments (no I/O, no
clock, no state), so a batch can be treated in any process. ``encrypt`` and ``rehash-password``
draw a fresh nonce or salt for every cell: their output differs from run to run by design.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import assert_never

import polars as pl

from sceau.mandate.model import OPTIONS, ColumnRule, Treatment
from sceau.protect.base import ProtectError
from sceau.protect.encrypt import encrypt_values
from sceau.protect.generalise import generalise
from sceau.protect.pseudonymise import pseudonymise, pseudonymise_nir
from sceau.protect.redact import redact_identifiers
from sceau.protect.rehash import rehash_passwords

KEY_BYTES = 32


@dataclasses.dataclass(frozen=True)
class ProtectKeys:
    """The keys of one run's treatments (256 bits each); never shown by ``repr``."""

    pseudonym: bytes = dataclasses.field(repr=False)  # pseudonymise, pseudonymise:nir
    field: bytes = dataclasses.field(repr=False)  # encrypt

    def __post_init__(self) -> None:
        for name in ("pseudonym", "field"):
            value = getattr(self, name)
            if not isinstance(value, bytes) or len(value) != KEY_BYTES:
                raise ProtectError(
                    f"the {name} key must be {KEY_BYTES} bytes",
                    hint="take it from the key provider, not from a passphrase",
                    where=f"keys.{name}",
                )


def field_context(context: str, column: str) -> str:
    """What an encrypted cell is bound to: the run's context and its target column."""
    return f"sceau field v1\x1f{context}\x1f{column}"


def apply_rules(
    frame: pl.DataFrame, rules: Sequence[ColumnRule], keys: ProtectKeys, *, context: str
) -> pl.DataFrame:
    """One column per rule that is not ``drop``, named ``rule.target``, treated as it says."""
    moved = [rule for rule in rules if rule.treatment is not Treatment.DROP]
    targets = [rule.target or rule.source for rule in moved]
    for rule in moved:
        if rule.source not in frame.columns:
            raise ProtectError(
                "the column named by the mandate is not in the batch",
                hint="the source has changed since the mandate was drafted: draft it again",
                where=f"column {rule.source}",
            )
    for target in targets:
        if targets.count(target) > 1:
            raise ProtectError(
                "two rules load into the same target column",
                hint="give each kept column its own `to`",
                where=f"column {target}",
            )
    columns = [
        _treat(frame.get_column(rule.source).cast(pl.String), rule, keys, context, target)
        for rule, target in zip(moved, targets, strict=True)
    ]
    return pl.DataFrame(
        [column.alias(target) for column, target in zip(columns, targets, strict=True)]
    )


def _check_option(rule: ColumnRule) -> None:
    if rule.option is not None and rule.option not in OPTIONS.get(rule.treatment, frozenset()):
        raise ProtectError(
            f"unknown option {rule.option!r} for {rule.treatment}",
            hint="see docs/treatments.md",
            where=f"column {rule.source}",
        )


def _treat(
    values: pl.Series, rule: ColumnRule, keys: ProtectKeys, context: str, target: str
) -> pl.Series:
    _check_option(rule)
    match rule.treatment:
        case Treatment.KEEP:
            return values
        case Treatment.PSEUDONYMISE if rule.option == "nir":
            return pseudonymise_nir(values, keys.pseudonym)
        case Treatment.PSEUDONYMISE:
            return pseudonymise(values, keys.pseudonym)
        case Treatment.ENCRYPT:
            return encrypt_values(values, keys.field, context=field_context(context, target))
        case Treatment.GENERALISE:
            if rule.option is None:
                raise ProtectError(
                    "generalise needs a level",
                    hint="use generalise:year, generalise:month or generalise:department",
                    where=f"column {rule.source}",
                )
            return generalise(values, rule.option)
        case Treatment.REDACT:
            return redact_identifiers(values)
        case Treatment.REHASH:
            return rehash_passwords(values)
        case Treatment.DROP:  # filtered out by the caller
            raise AssertionError("a dropped column reached the protect stage")
        case _:
            assert_never(rule.treatment)
