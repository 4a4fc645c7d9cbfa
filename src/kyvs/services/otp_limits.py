"""The limits an OTP request counts against: the provider's key rate and daily quota, and the
per-mobile caps across all providers (`../shared/design/SECURITY.md`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from kyvs.domain.errors import RateLimited
from kyvs.domain.limits import Limit
from kyvs.domain.otp import OtpBudget, OtpPolicy
from kyvs.domain.providers import Provider
from kyvs.ports import RateLimiter

DAY_S = 86_400
HOUR_S = 3_600

_MESSAGES = {
    "rate-limited": "Too many requests from this API key; slow down.",
    "quota-exhausted": "This provider's daily quota is used up.",
    "too-many-otps-for-mobile": "Too many OTPs were sent to this mobile number recently.",
    "too-many-checks-for-mobile": "Too many OTPs were checked for this mobile number today.",
    "too-many-checks": "Too many OTPs were checked from this address lately.",
    "service-busy": "Too many logins everywhere right now.",
}
# The verification budget keeps the counters' first names, so an upgrade forgets no count.
_BUDGET_PREFIX = {OtpBudget.VERIFICATION: "mobile", OtpBudget.CITIZEN_LOGIN: "login-mobile"}


class LimitMetrics(Protocol):
    """Where refusals are counted (never personal data)."""

    def rate_limited(self, limit: str) -> None:
        """One request was refused by `limit` (the problem slug)."""


def key_rate(provider: Provider) -> list[Limit]:
    """The provider's API-key rate (sliding window)."""
    rate = provider.rate_limit
    return [Limit(f"key:{provider.provider_id}", rate.count, rate.window_s)]


def provider_limits(provider: Provider) -> list[Limit]:
    """The key rate and the daily quota (reset at UTC midnight)."""
    quota = Limit(
        f"quota:{provider.provider_id}",
        provider.daily_quota,
        DAY_S,
        sliding=False,
        reason="quota-exhausted",
    )
    return [*key_rate(provider), quota]


def mobile_limits(
    policy: OtpPolicy, mobile_key: str, budget: OtpBudget = OtpBudget.VERIFICATION
) -> list[Limit]:
    """The per-mobile OTP caps of `budget` (per hour and per day; verifications across all
    providers, logins apart from them)."""
    reason = "too-many-otps-for-mobile"
    prefix = _BUDGET_PREFIX[budget]
    return [
        Limit(f"{prefix}-h:{mobile_key}", policy.per_hour(budget), HOUR_S, reason=reason),
        Limit(f"{prefix}-d:{mobile_key}", policy.per_day(budget), DAY_S, reason=reason),
    ]


def check_cap(policy: OtpPolicy, mobile_key: str, budget: OtpBudget) -> Limit:
    """OTP checks of `budget` per mobile per UTC day, counted exactly (a fixed window)."""
    return Limit(
        f"checks-{budget.value}:{mobile_key}",
        policy.checks_per_day(budget),
        DAY_S,
        sliding=False,
        reason="too-many-checks-for-mobile",
    )


@dataclass
class LimitGate:
    """Counts one event against limits, or refuses with `RateLimited` naming the full one."""

    limiter: RateLimiter
    metrics: LimitMetrics

    async def count(self, limits: Sequence[Limit], now: dt.datetime) -> None:
        """Count one event against `limits` where there is room, refusing nothing (a count
        that only says "full" to whoever asks, like the wrong-OTP circuit)."""
        await self.limiter.acquire(limits, now_s=now.timestamp())

    async def acquire(self, limits: Sequence[Limit], now: dt.datetime) -> None:
        """Count one event against `limits`, or raise `RateLimited` (with the wait)."""
        denied = await self.limiter.acquire(limits, now_s=now.timestamp())
        if denied is None:
            return
        reason = denied.limit.reason
        self.metrics.rate_limited(reason)
        raise RateLimited(
            f"{_MESSAGES.get(reason, 'Too many requests.')} "
            f"Retry after {denied.retry_after_s} seconds.",
            slug=reason,
            retry_after_s=denied.retry_after_s,
        )
