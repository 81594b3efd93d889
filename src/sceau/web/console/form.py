"""What the console's forms post (url-encoded; the CSRF middleware has read ``_csrf_token``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar.enums import RequestEncodingType
from litestar.params import Body

URL_ENCODED = Body(media_type=RequestEncodingType.URL_ENCODED)


@dataclass
class Confirmation:
    confirm: str = ""


@dataclass
class Why:
    why: str


ConfirmForm = Annotated[Confirmation, URL_ENCODED]
WhyForm = Annotated[Why, URL_ENCODED]


@dataclass
class Lab:
    finess: str


LabForm = Annotated[Lab, URL_ENCODED]


@dataclass
class ClockMet:
    clock: str
    finess: str
    reference: str = ""
    reason: str = ""
    complementary: str = ""  # "yes": a later notification completing the CNIL's


@dataclass
class ClockDelay:
    clock: str
    finess: str
    reason: str = ""


ClockMetForm = Annotated[ClockMet, URL_ENCODED]
ClockDelayForm = Annotated[ClockDelay, URL_ENCODED]
