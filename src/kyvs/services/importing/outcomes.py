"""What a registry-file parser yields per row: a registration, or the reason the row failed."""

from __future__ import annotations

from dataclasses import dataclass

from kyvs.domain.people import Registration


@dataclass(frozen=True)
class ParsedRow:
    """A row that became a registration. `line` is the file line (CSV) or entry index (FHIR).

    `where` locates the row inside a structured file, as in `RowError`.
    """

    line: int
    registration: Registration
    where: str = ""


@dataclass(frozen=True)
class RowError:
    """A row that was skipped entirely, with a reason naming the column or field at fault.

    `where` locates the row inside a structured file, e.g. `entry 12 (Patient/abc)` for FHIR.
    """

    line: int
    reason: str
    where: str = ""


RowOutcome = ParsedRow | RowError
