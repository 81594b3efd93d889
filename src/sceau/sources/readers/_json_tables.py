"""JSON documents as tables, as a normalised JSON import would lay them out.

A nested object that is a *record* (``"adresse": {"ville": …, "cp": …}``) becomes dotted columns
of its document's row (``adresse.ville``), so each field is classified on its own. An array, or
an object used as a *map* whose keys are data (``"by_nir": {"185057800608491": {…}}``), becomes a
child table ``<file>#<path>`` with one row per entry: a ``document`` column (the document's line
in the file), the entry's ``index`` or ``key`` (for nested ones, also the index or key of each
enclosing entry), then the entry's fields. A key that is data is thus a cell, classified like
any other, and never a column name printed in every report, mandate and audit entry.

An object is taken for a map when a key holds a run of five digits, is a number or a date, or
holds an ``@``; below the top level also a space or a control character (top-level keys such as
``Date de naissance`` are common, and may hold a line break as a header cell may); when it has
more than ``MAX_FIELDS`` keys (``ROOT_MAX_FIELDS`` at the top level); or when no key is shared
by more than half of the objects seen at that place (the keys differ record to record). The
layout is fixed by a first pass over the file, whose memory these caps bound; each table then
streams the file again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sceau.sources.names import unique_names
from sceau.sources.readers._json import text

MAX_FIELDS = 256
ROOT_MAX_FIELDS = 4096  # the documents' own keys: a wide export has many columns
_DATA_KEY = re.compile(r"\d{5}|^[\d\s.,:/+-]+$|@|\s")  # identifiers, numbers, dates, e-mails
_ROOT_DATA_KEY = re.compile(r"\d{5}|^[\d\s.,:/+-]+$|@")
_DOCUMENT = "document"  # not "line": header lexicons read that as an address line


class Node:
    """What was seen at one place of the documents: fields, scalars, entries of a container."""

    __slots__ = (
        "entries",
        "entry",
        "fields",
        "is_array",
        "is_map",
        "null",
        "objects",
        "records",
        "root",
        "scalar",
    )

    def __init__(self, *, root: bool = False) -> None:
        self.root = root  # the documents themselves
        self.fields: dict[str, Node] = {}
        self.records: dict[str, int] = {}  # key -> objects holding it
        self.scalar = False  # a string, number or boolean was seen here
        self.null = False
        self.is_array = False
        self.is_map = False
        self.entry: Node | None = None  # the merged shape of a container's entries
        self.entries = 0  # entries seen, for progress bars
        self.objects = 0  # times an object was seen here as a record

    @property
    def container(self) -> bool:
        return self.is_array or self.is_map

    def add(self, value: Any) -> None:
        """Record one value seen at this place."""
        if isinstance(value, dict):
            if not self.is_map and any(_is_data(key, self.root) for key in value):
                self.to_map()
            if self.is_map:
                self._add_entries(value.values())
                return
            self.objects += 1
            for key, child in value.items():
                self.records[key] = self.records.get(key, 0) + 1
                self.fields.setdefault(key, Node()).add(child)
            if len(self.fields) > self.most:
                self.to_map()
        elif isinstance(value, list):
            self.is_array = True
            self._add_entries(value)
        elif value is None:
            self.null = True
        else:
            self.scalar = True

    def _add_entries(self, values: Any) -> None:
        entry = self.entry = self.entry or Node()
        for value in values:
            entry.add(value)
            self.entries += 1

    def to_map(self) -> None:
        """Turn the fields seen so far into entries of a map: their keys become data."""
        self.is_map = True
        entry = self.entry = self.entry or Node()
        for child in self.fields.values():
            entry.merge(child)
        self.entries += sum(self.records.values())
        self.fields, self.records, self.objects = {}, {}, 0

    def merge(self, other: Node) -> None:
        self.scalar |= other.scalar
        self.null |= other.null
        self.is_array |= other.is_array
        self.entries += other.entries
        self.objects += other.objects
        if other.entry is not None:
            self.entry = self.entry or Node()
            self.entry.merge(other.entry)
        if other.is_map and not self.is_map:
            self.to_map()
        if self.is_map:
            if other.fields:
                entry = self.entry = self.entry or Node()
                for child in other.fields.values():
                    entry.merge(child)
                self.entries += sum(other.records.values())
            return
        for key, child in other.fields.items():
            self.records[key] = self.records.get(key, 0) + other.records.get(key, 0)
            self.fields.setdefault(key, Node()).merge(child)
        if len(self.fields) > self.most:
            self.to_map()

    @property
    def most(self) -> int:
        """Keys kept at this place before its keys are taken for data."""
        return ROOT_MAX_FIELDS if self.root else MAX_FIELDS

    def settle(self) -> None:
        """After the first pass: an object whose keys differ record to record is a map."""
        shared = max(self.records.values(), default=0)
        if self.fields and self.objects >= 2 and shared * 2 <= self.objects:
            self.to_map()
        for child in self.fields.values():
            child.settle()
        if self.entry is not None:
            self.entry.settle()


def _is_data(key: str, root: bool) -> bool:
    """A key that is a value: an identifier, a number or a date, an e-mail; below the top
    level also a name with a space, or a control character."""
    if root:  # a header cell may hold a line break: so may a top-level key
        return bool(_ROOT_DATA_KEY.search(key))
    return bool(_DATA_KEY.search(key)) or not key.isprintable()


Path = tuple[str, ...]  # keys from a row's record down to a value


@dataclass
class Layout:
    """One table of a JSON-lines file: how to reach its rows and which columns they have."""

    path: str  # "" for the documents themselves, else the child table's path: "orders[].items"
    route: list[tuple[Path, Node]]  # containers to walk through from a document to a row
    node: Node  # the shape of one row's record
    leaves: list[Path] = field(default_factory=list)  # the record's columns
    links: list[str] = field(default_factory=list)  # raw names of the link columns
    rows: int = 0

    @property
    def names(self) -> list[str]:
        """Column names: links, then the leaves' dotted paths (``value`` for a bare entry)."""
        leaves = [".".join(leaf) if leaf else "value" for leaf in self.leaves]
        return unique_names([*self.links, *leaves])

    def rows_of(self, line: int, document: dict[str, Any]) -> Iterator[list[str | None]]:
        """This table's rows in one document: link cells, then the record's cells."""
        yield from self._walk(document, 0, [str(line)] if self.route else [])

    def _walk(self, record: Any, hop: int, links: list[str]) -> Iterator[list[str | None]]:
        if hop == len(self.route):
            cells: dict[Path, str | None] = {}
            _cells(record, self.node, (), cells)
            yield [*links, *(cells.get(leaf) for leaf in self.leaves)]
            return
        keys, container = self.route[hop]
        value = _at(record, keys)
        if isinstance(value, list):
            for index, entry in enumerate(value):
                yield from self._walk(entry, hop + 1, [*links, str(index)])
        elif isinstance(value, dict) and container.is_map:
            for key, entry in value.items():
                yield from self._walk(entry, hop + 1, [*links, key])


def layouts(root: Node, rows: int) -> list[Layout]:
    """Every table of a file whose documents' shape is ``root``: the documents' own first."""
    root.settle()
    found = [Layout(path="", route=[], node=root, rows=rows)]
    _collect(root, (), found[0], found)
    return [layout for layout in found if layout.route or not root.is_map]


def _collect(node: Node, keys: Path, layout: Layout, found: list[Layout]) -> None:
    if node.scalar or (node.null and not node.fields and not node.container):
        layout.leaves.append(keys)
    for key, child in node.fields.items():
        _collect(child, (*keys, key), layout, found)
    if node.container and node.entry is not None:
        here = ".".join(keys)
        if layout.route:  # an entry's container: orders[].items, or matrix[] for nested arrays
            path = f"{layout.path}[]" + (f".{here}" if here else "")
            outer = [*layout.links[1:-1], f"{layout.path or '[]'}.{layout.links[-1]}"]
        else:
            path, outer = here, []
        entries = Layout(
            path=path,
            route=[*layout.route, (keys, node)],
            node=node.entry,
            links=[_DOCUMENT, *outer, "key" if node.is_map else "index"],
            rows=node.entries,
        )
        found.append(entries)
        _collect(node.entry, (), entries, found)


def _at(record: Any, keys: Path) -> Any:
    for key in keys:
        if not isinstance(record, dict):
            return None
        record = record.get(key)
    return record


def _cells(value: Any, node: Node, keys: Path, out: dict[Path, str | None]) -> None:
    """The record's leaf values, by path; containers are left to their own tables."""
    if isinstance(value, dict):
        if node.is_map:
            return
        for key, child in value.items():
            inner = node.fields.get(key)
            if inner is not None:
                _cells(child, inner, (*keys, key), out)
    elif not isinstance(value, list):
        out[keys] = text(value)
