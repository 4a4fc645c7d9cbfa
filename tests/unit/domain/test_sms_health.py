"""The SMS circuit: open after N failures in a row, closed by a success or by time."""

from __future__ import annotations

import datetime as dt

import pytest

from kyvs.domain.sms_health import HealthPolicy, HealthView, open_until, retry_after_s

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
POLICY = HealthPolicy(failures_to_open=3, open_s=60)


def ago(seconds: float) -> dt.datetime:
    return NOW - dt.timedelta(seconds=seconds)


def view(*failures_ago: float, success_ago: float | None = None) -> HealthView:
    last = ago(success_ago) if success_ago is not None else None
    return HealthView(last, None, tuple(ago(s) for s in failures_ago))


@pytest.mark.parametrize(
    ("health", "closes_in_s"),
    [
        (view(), None),
        (view(1, 2), None),  # two failures: not yet
        (view(1, 2, 3), 57),  # the third opens it until the oldest of them is 60 s old
        (view(1, 2, 3, 4, 5), 57),  # more failures: still the 3rd newest counts
        (view(1, 2, 70), None),  # one fell out of the window
        (view(1, 2, 3, success_ago=2.5), None),  # a success in between breaks the streak
        (view(1, 2, 3, success_ago=10), 57),  # an older success does not
        (view(10, 20, 59), 1),  # about to close
    ],
)
def test_the_circuit_opens_on_a_streak_of_recent_failures(health, closes_in_s):
    until = open_until(health, POLICY, NOW)
    if closes_in_s is None:
        assert until is None
    else:
        assert until == NOW + dt.timedelta(seconds=closes_in_s)
        assert retry_after_s(until, NOW) == closes_in_s


def test_one_failure_opens_a_circuit_of_one():
    assert open_until(view(0), HealthPolicy(failures_to_open=1, open_s=5), NOW) == ago(-5)


def test_retry_after_is_whole_seconds_and_never_zero():
    assert retry_after_s(NOW + dt.timedelta(milliseconds=100), NOW) == 1
    assert retry_after_s(NOW + dt.timedelta(seconds=1.2), NOW) == 2
    assert retry_after_s(NOW - dt.timedelta(seconds=3), NOW) == 1


@pytest.mark.parametrize(("failures", "open_s"), [(0, 60), (3, 0)])
def test_a_policy_needs_at_least_one_failure_and_one_second(failures, open_s):
    with pytest.raises(ValueError, match="at least 1"):
        HealthPolicy(failures_to_open=failures, open_s=open_s)
