"""Personal data breaches: the incident an operator records, its 72-hour deadline, and its steps.

DPDP Rules 2025, rule 7: on becoming aware of a personal data breach the data fiduciary informs
each affected Data Principal and the Data Protection Board without delay, and the Board, within
72 hours of becoming aware, in detail. The clock starts at `became_aware_at`, not at the breach.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from kyvs.domain.errors import DomainError, InvalidInput

BOARD_REPORT_WITHIN = dt.timedelta(hours=72)
MAX_DESCRIPTION = 2000

# What kinds of personal data an incident may have exposed. The first three are the scopes a
# verification discloses (the access log names them), the others what else kyvs holds.
DATA_KINDS: dict[str, str] = {
    "status": "vaccination status",
    "vaccinations": "dose events (vaccine, dose number, kind, date)",
    "demographics": "name, birth year and gender",
    "mobile": "mobile numbers",
    "photo-id": "photo-ID numbers",
    "access-log": "who checked whose status, when and why",
    "credentials": "API keys, staff passwords or kyvs's secret key",
}


class BreachStatus(StrEnum):
    """Where an incident stands: the Board's report is the step the law times."""

    OPEN = "open"
    BOARD_NOTIFIED = "board_notified"
    CLOSED = "closed"


class BreachStep(StrEnum):
    """What an operator marks as done on an incident."""

    BOARD_NOTIFIED = "board-notified"
    PRINCIPALS_NOTIFIED = "principals-notified"
    CLOSED = "closed"


class BreachNotFound(DomainError):
    """No incident has that id."""

    slug = "breach-not-found"
    title = "No breach with that id"


@dataclass(frozen=True, slots=True)
class Breach:
    """A recorded personal data breach: what was exposed, during which window, and what was done.

    `affected_count` is how many people the logs showed exposed when it was reported."""

    breach_id: str
    reported_at: dt.datetime
    became_aware_at: dt.datetime
    window_start: dt.datetime
    window_end: dt.datetime
    description: str
    data_kinds: tuple[str, ...] = ()
    provider_ids: tuple[str, ...] = ()
    key_ids: tuple[str, ...] = ()
    status: BreachStatus = BreachStatus.OPEN
    affected_count: int = 0
    board_notified_at: dt.datetime | None = None
    principals_notified_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None

    @property
    def board_deadline(self) -> dt.datetime:
        """When the detailed report to the Board is due: 72 hours after becoming aware."""
        return self.became_aware_at + BOARD_REPORT_WITHIN

    def time_left(self, now: dt.datetime) -> dt.timedelta:
        """Time until the Board's deadline (negative once it has passed)."""
        return self.board_deadline - now

    def overdue(self, now: dt.datetime) -> bool:
        """True when the Board's deadline has passed without the Board being notified."""
        return self.board_notified_at is None and now > self.board_deadline


def new_breach(
    *,
    breach_id: str,
    reported_at: dt.datetime,
    became_aware_at: dt.datetime,
    window_start: dt.datetime,
    window_end: dt.datetime,
    description: str,
    data_kinds: Iterable[str] = (),
    provider_ids: Iterable[str] = (),
    key_ids: Iterable[str] = (),
    affected_count: int = 0,
) -> Breach:
    """An open incident with its times in UTC, or `InvalidInput` saying which fact cannot be
    right (times without a zone, a window that ends before it starts or in the future, becoming
    aware before the breach began or in the future, no description, an unknown data kind)."""
    for name, moment in (
        ("--aware-at", became_aware_at),
        ("--from", window_start),
        ("--to", window_end),
    ):
        _aware(name, moment)
    _check_times(reported_at, became_aware_at, window_start, window_end)
    return Breach(
        breach_id=breach_id,
        reported_at=reported_at.astimezone(dt.UTC),
        became_aware_at=became_aware_at.astimezone(dt.UTC),
        window_start=window_start.astimezone(dt.UTC),
        window_end=window_end.astimezone(dt.UTC),
        description=_description(description),
        data_kinds=check_data_kinds(data_kinds),
        provider_ids=_once(provider_ids),
        key_ids=_once(key_ids),
        affected_count=affected_count,
    )


def _once(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v.strip()))


def _aware(name: str, moment: dt.datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(f"{name} needs a time zone (e.g. 2026-12-07T10:00+05:30 or ...Z).")


def _check_times(
    reported_at: dt.datetime,
    became_aware_at: dt.datetime,
    window_start: dt.datetime,
    window_end: dt.datetime,
) -> None:
    if window_start >= window_end:
        raise InvalidInput("The exposure window must start (--from) before it ends (--to).")
    if window_end > reported_at:
        raise InvalidInput("The exposure window cannot end (--to) in the future.")
    if became_aware_at > reported_at:
        raise InvalidInput("You cannot have become aware (--aware-at) in the future.")
    if became_aware_at < window_start:
        raise InvalidInput(
            "You cannot have become aware (--aware-at) of a breach before it began (--from)."
        )


def _description(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInput("Describe the breach (--description): what happened, as known now.")
    if len(cleaned) > MAX_DESCRIPTION:
        raise InvalidInput(f"A description has at most {MAX_DESCRIPTION} characters.")
    return cleaned


def check_data_kinds(kinds: Iterable[str]) -> tuple[str, ...]:
    """The kinds in order without repeats, or `InvalidInput` naming the unknown ones."""
    wanted = tuple(dict.fromkeys(k.strip().lower() for k in kinds if k.strip()))
    unknown = [k for k in wanted if k not in DATA_KINDS]
    if unknown:
        raise InvalidInput(
            f"Unknown data kind {', '.join(unknown)}; known: {', '.join(DATA_KINDS)}."
        )
    return wanted


def parse_moment(text: str, option: str) -> dt.datetime:
    """An ISO 8601 time with its zone (`2026-12-07T10:00+05:30`, `...Z`), or `InvalidInput`."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"{option} is a date and time like 2026-12-07T10:00+05:30 or 2026-12-07T04:30Z."
        ) from None
    _aware(option, moment)
    return moment


def marked(breach: Breach, step: BreachStep, now: dt.datetime) -> Breach:
    """The incident with `step` done at `now`, or `InvalidInput` when that step cannot be done.

    A closed incident changes no more; each step is done once; an incident closes only after
    the Board was notified and, when the logs showed anyone exposed, the people too."""
    if breach.status is BreachStatus.CLOSED:
        raise InvalidInput(f"Breach {breach.breach_id} is closed.")
    if step is BreachStep.BOARD_NOTIFIED:
        if breach.board_notified_at is not None:
            raise InvalidInput("The Board was already marked notified.")
        return replace(breach, board_notified_at=now, status=BreachStatus.BOARD_NOTIFIED)
    if step is BreachStep.PRINCIPALS_NOTIFIED:
        if breach.principals_notified_at is not None:
            raise InvalidInput("The affected people were already marked notified.")
        return replace(breach, principals_notified_at=now)
    if breach.board_notified_at is None:
        raise InvalidInput("Notify the Board before closing (then --board-notified).")
    if breach.affected_count and breach.principals_notified_at is None:
        raise InvalidInput(
            "Notify the affected people before closing (then --principals-notified)."
        )
    return replace(breach, closed_at=now, status=BreachStatus.CLOSED)
