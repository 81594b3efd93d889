"""The held-out comment cells: written apart from the phrase lists the detectors are tuned on.

``holdout.jsonl`` holds one comment cell a line, typed the way secretaries, nurses, biologists
and prescribers fill the clinical-information and remark fields of a lab request, each with:

- ``health``: the health categories the cell states about the patient;
- ``kind``: ``positive`` (it states at least one), ``hard_negative`` (it holds a trap: a mention
  that must not count, possibly next to one that does) or ``harmless`` (lab remarks and
  clinical notes that state none);
- ``trap``, for a hard negative: ``negation``, ``hypothesis``, ``family`` (a relative's history),
  ``context`` (a charity, a job, a relative or colleague, a place) or ``other_sense`` (a word
  that looks like a health term in another sense: potassium's K, 25-OH, a vacuum tube...).

The labels follow these conventions: a drug or therapy is TREATMENT and its condition's
category (a drug with none among the nine, TREATMENT alone); a test named for a category counts
whatever its result; negations, hypotheses without a named test, relatives' histories and
non-patient contexts do not count, except the patient's own genetic test or predisposition.

Its figures are a final score: read them, do not tune on its phrasings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

PATH = Path(__file__).with_name("holdout.jsonl")
KINDS = ("positive", "hard_negative", "harmless")
TRAPS = ("negation", "hypothesis", "family", "context", "other_sense")


@dataclass(frozen=True)
class Cell:
    """One held-out comment cell and what it truly states."""

    line: int  # 1-based line in the data file, to find a cell without printing it
    text: str
    health: frozenset[str]
    kind: str
    trap: str | None = None


def load(path: Path = PATH) -> list[Cell]:
    """Every cell of the data file, in file order."""
    cells = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            row = json.loads(line)
            cells.append(
                Cell(number, row["text"], frozenset(row["health"]), row["kind"], row.get("trap"))
            )
    return cells
