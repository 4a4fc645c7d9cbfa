"""Dose events: one vaccine shot given to one person on one day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from kyvs.domain.errors import InvalidInput

MAX_TEXT = 200


class DoseKind(StrEnum):
    """Primary-series dose or precaution (booster) dose."""

    PRIMARY = "primary"
    PRECAUTION = "precaution"

    @classmethod
    def parse(cls, text: str) -> DoseKind:
        """Accept `primary`, `precaution` and `booster` (a synonym of precaution)."""
        key = text.strip().lower()
        if key == "booster":
            key = "precaution"
        try:
            return cls(key)
        except ValueError:
            raise InvalidInput("Dose kind is `primary` or `precaution`.") from None


@dataclass(frozen=True, slots=True)
class Dose:
    """A dose event as the registry recorded it. `vaccine` is a catalogue code."""

    vaccine: str
    dose_number: int
    kind: DoseKind
    date: dt.date
    centre: str = ""
    batch: str = ""

    def __post_init__(self) -> None:
        if not 1 <= self.dose_number <= 9:
            raise InvalidInput("Dose number is between 1 and 9.")
        if len(self.centre) > MAX_TEXT or len(self.batch) > MAX_TEXT:
            raise InvalidInput(f"Centre and batch have at most {MAX_TEXT} characters.")


def parse_date(text: str) -> dt.date:
    """An ISO date (`2021-05-01`), or `InvalidInput` naming the expected form."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date in the form YYYY-MM-DD.") from None
