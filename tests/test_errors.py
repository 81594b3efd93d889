"""Errors keep what they say when they cross from a worker process to the driver."""

import pickle

from sceau.errors import SceauError
from sceau.mandate.policy import DriftError


def test_an_error_survives_pickling_with_its_hint_and_place():
    error = SceauError("cannot read", hint="check the path", where="lab.csv:3")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is SceauError
    assert (again.message, again.hint, again.where) == (
        "cannot read",
        "check the path",
        "lab.csv:3",
    )
    assert str(again) == str(error)


def test_a_subclass_with_its_own_arguments_survives_too():
    error = DriftError("COMMENT1", "its text holds identifiers", hint="redact it", where="m")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is DriftError
    assert (again.column, again.reason, again.hint) == (
        "COMMENT1",
        "its text holds identifiers",
        "redact it",
    )
    assert str(again) == str(error)
