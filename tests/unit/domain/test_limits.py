"""Rate limits: sliding windows estimate the last `window_s` seconds, fixed windows reset.

`retry_after_s` is what a 429 sends as `Retry-After`: never 0, and waiting exactly that long
makes room for one more event, once the window counters have rolled forward.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyvs.domain.limits import Limit, estimated, retry_after_s

HOUR = 3600
DAY = 86_400
# 2026-11-23T10:00:00Z; the hour window holding it starts at 10:00, the day window at midnight.
TEN_AM = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC).timestamp()
MIDNIGHT = dt.datetime(2026, 11, 23, tzinfo=dt.UTC).timestamp()
# The estimate is float arithmetic: a wait that lands exactly on the boundary may leave it a
# rounding error (~1e-14) above count - 1; the properties allow that much and no more.
ROUNDING = 1e-9


def hourly(count: int) -> Limit:
    return Limit("mobile-h:k", count, HOUR)


def daily_quota(count: int) -> Limit:
    return Limit("quota:p", count, DAY, sliding=False, reason="quota-exhausted")


def test_a_window_starts_on_a_multiple_of_its_length():
    assert hourly(5).window_start(TEN_AM + 1234.5) == TEN_AM
    assert daily_quota(5).window_start(TEN_AM) == MIDNIGHT  # a daily quota resets at UTC midnight


@pytest.mark.parametrize(
    ("into_window", "current", "previous", "expected"),
    [
        (0, 2, 10, 12.0),  # at the start the previous window still counts fully
        (HOUR / 2, 2, 10, 7.0),  # halfway through, half of it still overlaps
        (HOUR * 3 / 4, 0, 4, 1.0),
        (HOUR / 2, 3, 0, 3.0),
    ],
)
def test_a_sliding_limit_weights_the_previous_window_by_its_overlap(
    into_window, current, previous, expected
):
    assert estimated(hourly(5), TEN_AM + into_window, current, previous) == expected


def test_a_fixed_limit_counts_only_the_current_window():
    assert estimated(daily_quota(5), TEN_AM, current=3, previous=1000) == 3.0


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (TEN_AM, 14 * HOUR),  # until midnight
        (MIDNIGHT + DAY - 0.25, 1),  # a fraction of a second rounds up
        (MIDNIGHT + DAY - 1, 1),
    ],
)
def test_a_full_daily_quota_waits_for_the_next_day(now, expected):
    assert retry_after_s(daily_quota(10), now, current=10, previous=0) == expected


def test_a_full_current_window_waits_for_it_to_become_the_previous_one_and_fade():
    # 5 per hour, all 5 used at 10:00: at 11:00 they still count fully, and by 11:12 they weigh
    # 5 * (1 - 12/60) = 4, so the sixth fits.
    assert retry_after_s(hourly(5), TEN_AM, current=5, previous=0) == HOUR + 12 * 60


def test_a_fading_previous_window_is_waited_out_within_the_current_one():
    # 1 now and 5 before: the previous window must fade to 3 (5 * (1 - t)), t = 0.4 hour.
    assert retry_after_s(hourly(5), TEN_AM, current=1, previous=5) == 24 * 60
    assert retry_after_s(hourly(5), TEN_AM + 600, current=1, previous=5) == 14 * 60


def test_retry_after_is_at_least_one_second_even_when_there_is_room():
    assert retry_after_s(hourly(5), TEN_AM + 3599.9, current=0, previous=5) == 1
    assert retry_after_s(daily_quota(5), MIDNIGHT + DAY - 0.001, current=5, previous=0) == 1


# --- properties ----------------------------------------------------------------------------------


def rolled_forward(
    limit: Limit, now_s: float, later_s: float, current: int, previous: int
) -> tuple[int, int]:
    """The counters at `later_s` if nothing else was counted since `now_s`: one window on, the
    current window becomes the previous one; two or more on, both are empty."""
    windows_passed = round(
        (limit.window_start(later_s) - limit.window_start(now_s)) / limit.window_s
    )
    if windows_passed == 0:
        return current, previous
    if windows_passed == 1:
        return 0, current
    return 0, 0


limits = st.builds(
    Limit,
    key=st.just("k"),
    count=st.integers(1, 1000),
    window_s=st.sampled_from([1, 60, 300, HOUR, DAY]) | st.integers(1, 2 * DAY),
    sliding=st.booleans(),
)
times = st.floats(1.5e9, 2.1e9) | st.integers(1_500_000_000, 2_100_000_000).map(float)
counters = st.integers(0, 2000)
examples = settings(max_examples=500, deadline=None)


@examples
@given(limit=limits, now_s=times, current=counters, previous=counters)
def test_waiting_retry_after_makes_room_for_one_more(limit, now_s, current, previous):
    wait = retry_after_s(limit, now_s, current, previous)
    assert wait >= 1
    later = now_s + wait
    current_then, previous_then = rolled_forward(limit, now_s, later, current, previous)
    assert estimated(limit, later, current_then, previous_then) <= limit.count - 1 + ROUNDING


@examples
@given(limit=limits, now_s=times, current=counters, previous=counters)
def test_retry_after_is_no_longer_than_needed_when_the_limit_is_full(
    limit, now_s, current, previous
):
    full = estimated(limit, now_s, current, previous) > limit.count - 1
    wait = retry_after_s(limit, now_s, current, previous)
    if not full or wait == 1:
        return
    sooner = now_s + wait - 1
    current_then, previous_then = rolled_forward(limit, now_s, sooner, current, previous)
    assert estimated(limit, sooner, current_then, previous_then) > limit.count - 1 - ROUNDING
