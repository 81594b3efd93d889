"""docs/treatments.md cannot drift: every treatment and option of the mandate is documented."""

from __future__ import annotations

from pathlib import Path

from sceau.mandate.model import OPTIONS, Treatment
from sceau.protect.pseudonymise import TOKEN_PREFIX
from sceau.protect.redact import placeholders
from sceau.protect.rehash import Argon2Params

DOC = (Path(__file__).parents[2] / "docs" / "treatments.md").read_text(encoding="utf-8")


def test_every_treatment_and_option_has_a_section_or_a_row():
    for treatment in Treatment:
        assert f"\n## {treatment.value}" in DOC, treatment
        for option in OPTIONS.get(treatment, ()):
            assert f"`{treatment.value}:{option}`" in DOC, option


def test_the_documented_formats_are_the_code_s():
    params = Argon2Params()
    assert f"m={params.memory_cost},t={params.time_cost},p={params.parallelism}" in DOC
    assert f"`{TOKEN_PREFIX.removesuffix('_')}`" in DOC
    assert "`enc1:`" in DOC


def test_every_redaction_placeholder_is_documented():
    section = DOC.split("## redact-identifiers", 1)[1].split("\n## ", 1)[0]
    for placeholder in placeholders():
        assert f"`{placeholder}`" in section, placeholder
