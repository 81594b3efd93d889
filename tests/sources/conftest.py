"""Shared checks for the sources' tests: errors name where, and never what, went wrong."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest

from sceau.sources.base import SourceError


def _check(error: SourceError, where: str, secrets: Iterable[str] = ()) -> None:
    text = f"{error} {error.message} {error.hint} {error.where}"
    assert where in error.where, (where, error.where)
    assert error.hint, "every error says what to do"
    for secret in secrets:
        assert secret not in text, "a value from the data leaked into the error"


@pytest.fixture
def check_error() -> Callable[..., None]:
    """``check_error(error, where, secrets)``: names the place, says what to do, leaks nothing."""
    return _check
