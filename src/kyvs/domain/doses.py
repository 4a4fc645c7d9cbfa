"""Dose events: one vaccine shot given to one person on one day."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from kyvs.domain.errors import InvalidInput

MAX_TEXT = 200
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


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
    """A date written `YYYY-MM-DD` (spaces around it ignored), or `InvalidInput` naming the form.

    Only that form: `date.fromisoformat` alone would also take `20210501` and the week date
    `2021-W18-6`, which the import and the docs do not.
    """
    typed = text.strip()
    if _ISO_DATE.fullmatch(typed):
        try:
            return dt.date.fromisoformat(typed)
        except ValueError:
            pass  # the right shape but no such day, like 2021-02-30
    shown = typed if len(typed) <= 40 else typed[:40] + "…"
    raise InvalidInput(f"{shown!r} is not a date in the form YYYY-MM-DD.", reason_id="date")
