"""JSON lines, shared by the plain JSON-lines and FHIR readers: parse, flatten, name columns.

Each line is its own document, so parsing is per line (the ``json`` module is C); flattening
walks each document once. This is the one place where rows cannot be handled as columns.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sceau.sources.base import SourceError


def documents(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(1-based line, object) for every non-blank line; a SourceError names a bad line."""
    try:
        handle = path.open("rb")
    except OSError as error:
        raise SourceError(
            f"cannot read the file ({error.strerror})",
            hint="check that it exists and that you may read it",
            where=str(path),
        ) from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if not line.strip():
                continue
            try:
                document = json.loads(line)
            except UnicodeDecodeError:
                raise SourceError(
                    "this line is not valid UTF-8",
                    hint="JSON lines must be UTF-8: re-export the file in UTF-8",
                    where=f"{path}:{number}",
                ) from None
            except ValueError as error:
                raise SourceError(
                    f"this line is not valid JSON ({_reason(error)})",
                    hint="each line must hold one complete JSON object; the file may be "
                    "truncated or not JSON lines",
                    where=f"{path}:{number}",
                ) from None
            if not isinstance(document, dict):
                raise SourceError(
                    "this line is JSON but not an object",
                    hint="each line must hold one JSON object ({...})",
                    where=f"{path}:{number}",
                )
            yield number, document


def _reason(error: ValueError) -> str:
    """The JSON parser's complaint without the text it quotes."""
    message = getattr(error, "msg", "malformed")
    column = getattr(error, "colno", None)
    return f"{message} at column {column}" if column else message


def flatten(document: dict[str, Any], *, index_lists: bool) -> dict[str, str | None]:
    """Dotted paths to text; lists as ``name[0].given[0]`` or, unindexed, as JSON text."""
    out: dict[str, str | None] = {}
    _walk(document, "", out, index_lists)
    return out


def _walk(value: Any, path: str, out: dict[str, str | None], index_lists: bool) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _walk(child, f"{path}.{key}" if path else str(key), out, index_lists)
    elif isinstance(value, list) and index_lists:
        for index, child in enumerate(value):
            _walk(child, f"{path}[{index}]", out, index_lists)
    else:
        out[path] = text(value)


def text(value: Any) -> str | None:
    """A JSON value as text: strings as they are, null as null, the rest as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
