"""An audit entry's bytes are RFC 8785's, whether the event took the checked-once fast path
(text, booleans, null, exact integers) or not (a float, an integer JSON cannot keep)."""

from __future__ import annotations

from dataclasses import dataclass

import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from sceau.audit.entry import encode
from sceau.crypto.canonical import CanonicalError
from sceau.events import Event, ScanCompleted


@dataclass(frozen=True, kw_only=True)
class Sample(Event):
    name = "test.sample"
    value: object
    values: tuple[object, ...] = ()


SCALARS = st.one_of(
    st.text(),
    st.booleans(),
    st.none(),
    st.integers(),
    st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
)


def _body(seq: int, event: Event) -> dict[str, object]:
    return {
        "seq": seq,
        "at": event.at.isoformat(),
        "name": event.name,
        "actor": event.actor,
        "payload": event.payload(),
    }


@given(value=SCALARS, values=st.lists(SCALARS, max_size=4), seq=st.integers(1, 10**9))
def test_every_entry_is_written_as_rfc8785_writes_it(
    value: object, values: list[object], seq: int
) -> None:
    event = Sample(actor="alice", value=value, values=tuple(values))
    try:
        expected: bytes | None = rfc8785.dumps(_body(seq, event))
    except (rfc8785.CanonicalizationError, ValueError):
        expected = None  # an integer beyond 2^53 - 1, or a lone surrogate: no canonical form
    if expected is None:
        try:
            encode(seq, event)
        except CanonicalError:
            return
        raise AssertionError("a value without a canonical form was encoded")
    assert encode(seq, event) == expected


def test_only_events_of_text_booleans_null_and_exact_integers_skip_the_second_check() -> None:
    assert ScanCompleted(actor="alice", sources=1, rows=2, sensitive_columns=3).exact_json
    assert Sample(actor="alice", value="x", values=(True, None, 2**53 - 1)).exact_json
    assert not Sample(actor="alice", value=0.5).exact_json
    assert not Sample(actor="alice", value=2**53).exact_json
    assert not Sample(actor="alice", value="x", values=(-(2**53),)).exact_json
