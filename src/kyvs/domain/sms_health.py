"""Whether the SMS carrier is failing: a circuit breaker over recent delivery outcomes.

Providers must learn that OTPs are not going out without learning whether *their* name/mobile
pair matched someone (only matched pairs get an SMS). So nothing they see depends on a txn's own
delivery: the circuit and the notice on a txn's state are computed from every outcome recorded
by every worker, and an unmatched txn records an *echo* of the latest real outcome (see
`services/sms_health.py`), so a matched and an unmatched request move the circuit the same way
unless the carrier changed state in between.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SmsOutcome:
    """One delivery, after the adapter's retries: taken (`ok`) or failed for carrier reasons.

    `echo` marks an outcome recorded for a txn that had nothing to send; `duration_s` is how
    long the carrier took to answer (an echo waits as long before it is recorded).
    """

    at: dt.datetime
    ok: bool
    echo: bool = False
    duration_s: float = 0.0


@dataclass(frozen=True, slots=True)
class HealthPolicy:
    """When the circuit opens: `failures_to_open` failures in a row within `open_s` seconds;
    it then stays open until the oldest of them is `open_s` seconds old."""

    failures_to_open: int = 3
    open_s: int = 60

    def __post_init__(self) -> None:
        if self.failures_to_open < 1 or self.open_s < 1:
            raise ValueError("failures_to_open and open_s must be at least 1")


@dataclass(frozen=True, slots=True)
class HealthView:
    """What the circuit needs: the latest success, the latest real outcome, recent failures."""

    last_success_at: dt.datetime | None
    last_real: SmsOutcome | None
    failures: tuple[dt.datetime, ...]  # newest first


def open_until(view: HealthView, policy: HealthPolicy, now: dt.datetime) -> dt.datetime | None:
    """The moment the circuit closes again, or None when it is closed now."""
    since = now - dt.timedelta(seconds=policy.open_s)
    if view.last_success_at is not None:
        since = max(since, view.last_success_at)
    streak = sorted((at for at in view.failures if since < at <= now), reverse=True)
    if len(streak) < policy.failures_to_open:
        return None
    return streak[policy.failures_to_open - 1] + dt.timedelta(seconds=policy.open_s)


def retry_after_s(until: dt.datetime, now: dt.datetime) -> int:
    """Whole seconds until `until` (at least 1), for `Retry-After`."""
    return max(math.ceil((until - now).total_seconds()), 1)
