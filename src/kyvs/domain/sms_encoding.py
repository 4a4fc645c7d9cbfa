"""How a text goes over the air as SMS: GSM-7 or UCS-2, and how many billed segments.

A text that GSM 03.38 can carry (with its extension table, whose characters take two septets)
goes as GSM-7: 160 septets in one segment, 153 a segment once split (the rest is the
concatenation header). One character outside it, any Indic letter, makes the whole message
UCS-2: 70 UTF-16 code units in one segment, 67 a segment once split.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from gsm0338.charset import BASIC_CHARACTER_SET, BASIC_CHARACTER_SET_EXTENSION

GSM7_SINGLE = 160
GSM7_PART = 153
UCS2_SINGLE = 70
UCS2_PART = 67


# Septets per character, from the GSM 03.38 tables of the `gsm0338` codec (its encoder goes
# character by character in Python: a table lookup is many times faster on the send path).
_SEPTETS: dict[str, int] = {
    **{unicodedata.lookup(name): 2 for name in BASIC_CHARACTER_SET_EXTENSION.values()},
    **{unicodedata.lookup(name): 1 for name in BASIC_CHARACTER_SET.values()},
}


class SmsEncoding(StrEnum):
    """The data coding of one SMS."""

    GSM7 = "gsm7"
    UCS2 = "ucs2"


@dataclass(frozen=True, slots=True)
class SmsSize:
    """What a text costs on the air: its encoding, length in units and billed segments."""

    encoding: SmsEncoding
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def sms_size(text: str) -> SmsSize:
    """The encoding a carrier will use for `text` and the segments it bills."""
    septets = 0
    for char in text:
        width = _SEPTETS.get(char)
        if width is None:
            units = len(text.encode("utf-16-be")) // 2
            return SmsSize(SmsEncoding.UCS2, units, _segments(units, UCS2_SINGLE, UCS2_PART))
        septets += width
    return SmsSize(SmsEncoding.GSM7, septets, _segments(septets, GSM7_SINGLE, GSM7_PART))


def _segments(units: int, single: int, part: int) -> int:
    if units <= single:
        return 1
    return math.ceil(units / part)
