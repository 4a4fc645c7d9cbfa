"""The SMS health log in a list: for unit tests and one-process demos."""

from __future__ import annotations

import datetime as dt

from kyvs.domain.sms_health import HealthView, SmsOutcome

KEEP = dt.timedelta(hours=1)


class MemorySmsHealthLog:
    """Outcomes in a list, oldest first; those older than `keep` are dropped on each record."""

    def __init__(self, keep: dt.timedelta = KEEP) -> None:
        self.keep = keep
        self.outcomes: list[SmsOutcome] = []

    async def record(self, outcome: SmsOutcome) -> None:
        """Keep one outcome."""
        cutoff = outcome.at - self.keep
        self.outcomes = [o for o in self.outcomes if o.at >= cutoff]
        self.outcomes.append(outcome)

    async def view(self, *, since: dt.datetime, limit: int) -> HealthView:
        """The latest success and real outcome, and the newest `limit` failures since `since`."""
        successes = [o.at for o in self.outcomes if o.ok]
        real = [o for o in self.outcomes if not o.echo]
        failures = sorted((o.at for o in self.outcomes if not o.ok and o.at >= since), reverse=True)
        return HealthView(
            last_success_at=max(successes, default=None),
            last_real=max(real, key=lambda o: o.at, default=None),
            failures=tuple(failures[:limit]),
        )

    async def failed_between(self, start: dt.datetime, end: dt.datetime) -> bool:
        """True when a failure was recorded from `start` to `end`."""
        return any(not o.ok and start <= o.at <= end for o in self.outcomes)
