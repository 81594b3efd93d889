"""A target plug-in: a folder of JSON-lines files, one per batch, written whole or not at all."""

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from sceau.targets.base import Target, TargetError


class JsonLinesTarget(Target):
    """A folder ending in ``.jsonlines``; its files are ``<table>-<run id>-<batch>.jsonl``."""

    kind = "jsonlines"
    suffixes = (".jsonlines",)

    def prepare(self, *, create: bool) -> None:
        folder = Path(self.location)
        if not folder.is_dir() and not create:
            raise TargetError("the folder does not exist", hint="create it", where=self.display)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)

    def loaded_batches(self, run_id: str) -> dict[int, int]:
        files = Path(self.location).glob(f"{self.table.name}-{run_id}-*.jsonl")
        return {int(path.stem.rsplit("-", 1)[1]): _lines(path) for path in files}

    def write_batch(self, run_id: str, batch_no: int, batch: pa.RecordBatch) -> None:
        path = Path(self.location) / f"{self.table.name}-{run_id}-{batch_no:06d}.jsonl"
        if path.exists():
            return  # loaded before a crash: exactly once
        partial = path.with_suffix(".partial")
        rows = batch.select(list(self.table.columns)).to_pylist()
        partial.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
        os.replace(partial, path)  # the batch and the record that it was loaded, at once

    def read_rows(self) -> Iterator[pa.RecordBatch]:
        schema = pa.schema([(name, pa.string()) for name in self.table.columns])
        for path in sorted(Path(self.location).glob(f"{self.table.name}-*.jsonl")):
            with path.open(encoding="utf-8") as lines:
                rows = [json.loads(line) for line in lines]
            yield pa.RecordBatch.from_pylist(rows, schema=schema)


def _lines(path: Path) -> int:
    with path.open(encoding="utf-8") as lines:
        return sum(1 for _ in lines)
