"""Names are data too: column, table, key and file names that hold an identifier.

A JSON export keyed by NIR (``by_nir.185057800608491.nom``), a CSV whose header cells are
``jean.dupont@example.fr`` or ``DUPONT Jean``, a file named after a patient: the name itself is
personal data, and a name is what every report, draft mandate, event and alert prints. So every
name goes through the same detectors as the values, before anything else sees it, and the part
of it that holds an identifier is replaced by its *shape* (digits as 9, letters as x or X) — the
**public name**. Scans, mandates, migrations, events and the audit trail only ever see public
names; the reader's own name is used to read the source and nothing else.

Recall first, as for redaction: a run of nine digits or more goes whether or not its key is
valid. A name made only of first names and surnames from the lexicons (two tokens or more) is a
person's name. The public name of a public name is itself, so the rename can be applied twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache

import polars as pl
import pyarrow as pa

from sceau.detect.base import Category, Detector, registered
from sceau.detect.freetext import text_pattern
from sceau.detect.identifiers._arith import fold
from sceau.detect.lexicons import load_words
from sceau.sources.base import Table

_DIGIT_RUN = re.compile(r"\+?\d(?:[ .\-/]?\d){8,}")  # nine digits or more, any separators
_TOKENS = re.compile(r"[^\W\d_]+")
_ENDINGS = re.compile(r"(?:\.[A-Za-z0-9]{1,5})*\Z")
_EXAMPLE_LENGTH = 32


@dataclass(frozen=True)
class PublicName:
    """A name as sceau shows and records it, and what its original held (categories only)."""

    name: str
    held: tuple[Category, ...] = ()  # what was replaced by its shape; empty: the name as read


FREE_TEXT_EXAMPLE = "(free text)"  # a comment column's example: prose has no shape to show


def shape(value: str, *, limit: int | None = None) -> str:
    """A value's shape, never the value: digits become 9, letters x or X, the rest is kept."""
    text = value if limit is None else value[:limit]
    shaped = "".join(
        "9" if ch.isdigit() else ("X" if ch.isupper() else "x") if ch.isalpha() else ch
        for ch in text
    )
    return shaped + ("…" if limit is not None and len(value) > limit else "")


def example_shape(value: str) -> str:
    """The shape a report shows for one value of a column, cut to a readable length."""
    return shape(value, limit=_EXAMPLE_LENGTH)


def public_name(name: str) -> PublicName:
    """``name`` with every identifier it holds replaced by the identifier's shape."""
    return _public(name, _identifiers([name])[0], digit_runs=True)


def public_names(names: Sequence[str]) -> list[PublicName]:
    """Public names for a table's columns, distinct: two names of one shape get ``_2``, ``_3``."""
    result: list[PublicName] = []
    taken = set(names)
    seen: set[str] = set()
    for name, found in zip(names, _identifiers(names), strict=True):
        public = _public(name, found, digit_runs=True)
        candidate, suffix = public.name, 2
        if public.held:
            while candidate in seen or (candidate != name and candidate in taken):
                candidate, suffix = f"{public.name}_{suffix}", suffix + 1
            public = PublicName(candidate, public.held)
        seen.add(public.name)
        result.append(public)
    return result


def public_location(location: str) -> str:
    """A file path or table name with every identifier in it replaced by its shape.

    Only what a detector validates, and people's names, are taken out of a location: file names
    carry dates and timestamps, long digit runs that a column name seldom does.
    """
    parts = re.split(r"([/\\#!])", location)
    found = _identifiers(parts)
    pairs = zip(parts, found, strict=True)
    return "".join(_public(part, hits, digit_runs=False).name for part, hits in pairs)


def public_table(table: Table) -> Table:
    """The same table, its name and its columns' names public (see :func:`public_names`)."""
    return replace(
        table, name=public_location(table.name), batches=lambda: public_batches(table.batches())
    )


def public_batches(
    batches: Iterable[pa.RecordBatch], held: dict[str, tuple[Category, ...]] | None = None
) -> Iterator[pa.RecordBatch]:
    """Each batch with its columns renamed to their public names; ``held``, when given, is
    filled with what each renamed column's original name held."""
    renamed: dict[tuple[str, ...], list[str]] = {}
    for batch in batches:
        key = tuple(batch.schema.names)
        if key not in renamed:
            publics = public_names(key)
            renamed[key] = [public.name for public in publics]
            if held is not None:
                held.update((public.name, public.held) for public in publics if public.held)
        names = renamed[key]
        yield batch if names == list(key) else batch.rename_columns(names)


def _public(name: str, found: list[tuple[str, Category]], *, digit_runs: bool) -> PublicName:
    stem, extension = (name, "")
    if not digit_runs:  # a file name: its endings (.csv.gz) are not part of the name
        stem = _ENDINGS.sub("", name, count=1)
        extension = name[len(stem) :]
    if stem and _is_person_name(stem):
        return PublicName(shape(stem) + extension, (Category.PERSON_NAME,))
    public, held = name, []
    for value, category in found:
        if value in public:
            public = public.replace(value, shape(value))
            held.append(category)
    if digit_runs:
        for match in _DIGIT_RUN.finditer(public):
            if shape(match.group(0)) != match.group(0):
                held.append(Category.OTHER)  # a long number no detector vouches for
        public = _DIGIT_RUN.sub(lambda match: shape(match.group(0)), public)
    return PublicName(public, tuple(dict.fromkeys(held)))


def _identifiers(texts: Sequence[str]) -> list[list[tuple[str, Category]]]:
    """For each text, the valid identifiers the embeddable detectors find in it, longest first.

    A value already written as a shape (``xxxx@xxxx.xx``) is not found again.
    """
    frame = pl.DataFrame({"text": list(texts)}, schema={"text": pl.String}).with_row_index("i")
    found: list[list[tuple[str, Category]]] = [[] for _ in texts]
    for detector in _embeddable():
        candidates = (
            frame.select(
                "i", pl.col("text").str.extract_all(text_pattern(detector.pattern)).alias("c")
            )
            .explode("c")
            .filter(pl.col("c").is_not_null())
        )
        if candidates.height == 0:
            continue
        cell = detector.normalise(pl.col("c"))
        valid = candidates.filter((detector.validate(cell) & cell.is_not_null()).fill_null(False))
        for index, value in valid.iter_rows():
            if shape(value) != value:
                found[index].append((value, detector.category))
    return [sorted(set(hits), key=lambda hit: -len(hit[0])) for hits in found]


@cache
def _embeddable() -> tuple[Detector, ...]:
    return tuple(detector for detector in registered() if detector.embeddable)


def _is_person_name(name: str) -> bool:
    """Two to five alphabetic tokens, every one a first name or surname of the lexicons."""
    tokens = _TOKENS.findall(name)
    if not 2 <= len(tokens) <= 5 or len("".join(tokens)) < len(re.sub(r"[\s_.'-]", "", name)):
        return False
    folded = pl.select(fold(pl.lit(pl.Series(tokens)))).to_series().to_list()
    return all(token in _known_tokens() for token in folded)


@cache
def _known_tokens() -> frozenset[str]:
    words = pl.Series(load_words("first_names") + load_words("surnames"), dtype=pl.String)
    folded = pl.select(fold(pl.lit(words)).str.replace_all(r"[-'. ]+", " ")).to_series()
    tokens = folded.str.split(" ").explode().drop_nulls()
    return frozenset(t for t in tokens.to_list() if len(t) >= 2)
