"""sceau's built-in value detectors, one file each, registered as entry points of the group
``sceau.detectors`` (see :mod:`sceau.plugins`)."""

from sceau.detect.identifiers.date import parse_dates

__all__ = ["parse_dates"]
