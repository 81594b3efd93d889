"""docs/accounts.md shows the roles table sceau enforces (docs cannot drift)."""

from __future__ import annotations

import re
from pathlib import Path

from sceau.accounts import PERMISSIONS, Role

DOC = Path(__file__).parents[2] / "docs" / "accounts.md"
ROW = re.compile(r"^\| `([a-z.-]+)` \|([^|]*)\|" + r"([^|]*)\|" * len(Role) + r"$")


def test_the_documented_table_is_the_enforced_one():
    documented = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if match := ROW.match(line):
            marks = [cell.strip() for cell in match.groups()[2:]]
            documented[match[1]] = {role for role, mark in zip(Role, marks, strict=True) if mark}
    assert documented == {action: set(roles) for action, roles in PERMISSIONS.items()}


def test_the_header_lists_the_roles_in_order():
    header = "| action | command | " + " | ".join(Role) + " |"
    assert header in DOC.read_text(encoding="utf-8")
