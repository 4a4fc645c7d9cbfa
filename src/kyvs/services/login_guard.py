"""The guard of the anonymous OTP routes (citizen login through the API, the CoWIN facade's
public auth and `/me`): per-client, per-mobile and global limits, and the proof-of-work
challenge asked for once a client, a mobile or the wrong-OTP rate shows abuse.

Every rule here counts requests, never outcomes a caller could not already see, so it says
nothing about whether a mobile is registered (`domain/clients.py` has the numbers).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kyvs.domain.clients import (
    AbusePolicy,
    Client,
    check_limits,
    hard_start_limits,
    soft_start_limits,
    wrong_otp_circuit,
)
from kyvs.domain.errors import ChallengeRequired
from kyvs.domain.limits import Limit
from kyvs.ports import ProofOfWork, RateLimiter
from kyvs.services.otp_limits import LimitMetrics


@dataclass
class LoginGuard:
    """Admits or refuses anonymous OTP requests before the OTP engine sees them."""

    limiter: RateLimiter
    metrics: LimitMetrics
    proof_of_work: ProofOfWork
    policy: AbusePolicy

    def challenge(self, now: dt.datetime) -> dict[str, object]:
        """A fresh challenge for a client to solve (the pages fetch one before they post)."""
        expires = int(now.timestamp()) + self.policy.challenge_lifetime_s
        return self.proof_of_work.challenge(
            expires_at_s=expires, difficulty=self.policy.challenge_difficulty
        )

    async def admit_start(self, client: Client, mobile_key: str, now: dt.datetime) -> list[Limit]:
        """Ask for a challenge when a soft limit is full; the hard limits the OTP engine must
        count with the mobile's own caps (all or nothing)."""
        soft = soft_start_limits(self.policy, client, mobile_key)
        if await self.limiter.acquire(soft, now_s=now.timestamp()) is not None:
            await self.require_solution(client, now, "Too many login OTPs asked for lately.")
        return self.hard_limits(client)

    def hard_limits(self, client: Client) -> list[Limit]:
        """The limits every login OTP sent counts against, a start's or a resend's."""
        return hard_start_limits(self.policy, client)

    async def admit_check(self, client: Client, now: dt.datetime) -> list[Limit]:
        """Ask for a challenge while wrong OTPs are surging everywhere; the per-client check
        limits the OTP engine must count."""
        if await self.limiter.full(wrong_otp_circuit(self.policy), now_s=now.timestamp()):
            self.metrics.rate_limited("wrong-otp-circuit")
            await self.require_solution(client, now, "Wrong OTPs are surging everywhere.")
        return check_limits(self.policy, client)

    async def require_solution(self, client: Client, now: dt.datetime, why: str) -> None:
        """Pass when the client sent a solution to a challenge issued here that has not been
        used before; else `ChallengeRequired` with a fresh challenge."""
        if client.solution:
            signature = self.proof_of_work.solved(client.solution, now_s=now.timestamp())
            once = Limit(
                f"challenge:{signature}",
                1,
                self.policy.challenge_lifetime_s,  # sliding: refused until it has expired
                reason="challenge-required",
            )
            if signature and await self.limiter.acquire([once], now_s=now.timestamp()) is None:
                return
        self.metrics.rate_limited("challenge-required")
        raise ChallengeRequired(
            f"{why} Solve the challenge and send its solution in the Kyvs-Challenge header.",
            challenge=self.challenge(now),
        )
