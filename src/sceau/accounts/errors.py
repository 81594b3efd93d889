"""The accounts room's error base, in a module of its own so every accounts module can raise it."""

from __future__ import annotations

from sceau.errors import SceauError


class AccountError(SceauError):
    """An account cannot be added, changed or used as asked."""
