"""Reading ahead keeps the order, hands the reader's error over, and stops with its caller."""

from __future__ import annotations

import threading
from contextlib import closing

import pytest

from sceau.errors import SceauError
from sceau.sources.ahead import read_ahead


def test_every_item_in_order():
    assert list(read_ahead(iter(range(1000)), depth=3)) == list(range(1000))
    assert list(read_ahead(iter([]))) == []


def test_the_readers_error_reaches_the_caller_after_the_items_before_it():
    def reader():
        yield 1
        yield 2
        raise SceauError("the file looks truncated", where="export.csv:3")

    items = read_ahead(reader())
    assert [next(items), next(items)] == [1, 2]
    with pytest.raises(SceauError, match="truncated"):
        next(items)


def test_a_caller_that_stops_early_stops_the_reader():
    closed = threading.Event()
    produced = []

    def reader():
        try:
            for n in range(1_000_000):
                produced.append(n)
                yield n
        finally:
            closed.set()

    before = threading.active_count()
    with closing(read_ahead(reader(), depth=2)) as items:
        assert next(items) == 0
    assert closed.wait(5)
    assert len(produced) < 10  # read ahead by a few items, not to the end
    assert threading.active_count() == before
