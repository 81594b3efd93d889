"""sceau — keeps medical-lab patient data from leaking, and answers the day it does."""

from __future__ import annotations

__version__ = "0.1.0"
