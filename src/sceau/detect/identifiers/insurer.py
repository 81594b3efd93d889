"""AMC / third-party-payment organisation numbers: 8 or 9 digits, no key to check."""

from __future__ import annotations

from sceau.detect.base import Category, Detector


class InsurerId(Detector):
    """Weak alone: any 8- or 9-digit number passes; the header must say "AMC", "mutuelle"..."""

    name = "insurer_id"
    category = Category.INSURER_ID
    pattern = r"[0-9]{8,9}"
