"""Comment cells built from the phrase lists, each with its ground truth.

A cell joins a few phrases the way lab staff type them (separators, upper case without accents
on old systems, line breaks inside the cell); its truth is the union of its phrases' health
categories, whether it holds a hard negative, and how many phones, e-mails and NIRs it holds.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from typing import Protocol

from . import comment_vocab as vocab
from . import identity

# Share of cells of each kind, for the two comment columns a lab keeps: clinical information
# (renseignements cliniques) and the lab's own remarks.
_KINDS = ("empty", "harmless", "clinical", "positive", "hard")
_WEIGHTS = {
    "clinical": (0.28, 0.12, 0.10, 0.35, 0.15),
    "lab": (0.33, 0.37, 0.03, 0.12, 0.15),
}


class Names(Protocol):
    """Where the e-mail addresses written into comments get their names (a Faker)."""

    def first_name(self) -> str: ...

    def last_name(self) -> str: ...


@dataclass(frozen=True)
class CommentStyle:
    """How one vendor's staff and software write comments."""

    upper: float = 0.0  # share of cells upper-cased without accents (old terminals)
    lower: float = 0.05  # share typed all in lower case
    line_breaks: tuple[str, ...] = ()  # line breaks the vendor keeps inside a cell
    ascii_only: bool = False  # no characters outside Windows-1252


@dataclass
class Comment:
    """One comment cell and what it truly says."""

    text: str | None
    health: frozenset[str] = frozenset()
    hard_negative: bool = False
    identifiers: dict[str, int] = field(default_factory=lambda: {"PHONE": 0, "EMAIL": 0, "NIR": 0})


def compose(rng: random.Random, fake: Names, role: str, style: CommentStyle) -> Comment:
    """One comment cell for a column of ``role`` ('clinical' or 'lab')."""
    kind = rng.choices(_KINDS, _WEIGHTS[role])[0]
    phrases: list[str] = []
    health: set[str] = set()
    _kind_phrases(rng, kind, phrases, health)
    hard = kind == "hard"
    counts = {"PHONE": 0, "EMAIL": 0, "NIR": 0}
    with_ids = 0.04 if kind == "empty" else 0.12
    if rng.random() < with_ids:
        which = rng.choices(("PHONE", "EMAIL", "NIR"), (0.6, 0.28, 0.12))[0]
        phrases.append(_identifier_phrase(rng, fake, which))
        counts[which] += 1
    if not phrases:
        return Comment(None)
    rng.shuffle(phrases)
    text = _join(rng, [_fill(rng, phrase) for phrase in phrases], style)
    return Comment(_styled(rng, text, style), frozenset(health), hard, counts)


def _kind_phrases(rng: random.Random, kind: str, phrases: list[str], health: set[str]) -> None:
    """The phrases of a comment of ``kind`` (none for an empty one), with their categories."""
    if kind == "positive":
        for _ in range(rng.choices((1, 2, 3), (0.7, 0.25, 0.05))[0]):
            _positive(rng, phrases, health)
        if rng.random() < 0.2:
            phrases.append(rng.choice(vocab.CLINICAL_OTHER))
    elif kind == "hard":
        phrases.append(rng.choice(vocab.HARD_NEGATIVE))
        if rng.random() < 0.4:
            _positive(rng, phrases, health)
    elif kind == "clinical":
        phrases.append(rng.choice(vocab.CLINICAL_OTHER))
    elif kind == "harmless":
        phrases.extend(rng.sample(vocab.HARMLESS, rng.choice((1, 1, 1, 2))))
    if kind in {"positive", "hard", "clinical"} and rng.random() < 0.3:
        phrases.append(rng.choice(vocab.HARMLESS))


def _positive(rng: random.Random, phrases: list[str], health: set[str]) -> None:
    text, categories = rng.choice(vocab.POSITIVE)
    phrases.append(text)
    health.update(categories)


def _identifier_phrase(rng: random.Random, fake: Names, which: str) -> str:
    if which == "PHONE":
        number = identity.phone_number(rng, mobile=rng.random() < 0.7)
        value = identity.phone_form(number, rng.choice(identity.PHONE_STYLES))
        return rng.choice(vocab.WITH_PHONE).replace("{phone}", value)
    if which == "EMAIL":
        mail = identity.email(rng, fake.first_name(), fake.last_name())
        return rng.choice(vocab.WITH_EMAIL).replace("{email}", mail)
    sex = rng.choice("12")
    birth_place = rng.choice(identity.COMMUNES)[0] if rng.random() < 0.9 else None
    value = identity.nir(rng, sex, identity.birth_date(rng), birth_place)
    value = identity.nir_form(value, rng.choice(("compact", "spaced", "key")))
    return rng.choice(vocab.WITH_NIR).replace("{nir}", value)


def _fill(rng: random.Random, phrase: str) -> str:
    slots = {
        "{d}": lambda: f"{rng.randrange(1, 29):02d}/{rng.randrange(1, 13):02d}",
        "{y}": lambda: str(rng.randrange(1995, 2021)),
        "{sa}": lambda: str(rng.randrange(6, 41)),
        "{n}": lambda: str(rng.randrange(1, 13)),
        "{g}": lambda: str(rng.randrange(1, 6)),
        "{city}": lambda: rng.choice(identity.COMMUNES)[1],
    }
    for slot, value in slots.items():
        while slot in phrase:
            phrase = phrase.replace(slot, value(), 1)
    return phrase


def _join(rng: random.Random, phrases: list[str], style: CommentStyle) -> str:
    separators = [" ; ", ". ", " - ", ", ", " / ", "  "]
    text = phrases[0]
    for phrase in phrases[1:]:
        breaks = style.line_breaks and rng.random() < 0.35
        text += rng.choice(style.line_breaks) if breaks else rng.choice(separators)
        text += phrase
    return text


def _styled(rng: random.Random, text: str, style: CommentStyle) -> str:
    if style.ascii_only:
        text = text.replace("β", "b").replace("→", "->")
    draw = rng.random()
    if draw < style.upper:  # µ and β have Greek capitals, which such terminals never show
        text = text.replace("µ", "u").replace("β", "b")
        decomposed = unicodedata.normalize("NFKD", text.upper())
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    elif draw < style.upper + style.lower:
        text = text.lower()
    return text
