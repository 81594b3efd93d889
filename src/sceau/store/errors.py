"""The state store's error: what every module of the store raises, and the rest of sceau catches."""

from __future__ import annotations

from sceau.errors import SceauError


class StoreError(SceauError):
    """The state store cannot be reached or written."""
