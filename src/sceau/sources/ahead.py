"""Reading ahead: a reader's next batches parsed on a thread while the caller works on this one.

Parsers (pyarrow's CSV reader, database drivers) release the GIL while they read, so a scan can
count one batch while the next is read, instead of waiting for each in turn. At most ``depth``
batches wait in memory; an error of the reader reaches the caller at the batch where it
happened, and a caller that stops early stops the reader too.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator
from queue import Full, Queue
from typing import TypeVar

T = TypeVar("T")
_POLL = 0.05  # seconds: how often a blocked reader looks whether the caller has gone


def read_ahead(items: Iterator[T], depth: int = 2) -> Generator[T, None, None]:
    """``items``, produced on a thread up to ``depth`` ahead of the caller.

    Close the iterator returned (``contextlib.closing``) when stopping before its end: the
    reader then stops at its next item and the thread ends.
    """
    reader = _Reader(items, depth)
    thread = threading.Thread(target=reader.produce, name="sceau-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            more, item = reader.queue.get()
            if more:
                yield item  # type: ignore[misc]
                continue
            if isinstance(item, BaseException):
                raise item
            return
    finally:
        reader.stop.set()  # a reader waiting on a full queue sees it within _POLL seconds
        thread.join()


class _Reader:
    """The thread's side: puts (True, item) for each item, then (False, None) at the end or
    (False, error) when the reader failed; stops early once ``stop`` is set."""

    def __init__(self, items: Iterator[object], depth: int) -> None:
        self.items = items
        self.queue: Queue[tuple[bool, object]] = Queue(maxsize=depth)
        self.stop = threading.Event()

    def produce(self) -> None:
        try:
            for item in self.items:
                if not self._put((True, item)):
                    break
            else:
                self._put((False, None))
        except BaseException as error:  # noqa: BLE001  (handed over to the caller, raised there)
            self._put((False, error))
        finally:
            close = getattr(self.items, "close", None)
            if close is not None:
                close()

    def _put(self, entry: tuple[bool, object]) -> bool:
        while not self.stop.is_set():
            try:
                self.queue.put(entry, timeout=_POLL)
                return True
            except Full:
                continue
        return False
