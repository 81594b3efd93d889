"""Encrypted staging: each batch is an Arrow IPC stream sealed with AES-256-GCM under the run's
data key, bound to (run, batch number, key version) so a file cannot be swapped, replayed from
another run or renamed. Beside a batch, its *part* ``prints`` holds the keyed fingerprints of the
people it read (:mod:`sceau.migrate.tracing`), sealed and bound the same way. Nothing is ever
written in clear: the folder is mode 0700, each file 0600, written through a temporary file and
an atomic rename.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyarrow as pa

from sceau.crypto.envelope import seal, unseal
from sceau.errors import SceauError
from sceau.files import write_atomic

_SUFFIX = ".sealed"
_BATCH = "batch"  # the rows staged; other parts are named after what they hold


class StagingError(SceauError):
    """The staging folder cannot be written, or a staged batch cannot be opened."""


class Staging:
    """One run's staging folder."""

    def __init__(self, folder: Path, run_id: str, key: bytes, key_version: int = 1) -> None:
        self.folder = folder
        self.run_id = run_id
        self._key = key
        self.key_version = key_version

    def create(self) -> None:
        """Create the folder, mode 0700 (its parent too, if missing)."""
        try:
            self.folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.folder.mkdir(mode=0o700, exist_ok=True)
            os.chmod(self.folder, 0o700)
        except OSError as error:
            raise StagingError(
                f"cannot create the staging folder ({error.strerror})",
                hint="check the permissions of SCEAU_STAGING",
                where=str(self.folder),
            ) from None

    def _context(self, batch_no: int, part: str) -> str:
        bound = f"sceau staging v1 run={self.run_id} batch={batch_no} key=v{self.key_version}"
        return bound if part == _BATCH else f"{bound} part={part}"

    def path(self, batch_no: int, part: str = _BATCH) -> Path:
        return self.folder / f"{part}-{batch_no:06d}{_SUFFIX}"

    def seal(self, batch_no: int, batch: pa.RecordBatch, part: str = _BATCH) -> bytes:
        """``batch`` as an Arrow IPC stream, sealed for this run, number and key version.

        Pure: worker processes seal in parallel, the driver stores in order.
        """
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, batch.schema) as writer:
            writer.write_batch(batch)
        return seal(self._key, sink.getvalue().to_pybytes(), context=self._context(batch_no, part))

    def store(self, batch_no: int, sealed: bytes, part: str = _BATCH) -> None:
        """Write a sealed batch atomically; an existing file for the number is replaced."""
        target = self.path(batch_no, part)
        try:
            write_atomic(target, sealed)
        except OSError as error:
            raise StagingError(
                f"cannot write a staged batch ({error.strerror})",
                hint="check free space and permissions; the run can be resumed",
                where=str(target),
            ) from None

    def read(self, batch_no: int, part: str = _BATCH) -> pa.RecordBatch:
        """The batch back, after checking it was sealed for this run, number and key version."""
        path = self.path(batch_no, part)
        try:
            sealed = path.read_bytes()
        except OSError as error:
            raise StagingError(
                f"a staged batch is missing ({error.strerror})",
                hint="the staging was altered; start a new run",
                where=str(path),
            ) from None
        data = unseal(self._key, sealed, context=self._context(batch_no, part), where=str(path))
        with pa.ipc.open_stream(data) as reader:
            return reader.read_next_batch()

    def staged(self) -> list[int]:
        """The batch numbers present on disk, in order."""
        if not self.folder.is_dir():
            return []
        return sorted(int(p.name[6:12]) for p in self.folder.glob(f"batch-*{_SUFFIX}"))

    def clear(self) -> None:
        """Remove every staged file (a restarted staging phase begins from nothing)."""
        if self.folder.is_dir():
            for path in self.folder.iterdir():
                path.unlink()

    def delete(self) -> None:
        """Delete the folder and everything in it (after the key is destroyed, as a courtesy:
        without the key the files are already unreadable)."""
        shutil.rmtree(self.folder, ignore_errors=True)
