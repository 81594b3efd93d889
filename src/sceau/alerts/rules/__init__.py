"""The detection rules, one file each, and their thresholds from the settings.

Every rule, sceau's and plug-ins', is in :data:`RULES` (see :mod:`sceau.plugins`).
:func:`rule_thresholds` checks the ``[alerts.rules.<name>]`` tables of the settings against
each rule's ``defaults``; ``docs/alert-rules.md`` documents every rule and threshold.
"""

from __future__ import annotations

from collections.abc import Mapping

from sceau.alerts.rules.base import RULES, Rule, RuleContext, RuleError

__all__ = ["RULES", "Rule", "RuleContext", "RuleError", "rule_thresholds"]

_HINT = "see docs/alert-rules.md"
_KINDS = {int: "a whole number, like 14", float: "a number, like 3.0", str: 'text, like "07:00"'}


def rule_thresholds(config: Mapping[str, object]) -> dict[str, dict[str, object]]:
    """Every registered rule's thresholds: its defaults, overridden by the settings.

    ``config`` is the ``[alerts.rules]`` table: rule name to a table of thresholds. A rule or
    threshold sceau does not know, or a value of the wrong kind, is a RuleError naming
    ``alerts.rules.<name>.<key>`` — a typo must not silently leave a default in place.
    """
    tables: dict[str, Mapping[object, object]] = {}
    for name, table in config.items():
        if name not in RULES:
            raise RuleError(
                f"unknown rule {name!r}",
                hint=f"the rules are {', '.join(sorted(RULES))}; {_HINT}",
                where=f"alerts.rules.{name}",
            )
        if not isinstance(table, Mapping):
            raise RuleError(
                "must be a table of thresholds",
                hint=f"write it as [alerts.rules.{name}] with one threshold a line; {_HINT}",
                where=f"alerts.rules.{name}",
            )
        tables[name] = table
    chosen: dict[str, dict[str, object]] = {}
    for name, rule in RULES.items():
        thresholds = dict(rule.defaults)
        for key, value in tables.get(name, {}).items():
            thresholds[str(key)] = _checked(rule, str(key), value)
        rule.check(thresholds)
        chosen[name] = thresholds
    return chosen


def _checked(rule: type[Rule], key: str, value: object) -> object:
    where = f"alerts.rules.{rule.name}.{key}"
    if key not in rule.defaults:
        known = ", ".join(sorted(rule.defaults)) or "none"
        raise RuleError(
            f"unknown threshold {key!r}",
            hint=f"{rule.name}'s thresholds are: {known}; {_HINT}",
            where=where,
        )
    kind = type(rule.defaults[key])
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)  # `factor = 4` in TOML is an integer
    if type(value) is not kind:
        raise RuleError(f"must be {_KINDS.get(kind, kind.__name__)}", hint=_HINT, where=where)
    return value
