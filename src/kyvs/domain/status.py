"""The status engine: a pure function of a person's dose events, a rule set and a date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from kyvs.domain.doses import Dose, DoseKind
from kyvs.domain.rules import RuleSet


class StatusCode(IntEnum):
    """The codes CoWIN's KYC-VS returned."""

    NOT_VACCINATED = 0
    PARTIALLY_VACCINATED = 1
    FULLY_VACCINATED = 2


@dataclass(frozen=True, slots=True)
class StatusWarning:
    """Something about a dose an operator should review; it never changes the status."""

    code: str
    dose_number: int
    detail: str


@dataclass(frozen=True, slots=True)
class Status:
    """A person's vaccination status on a date, with the rule-set version that decided it."""

    code: StatusCode
    precaution: bool
    warnings: tuple[StatusWarning, ...]
    primary_completed_on: dt.date | None
    precaution_due_on: dt.date | None
    rules_version: str


def _sort_key(dose: Dose) -> tuple[dt.date, int, str, str, str, str]:
    return (dose.date, dose.dose_number, dose.vaccine, dose.kind.value, dose.centre, dose.batch)


def status_of(doses: Iterable[Dose], rules: RuleSet, on_date: dt.date) -> Status:
    """The status on `on_date`; doses dated after it are ignored, their order does not matter."""
    given = sorted((d for d in doses if d.date <= on_date), key=_sort_key)
    if not given:
        return Status(StatusCode.NOT_VACCINATED, False, (), None, None, rules.version)
    series = _PrimarySeries(rules, series_start=given[0].date)
    boosters: list[Dose] = []
    for dose in given:
        if series.completed_on is None:
            series.add(dose)
        else:
            boosters.append(dose)
    warnings = list(series.warnings)
    if series.completed_on is None:
        return Status(
            StatusCode.PARTIALLY_VACCINATED, False, tuple(warnings), None, None, rules.version
        )
    for booster in boosters:
        warnings.extend(_precaution_warnings(booster, series, rules))
    due = None if boosters else _precaution_due(series.completed_on, rules, on_date)
    return Status(
        StatusCode.FULLY_VACCINATED,
        bool(boosters),
        tuple(warnings),
        series.completed_on,
        due,
        rules.version,
    )


class _PrimarySeries:
    """Counts doses toward the primary series (see `mixed_series` in the rule file)."""

    def __init__(self, rules: RuleSet, *, series_start: dt.date) -> None:
        self.rules = rules
        self.series_start = series_start
        self.doses: list[Dose] = []
        self.vaccines: set[str] = set()
        self.required: int | None = None
        self.completed_on: dt.date | None = None
        self.warnings: list[StatusWarning] = []

    def add(self, dose: Dose) -> None:
        schedule = self.rules.schedule(dose.vaccine, self.series_start)
        if schedule is None:
            self._warn("unknown-vaccine", dose, f"{dose.vaccine} is not in the rule set")
        else:
            self.required = min(self.required or schedule.doses, schedule.doses)
            if dose.date < schedule.effective_from:
                self._warn("before-rollout", dose, f"{dose.vaccine} was not in use yet")
        if dose.kind is DoseKind.PRECAUTION:
            self._warn(
                "precaution-before-complete-series",
                dose,
                "recorded as precaution before the primary series was complete; counted as primary",
            )
        if self.doses:
            self._check_interval(self.doses[-1], dose)
            if dose.vaccine not in self.vaccines:
                self._warn("mixed-series", dose, "a different vaccine from the earlier doses")
        self.doses.append(dose)
        self.vaccines.add(dose.vaccine)
        if self.required is not None and len(self.doses) >= self.required:
            self.completed_on = dose.date

    def _check_interval(self, previous: Dose, dose: Dose) -> None:
        schedule = self.rules.schedule(previous.vaccine, self.series_start)
        if schedule is None:
            return
        gap = (dose.date - previous.date).days
        if gap < schedule.min_interval_days:
            self._warn(
                "interval-too-short",
                dose,
                f"{gap} days after the previous dose; the minimum is {schedule.min_interval_days}",
            )

    def _warn(self, code: str, dose: Dose, detail: str) -> None:
        self.warnings.append(StatusWarning(code, dose.dose_number, detail))


def _precaution_warnings(dose: Dose, series: _PrimarySeries, rules: RuleSet) -> list[StatusWarning]:
    found: list[StatusWarning] = []
    completed_on = series.completed_on
    assert completed_on is not None  # noqa: S101 - only called for a complete series
    if dose.kind is DoseKind.PRIMARY:
        found.append(
            StatusWarning(
                "primary-after-complete-series",
                dose.dose_number,
                "recorded as primary after the series was complete; counted as precaution",
            )
        )
    policy = rules.precaution_policy(dose.date)
    if policy is None:
        found.append(
            StatusWarning(
                "precaution-before-programme",
                dose.dose_number,
                "given before precaution doses were offered",
            )
        )
        return found
    weeks = (dose.date - completed_on).days / 7
    if weeks < policy.min_weeks_after_primary:
        found.append(
            StatusWarning(
                "precaution-too-early",
                dose.dose_number,
                f"{int(weeks)} weeks after the primary series; "
                f"the minimum is {policy.min_weeks_after_primary}",
            )
        )
    if dose.vaccine not in series.vaccines and dose.vaccine not in policy.heterologous:
        found.append(
            StatusWarning(
                "heterologous-precaution",
                dose.dose_number,
                f"{dose.vaccine} was not allowed then as a precaution dose after this series",
            )
        )
    return found


def _precaution_due(completed_on: dt.date, rules: RuleSet, on_date: dt.date) -> dt.date | None:
    """The first day a precaution dose may be given, by the policy in force on `on_date`."""
    programme_start = rules.precaution_programme_start
    policy = rules.precaution_policy(on_date) or (rules.precaution[0] if rules.precaution else None)
    if policy is None or programme_start is None:
        return None
    due = completed_on + dt.timedelta(weeks=policy.min_weeks_after_primary)
    return max(due, programme_start)
