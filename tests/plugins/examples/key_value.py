"""A source plug-in: dumps of one record a line, as tab-separated ``field=value`` pairs."""

from collections.abc import Iterator

import pyarrow as pa

from sceau.sources.base import DEFAULT_BATCH_ROWS, Opener, Source, SourceError, Table


class KeyValueSource(Source):
    """``.kv`` files: every line names the same fields, in the same order, as the first."""

    kind = "kv"
    suffixes = (".kv",)

    def __init__(self, location: str | Opener, *, batch_rows: int = DEFAULT_BATCH_ROWS) -> None:
        super().__init__(location, batch_rows=batch_rows)
        self.file = Opener.of(location)

    def tables(self) -> Iterator[Table]:
        yield Table(self.file.name, self._batches)

    def _batches(self) -> Iterator[pa.RecordBatch]:
        fields: list[str] | None = None
        rows: list[list[str]] = []
        with self.file.stream() as handle:
            for number, line in enumerate(handle, start=1):
                pairs = [pair.partition("=") for pair in line.decode().rstrip("\r\n").split("\t")]
                names = [name for name, _, _ in pairs]
                fields = fields or names
                if names != fields or any(not sign for _, sign, _ in pairs):
                    raise SourceError(
                        "this line does not name the first line's fields as field=value",
                        hint="fix the line, or export the file again",
                        where=f"{self.file.name}:{number}",
                    )
                rows.append([value for _, _, value in pairs])
                if len(rows) == self.batch_rows:
                    yield _batch(fields, rows)
                    rows = []
        if fields and rows:
            yield _batch(fields, rows)


def _batch(fields: list[str], rows: list[list[str]]) -> pa.RecordBatch:
    columns = [pa.array(column, pa.string()) for column in zip(*rows, strict=True)]
    return pa.RecordBatch.from_arrays(columns, names=fields)
