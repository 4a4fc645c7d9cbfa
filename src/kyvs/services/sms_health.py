"""The SMS circuit breaker: refuse OTP requests while the carrier is failing, for everyone alike.

What a provider may see is the carrier's health, never a txn's own delivery (only matched pairs
get an SMS, so a per-txn "undelivered" would say the pair is registered). To keep even the
carrier's health from moving differently for matched and unmatched requests, a txn with nothing
to send *echoes* the latest real outcome: it waits as long as that delivery took, then records
the same result. The two differ only when the carrier changes state between them (the residual
risk, documented in the README).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from kyvs.domain.errors import SmsUnavailable
from kyvs.domain.sms_health import (
    HealthPolicy,
    HealthView,
    SmsOutcome,
    open_until,
    retry_after_s,
)
from kyvs.ports import Clock, SmsHealthLog

# Echo only an outcome this recent: an older one says little about the carrier now.
ECHO_WITHIN = dt.timedelta(minutes=10)
MAX_ECHO_DELAY_S = 60.0
_FAILURES_READ = 100


class ForgetfulSmsHealthLog:
    """Remembers nothing: the circuit never opens (the default where none is wired)."""

    async def record(self, outcome: SmsOutcome) -> None:
        """Nothing."""

    async def view(self, *, since: dt.datetime, limit: int) -> HealthView:
        """Nothing recorded."""
        return HealthView(None, None, ())

    async def failed_between(self, start: dt.datetime, end: dt.datetime) -> bool:
        """Never."""
        return False


@dataclass
class SmsHealth:
    """The circuit over a shared `SmsHealthLog`; reads are cached `cache_s` per process."""

    log: SmsHealthLog
    clock: Clock
    policy: HealthPolicy = field(default_factory=HealthPolicy)
    cache_s: float = 1.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _cached: tuple[dt.datetime, HealthView] | None = field(default=None, repr=False)

    async def require_available(self) -> None:
        """Raise `SmsUnavailable` (with the wait) while the circuit is open."""
        now = self.clock.now()
        until = open_until(await self._view(now), self.policy, now)
        if until is not None:
            wait = retry_after_s(until, now)
            raise SmsUnavailable(
                "SMS delivery is failing right now, so no OTP can be sent. "
                f"Try again in {wait} seconds.",
                retry_after_s=wait,
            )

    async def record(self, *, ok: bool, started: dt.datetime) -> None:
        """Record a real delivery that began at `started` and ended now."""
        now = self.clock.now()
        duration = max((now - started).total_seconds(), 0.0)
        await self._keep(SmsOutcome(now, ok, echo=False, duration_s=duration))

    async def echo(self) -> None:
        """For a txn with nothing to send: after as long as the latest real delivery took,
        record its outcome again (nothing when there was none lately)."""
        now = self.clock.now()
        last = (await self._view(now)).last_real
        if last is None or now - last.at > ECHO_WITHIN:
            return
        await self.sleep(min(last.duration_s, MAX_ECHO_DELAY_S))
        await self._keep(SmsOutcome(self.clock.now(), last.ok, echo=True, duration_s=0.0))

    async def failing_during(self, start: dt.datetime, end: dt.datetime) -> bool:
        """True when the carrier failed (for anyone) between `start` and `end`."""
        return await self.log.failed_between(start, end)

    async def _keep(self, outcome: SmsOutcome) -> None:
        if outcome.ok and self._healthy(await self._view(outcome.at)):
            return  # a success changes nothing while the carrier is healthy: no write per SMS
        await self.log.record(outcome)
        self._cached = None  # this worker sees its own outcomes at once

    @staticmethod
    def _healthy(view: HealthView) -> bool:
        """No failure in the window and the latest real outcome (if any) a success."""
        return not view.failures and (view.last_real is None or view.last_real.ok)

    async def _view(self, now: dt.datetime) -> HealthView:
        cached = self._cached
        if cached is not None and 0 <= (now - cached[0]).total_seconds() < self.cache_s:
            return cached[1]
        since = now - dt.timedelta(seconds=self.policy.open_s)
        view = await self.log.view(since=since, limit=_FAILURES_READ)
        self._cached = (now, view)
        return view
