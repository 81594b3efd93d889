"""The stream pyarrow's CSV reader pulls from: it keeps the file's last bytes as they pass, and
hands single-byte text (cp1252, latin-1) on as UTF-8.

Keeping the end as it streams by lets the reader check for a quote left open by a truncated
transfer without seeking back (a pipe or an archive member cannot seek).
"""

from __future__ import annotations

from typing import BinaryIO

from sceau.sources.readers._transcode import to_utf8

TAIL = 64 << 10  # the end of the file kept while streaming, to spot a quote left open


class TailStream:
    """A stream that keeps its last bytes read (the end of the file, without seeking to it)
    and, for a single-byte ``codec``, hands the bytes on as UTF-8."""

    def __init__(self, raw: BinaryIO, codec: str | None = None) -> None:
        self.raw, self.codec = raw, codec
        self.end = b""
        self.offset = 0  # bytes of the file read so far
        self.pending = memoryview(b"")  # UTF-8 already made, not yet read
        self.closed = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size < 0:  # everything left
            parts = [bytes(self.pending)]
            self.pending = memoryview(b"")
            while part := self.read(1 << 20):
                parts.append(part)
            return b"".join(parts)
        if self.pending:
            out, self.pending = bytes(self.pending[:size]), self.pending[size:]
            return out
        # room for the few bytes that widen in UTF-8, so that a read is rarely split
        data = self.raw.read(size - size // 64 if self.codec and size > 64 else size)
        if data:
            self.end = (self.end + data[-TAIL:])[-TAIL:]
        if self.codec is None or not data:
            return data
        text = to_utf8(data, self.codec, self.offset)
        self.offset += len(data)
        if len(text) <= size:
            return text
        self.pending = memoryview(text)[size:]
        return text[:size]

    def close(self) -> None:
        self.closed = True
