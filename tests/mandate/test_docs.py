"""docs/mandate.md cannot drift from the code: the example parses, every field is there."""

from __future__ import annotations

import re
from pathlib import Path

from sceau.mandate.column_rules import RULE_FIELDS
from sceau.mandate.model import OPTIONS, Treatment
from sceau.mandate.parse import _TABLES, _TOP, parse_mandate
from sceau.mandate.policy import allowed_columns, check_mandate
from sceau.mandate.verify import REASONS

DOC = (Path(__file__).parents[2] / "docs" / "mandate.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, flags=re.S)


def test_the_example_is_a_mandate_that_follows_the_rules():
    mandate = parse_mandate(blocks("toml")[0].encode("utf-8"), where="docs/mandate.md")
    check_mandate(mandate)
    assert allowed_columns(mandate) == (
        "N_SS",
        "NOM_PAT",
        "PRENOM_PAT",
        "DDN",
        "CP_PAT",
        "COMMENT1",
        "COMMENT2",
        "MP",
    )
    assert len(mandate.source_columns) == 28
    assert [condition.column for condition in mandate.rows] == ["FINESS", "DT_DERN_VISITE"]


def test_every_field_is_documented():
    fields = {key for key in _TOP if key not in _TABLES and key not in {"rows", "columns"}}
    fields |= {f"{table}.{key}" for table, keys in _TABLES.items() for key in keys}
    fields |= {f"rows[].{key}" for key in ("column", "in", "from", "until")}
    fields |= {f"columns.<name>.{key}" for key in sorted(RULE_FIELDS)}
    for field in sorted(fields):
        assert f"| `{field}` |" in DOC, field


def test_every_treatment_is_documented():
    specs = {str(treatment) for treatment in Treatment if treatment not in OPTIONS}
    specs |= {f"{t}:{option}" for t, options in OPTIONS.items() for option in options}
    specs.add("pseudonymise")
    for spec in sorted(specs):
        assert f"| `{spec}` |" in DOC, spec
    assert "treatments.md" in DOC


def test_every_refusal_reason_is_documented():
    room = Path(__file__).parents[2] / "src/sceau/mandate"
    source = "".join(
        (room / name).read_text() for name in ("verify.py", "signature.py", "proof.py")
    )
    raised = set(re.findall(r'VerificationError\(\s*"([a-z-]+)"', source))
    assert raised == set(REASONS)
    for reason in REASONS:
        assert f"| `{reason}` |" in DOC, reason


def test_the_workflow_names_every_command():
    for command in ("draft", "sign", "verify", "show"):
        assert f"sceau mandate {command}" in DOC
    assert "sceau keys new-signer" in DOC
    assert "sceau keys signers" in DOC
