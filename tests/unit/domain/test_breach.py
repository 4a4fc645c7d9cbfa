"""A breach: its 72-hour Board deadline, the facts that cannot be right, and its steps."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from kyvs.domain.breach import (
    Breach,
    BreachStatus,
    BreachStep,
    marked,
    new_breach,
    parse_moment,
)
from kyvs.domain.errors import InvalidInput

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))


def a_breach(**overrides: Any) -> Breach:
    given: dict[str, Any] = {
        "breach_id": "breach-1",
        "reported_at": NOW,
        "became_aware_at": NOW - dt.timedelta(hours=2),
        "window_start": NOW - dt.timedelta(days=2),
        "window_end": NOW - dt.timedelta(hours=3),
        "description": "A provider's API key was published in a public repository.",
    }
    return new_breach(**{**given, **overrides})


# --- the deadline -----------------------------------------------------------------------------


def test_the_board_report_is_due_72_hours_after_becoming_aware_not_after_the_breach():
    breach = a_breach(became_aware_at=dt.datetime(2026, 12, 7, 9, 15, tzinfo=dt.UTC))

    assert breach.board_deadline == dt.datetime(2026, 12, 10, 9, 15, tzinfo=dt.UTC)


def test_the_time_left_counts_down_and_is_overdue_only_past_the_deadline_without_a_report():
    breach = a_breach()
    deadline = breach.board_deadline

    assert breach.time_left(NOW) == dt.timedelta(hours=70)
    assert not breach.overdue(deadline)
    assert breach.overdue(deadline + dt.timedelta(seconds=1))
    notified = marked(breach, BreachStep.BOARD_NOTIFIED, deadline + dt.timedelta(hours=1))
    assert not notified.overdue(deadline + dt.timedelta(days=9))


def test_times_given_in_another_zone_are_kept_in_utc():
    breach = a_breach(became_aware_at=dt.datetime(2026, 12, 7, 15, 30, tzinfo=IST))

    assert breach.became_aware_at == dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
    assert breach.became_aware_at.tzinfo is dt.UTC


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"window_start": NOW - dt.timedelta(hours=3)}, "start (--from) before it ends"),
        ({"window_start": NOW - dt.timedelta(hours=1)}, "start (--from) before it ends"),
        ({"window_end": NOW + dt.timedelta(minutes=1)}, "cannot end (--to) in the future"),
        ({"became_aware_at": NOW + dt.timedelta(minutes=1)}, "(--aware-at) in the future"),
        ({"became_aware_at": NOW - dt.timedelta(days=3)}, "before it began (--from)"),
        ({"description": "   "}, "Describe the breach"),
        ({"description": "x" * 2001}, "at most 2000 characters"),
        ({"data_kinds": ["status", "dna"]}, "Unknown data kind dna"),
        ({"window_start": dt.datetime(2026, 12, 5, 10, 0)}, "--from needs a time zone"),
    ],
)
def test_facts_that_cannot_be_right_are_refused_saying_which(overrides, says):
    with pytest.raises(InvalidInput, match=re.escape(says)):
        a_breach(**overrides)


def test_a_window_may_end_at_the_moment_of_the_report_and_awareness_may_come_at_its_start():
    breach = a_breach(window_end=NOW, became_aware_at=NOW - dt.timedelta(days=2))

    assert breach.window_end == NOW


def test_data_kinds_and_providers_are_kept_once_in_the_order_given():
    breach = a_breach(
        data_kinds=[" Status", "mobile", "status"],
        provider_ids=["prv_b", " prv_a ", "prv_b", ""],
        key_ids=["3f2a9c01b2d4", "3f2a9c01b2d4"],
    )

    assert breach.data_kinds == ("status", "mobile")
    assert breach.provider_ids == ("prv_b", "prv_a")
    assert breach.key_ids == ("3f2a9c01b2d4",)
    assert breach.status is BreachStatus.OPEN


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-07T10:00Z", dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)),
        ("2026-12-07T15:30+05:30", dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)),
        (" 2026-12-07 10:00:00+00:00 ", dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)),
    ],
)
def test_a_moment_is_read_in_iso_8601_with_its_zone(text, expected):
    assert parse_moment(text, "--from") == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [("2026-12-07T10:00", "needs a time zone"), ("yesterday", "is a date and time like")],
)
def test_a_moment_without_a_zone_or_not_a_date_is_refused(text, says):
    with pytest.raises(InvalidInput, match=f"--to {says}"):
        parse_moment(text, "--to")


# --- the steps --------------------------------------------------------------------------------


def test_notifying_the_board_moves_the_status_and_notifying_people_records_the_time():
    later = NOW + dt.timedelta(hours=5)

    board = marked(a_breach(affected_count=3), BreachStep.BOARD_NOTIFIED, NOW)
    people = marked(board, BreachStep.PRINCIPALS_NOTIFIED, later)

    assert (board.status, board.board_notified_at) == (BreachStatus.BOARD_NOTIFIED, NOW)
    assert (people.status, people.principals_notified_at) == (BreachStatus.BOARD_NOTIFIED, later)


def test_each_step_is_done_once():
    board = marked(a_breach(), BreachStep.BOARD_NOTIFIED, NOW)
    people = marked(a_breach(), BreachStep.PRINCIPALS_NOTIFIED, NOW)

    with pytest.raises(InvalidInput, match="already"):
        marked(board, BreachStep.BOARD_NOTIFIED, NOW)
    with pytest.raises(InvalidInput, match="already"):
        marked(people, BreachStep.PRINCIPALS_NOTIFIED, NOW)


def test_a_breach_closes_only_after_the_board_and_the_affected_people_were_told():
    exposed = a_breach(affected_count=2)
    with pytest.raises(InvalidInput, match="Notify the Board before closing"):
        marked(exposed, BreachStep.CLOSED, NOW)
    board = marked(exposed, BreachStep.BOARD_NOTIFIED, NOW)
    with pytest.raises(InvalidInput, match="Notify the affected people before closing"):
        marked(board, BreachStep.CLOSED, NOW)

    closed = marked(marked(board, BreachStep.PRINCIPALS_NOTIFIED, NOW), BreachStep.CLOSED, NOW)

    assert (closed.status, closed.closed_at) == (BreachStatus.CLOSED, NOW)


def test_a_breach_that_exposed_nobody_closes_once_the_board_was_told():
    board = marked(a_breach(affected_count=0), BreachStep.BOARD_NOTIFIED, NOW)

    assert marked(board, BreachStep.CLOSED, NOW).status is BreachStatus.CLOSED


def test_a_closed_breach_changes_no_more():
    board = marked(a_breach(), BreachStep.BOARD_NOTIFIED, NOW)
    closed = marked(board, BreachStep.CLOSED, NOW)

    with pytest.raises(InvalidInput, match="is closed"):
        marked(closed, BreachStep.PRINCIPALS_NOTIFIED, NOW)
