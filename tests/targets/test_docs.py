"""docs/targets.md documents every registered target, as docs/sources.md does every reader."""

from __future__ import annotations

from pathlib import Path

from sceau.targets import registered

DOC = Path(__file__).parents[2] / "docs" / "targets.md"


def test_every_target_has_a_section_with_its_location_form():
    text = DOC.read_text("utf-8")
    for kind, cls in registered().items():
        assert f"\n## {kind}\n" in text, f"docs/targets.md has no section for {kind}"
        section = text.split(f"\n## {kind}\n", 1)[1].split("\n## ", 1)[0]
        for form in (*(f"{s}://" for s in cls.schemes), *cls.suffixes):
            assert form in section, f"the {kind} section does not show {form}"
