"""Dose events for tests, written the way the spec talks about them."""

from __future__ import annotations

import datetime as dt

from kyvs.domain.doses import Dose, DoseKind


def day(value: str | dt.date) -> dt.date:
    """A date from `2021-05-01` (or a date, unchanged)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def dose(
    vaccine: str,
    date: str | dt.date,
    *,
    n: int = 1,
    kind: str | DoseKind = "primary",
    centre: str = "",
    batch: str = "",
) -> Dose:
    """One dose event: `dose("COVISHIELD", "2021-05-01", n=1, kind="primary")`."""
    return Dose(
        vaccine=vaccine,
        dose_number=n,
        kind=DoseKind.parse(kind) if isinstance(kind, str) else kind,
        date=day(date),
        centre=centre,
        batch=batch,
    )


def primary(vaccine: str, *dates: str | dt.date, first: int = 1) -> list[Dose]:
    """Primary doses of one vaccine on the given dates, numbered from `first`."""
    return [dose(vaccine, date, n=first + i) for i, date in enumerate(dates)]


def precaution(vaccine: str, date: str | dt.date, *, n: int) -> Dose:
    """A precaution (booster) dose."""
    return dose(vaccine, date, n=n, kind=DoseKind.PRECAUTION)
