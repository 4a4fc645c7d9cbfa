"""Status rule sets: primary-series schedules and precaution policies, each dated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kyvs.domain.vaccines import Catalogue, as_date


@dataclass(frozen=True, slots=True)
class PrimarySchedule:
    """How many doses make a vaccine's primary series, and the gap between them, from a date."""

    vaccine: str
    effective_from: dt.date
    doses: int
    min_interval_days: int


@dataclass(frozen=True, slots=True)
class PrecautionPolicy:
    """When a precaution dose may be given, and which other vaccines may serve as one."""

    effective_from: dt.date
    min_weeks_after_primary: int
    heterologous: frozenset[str]


@dataclass(frozen=True)
class RuleSet:
    """A versioned set of status rules over a vaccine catalogue."""

    version: str
    effective_date: dt.date
    catalogue: Catalogue
    primary: tuple[PrimarySchedule, ...]
    precaution: tuple[PrecautionPolicy, ...]

    def schedule(self, vaccine: str, series_start: dt.date) -> PrimarySchedule | None:
        """The schedule of `vaccine` in force on `series_start` (its earliest one if before all)."""
        schedules = [s for s in self.primary if s.vaccine == vaccine]
        if not schedules:
            return None
        in_force = [s for s in schedules if s.effective_from <= series_start]
        return in_force[-1] if in_force else schedules[0]

    def precaution_policy(self, on: dt.date) -> PrecautionPolicy | None:
        """The precaution policy in force on a date, or None before the programme began."""
        in_force = [p for p in self.precaution if p.effective_from <= on]
        return in_force[-1] if in_force else None

    @property
    def precaution_programme_start(self) -> dt.date | None:
        """The first day a precaution dose was offered."""
        return self.precaution[0].effective_from if self.precaution else None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], catalogue: Catalogue) -> RuleSet:
        """Build a rule set from its data file's contents, checked against the catalogue."""
        primary = tuple(
            sorted(
                (
                    PrimarySchedule(
                        vaccine=catalogue.find(item["vaccine"]).code,
                        effective_from=as_date(item["from"]),
                        doses=int(item["doses"]),
                        min_interval_days=int(item["min_interval_days"]),
                    )
                    for item in data["primary"]
                ),
                key=lambda s: (s.vaccine, s.effective_from),
            )
        )
        precaution = tuple(
            sorted(
                (
                    PrecautionPolicy(
                        effective_from=as_date(item["from"]),
                        min_weeks_after_primary=int(item["min_weeks_after_primary"]),
                        heterologous=frozenset(
                            catalogue.find(code).code for code in item.get("heterologous", ())
                        ),
                    )
                    for item in data.get("precaution", ())
                ),
                key=lambda p: p.effective_from,
            )
        )
        return cls(
            version=str(data["version"]),
            effective_date=as_date(data["effective_date"]),
            catalogue=catalogue,
            primary=primary,
            precaution=precaution,
        )
