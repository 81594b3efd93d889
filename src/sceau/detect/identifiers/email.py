"""E-mail addresses: the dot-atom subset of RFC 5322 that real mailboxes use."""

from __future__ import annotations

import polars as pl

from sceau.detect.base import Category, Detector
from sceau.detect.identifiers._arith import bind

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"


class Email(Detector):
    """local@domain.tld; no quoted local parts, comments or IP-literal domains."""

    name = "email"
    category = Category.EMAIL
    embeddable = True
    pattern = rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}\b"

    def validate(self, candidates: pl.Expr) -> pl.Expr:
        # RFC 5321 limits: 64 characters before the @, 254 in all. The pattern allows one @.
        return bind(
            candidates,
            lambda c: (c.str.len_bytes() <= 254) & (c.str.find("@", literal=True) <= 64),
        )
