"""What every treatment shares: the error a column that cannot be treated raises."""

from __future__ import annotations

from sceau.errors import SceauError


class ProtectError(SceauError):
    """A column cannot be treated as its rule says: it is missing, or the rule or a key is wrong."""
