"""French postcodes: five digits under a department prefix that exists."""

from __future__ import annotations

from sceau.detect.base import Category, Detector


class Postcode(Detector):
    """01-95 (20 for Corsica), 97x overseas departments, 98x Monaco and overseas collectivities."""

    name = "postcode"
    category = Category.POSTCODE
    pattern = r"(?:(?:0[1-9]|[1-8][0-9]|9[0-5])[0-9]{3}|9(?:7[1-8]|8[0-9])[0-9]{2})"
