"""JSON lines, shared by the plain JSON-lines and FHIR readers: parse, flatten, name columns.

Each line is its own document, so parsing is per line (the ``json`` module is C); flattening
walks each document once. This is the one place where rows cannot be handled as columns.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sceau.sources.base import Opener, SourceError


def documents(file: Opener) -> Iterator[tuple[int, dict[str, Any]]]:
    """(1-based line, object) for every non-blank line; a SourceError names a bad line."""
    with file.stream() as handle:
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
                    where=f"{file.name}:{number}",
                ) from None
            except ValueError as error:
                raise SourceError(
                    f"this line is not valid JSON ({_reason(error)})",
                    hint="each line must hold one complete JSON object; the file may be "
                    "truncated (get it again) or not JSON lines",
                    where=f"{file.name}:{number}",
                ) from None
            if not isinstance(document, dict):
                raise SourceError(
                    "this line is JSON but not an object",
                    hint="each line must hold one JSON object ({...})",
                    where=f"{file.name}:{number}",
                )
            yield number, document


def _reason(error: ValueError) -> str:
    """The JSON parser's complaint without the text it quotes."""
    message = getattr(error, "msg", "malformed")
    column = getattr(error, "colno", None)
    return f"{message} at column {column}" if column else message


def flatten_indexed(document: dict[str, Any]) -> dict[str, str | None]:
    """Dotted paths to text, list positions kept: ``name[0].given[0]`` (FHIR's layout)."""
    out: dict[str, str | None] = {}
    _walk(document, "", out)
    return out


def _walk(value: Any, path: str, out: dict[str, str | None]) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _walk(child, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            _walk(child, f"{path}[{index}]", out)
    else:
        out[path] = text(value)


def text(value: Any) -> str | None:
    """A JSON value as text: strings as they are, null as null, the rest as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
