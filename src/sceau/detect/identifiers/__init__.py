"""sceau's built-in value detectors: importing this package registers every one of them."""

from sceau.detect.identifiers import (  # noqa: F401  (imported to register)
    address,
    city,
    credentials,
    date,
    email,
    finess,
    iban,
    insurer,
    nir,
    password_hash,
    person_name,
    phone,
    postcode,
    practitioner,
    sex,
)
from sceau.detect.identifiers.date import parse_dates

__all__ = ["parse_dates"]
