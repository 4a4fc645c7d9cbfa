"""Checks shared by the CSV and FHIR parsers: collecting problems and finishing a registration."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from kyvs.domain import reference_ids
from kyvs.domain.doses import Dose
from kyvs.domain.errors import InvalidInput
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.people import Beneficiary, Gender, PhotoId, Registration
from kyvs.services.importing.outcomes import ParsedRow, RowError, RowOutcome

T = TypeVar("T")

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Problems:
    """The problems found in one row, each prefixed by the column or field it concerns."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, detail: str) -> None:
        """Record one problem."""
        self.items.append(f"{where}: {detail.rstrip('.')}")

    def check(self, where: str, parse: Callable[[], T]) -> T | None:
        """The value `parse` returns, or None after recording the `InvalidInput` it raised."""
        try:
            return parse()
        except InvalidInput as error:
            self.add(where, error.detail)
            return None

    @property
    def reason(self) -> str:
        """Every problem, in the order found."""
        return "; ".join(self.items)


def parse_iso_date(text: str) -> dt.date:
    """A date written exactly `YYYY-MM-DD`, or `InvalidInput`."""
    try:
        if _ISO_DATE.fullmatch(text):
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise InvalidInput(f"{shown(text)} is not a date in the form YYYY-MM-DD.")


def check_dose_date(date: dt.date, *, current_year: int) -> dt.date:
    """The date of a dose, refused when it lies after the current year."""
    if date.year > current_year:
        raise InvalidInput(f"{date.isoformat()} is in the future.")
    return date


def derived_reference_id(mobile: MobileNumber, full_name: str, birth_year: int) -> str:
    """The stable reference id of a person who came without one (re-imports find the same id)."""
    return reference_ids.derived(mobile.national, full_name.casefold(), str(birth_year))


def check_born_first(birth_year: int, doses: Sequence[Dose]) -> None:
    """`InvalidInput` unless the person was born no later than the year of their first dose."""
    if doses:
        first = min(dose.date for dose in doses)
        if birth_year > first.year:
            raise InvalidInput(f"{birth_year} is after the first dose ({first.isoformat()}).")


@dataclass
class Draft:
    """The values read from one row so far; None where a value is missing or was refused."""

    problems: Problems = field(default_factory=Problems)
    reference_id: str | None = None
    full_name: str | None = None
    birth_year: int | None = None
    gender: Gender | None = None
    mobile: MobileNumber | None = None
    photo_id: PhotoId | None = None
    doses: list[Dose] = field(default_factory=list)

    def outcome(self, line: int, *, birth_label: str, where: str = "") -> RowOutcome:
        """A `ParsedRow` when no problem was found, otherwise one `RowError` listing them all."""
        if self.birth_year is not None:
            year = self.birth_year
            self.problems.check(birth_label, lambda: check_born_first(year, self.doses))
        registration = None if self.problems.items else self._registration()
        if registration is None:
            return RowError(line, self.problems.reason or "the row is incomplete", where)
        return ParsedRow(line, registration, where)

    def _registration(self) -> Registration | None:
        name, year, gender, mobile = self.full_name, self.birth_year, self.gender, self.mobile
        if name is None or year is None or gender is None or mobile is None:
            return None
        person = Beneficiary(
            reference_id=self.reference_id or derived_reference_id(mobile, name, year),
            full_name=name,
            birth_year=year,
            gender=gender,
            mobile=mobile,
            photo_id=self.photo_id,
        )
        return Registration(person, tuple(sorted(self.doses, key=lambda d: d.dose_number)))


def shown(text: str, limit: int = 40) -> str:
    """A value quoted for an error message, shortened so a huge cell cannot flood the report."""
    return repr(text if len(text) <= limit else text[:limit] + "…")
