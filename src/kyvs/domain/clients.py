"""Who sends the anonymous requests (citizen login), and the limits that keep one of them, or
all of them together, from flooding a mobile, guessing its OTPs or running up the SMS bill.

An anonymous route knows its caller only by the connection's address (the proxy's client when
a trusted proxy says so, `KYVS_FORWARDED_ALLOW_IPS`). Below the soft limits nothing is asked of
anyone; above them a request needs a solved proof-of-work challenge (a second or so of a phone's
time, solved by the pages in the background); above the hard limits it is refused with
`Retry-After`. Provider verifications are authenticated and never pass through here.
"""

from __future__ import annotations

from dataclasses import dataclass

from kyvs.domain.limits import Limit

MINUTE_S = 60
TEN_MINUTES_S = 600
QUARTER_HOUR_S = 900
HOUR_S = 3_600


@dataclass(frozen=True, slots=True)
class Client:
    """The sender of an anonymous request: its address, and a challenge solution if it sent
    one (the `Kyvs-Challenge` header, or the pages' hidden form field)."""

    address: str
    solution: str | None = None


@dataclass(frozen=True, slots=True)
class AbusePolicy:
    """The limits on anonymous OTP routes (SECURITY.md lists each one)."""

    # Login OTPs asked for: past a soft limit, a challenge; past a hard one, 429.
    client_starts_soft: int = 10  # per client per 10 minutes (many people share an address)
    client_starts_hard: int = 120  # per client per hour
    mobile_starts_soft: int = 2  # per mobile per 10 minutes
    global_starts_soft: int = 300  # per minute, everyone together
    global_starts_hard: int = 3_000  # per minute, everyone together
    # Login OTPs checked, per client (right or wrong): 429 past it.
    client_checks: int = 20  # per client per 15 minutes
    # Wrong OTPs across all mobiles and all flows: past it, anonymous checks need a challenge.
    wrong_otps_circuit: int = 300  # per minute
    challenge_lifetime_s: int = 300
    challenge_difficulty: int = 100_000  # the largest number a solver may have to try


def soft_start_limits(policy: AbusePolicy, client: Client, mobile_key: str) -> list[Limit]:
    """Past any of these, a login OTP needs a solved challenge."""
    reason = "challenge-required"
    return [
        Limit(
            f"login-client-soft:{client.address}",
            policy.client_starts_soft,
            TEN_MINUTES_S,
            reason=reason,
        ),
        Limit(
            f"login-mobile-soft:{mobile_key}",
            policy.mobile_starts_soft,
            TEN_MINUTES_S,
            reason=reason,
        ),
        Limit("login-global-soft", policy.global_starts_soft, MINUTE_S, reason=reason),
    ]


def hard_start_limits(policy: AbusePolicy, client: Client) -> list[Limit]:
    """Past any of these, a login OTP is refused (429) even with a challenge solved."""
    return [
        Limit(f"login-client:{client.address}", policy.client_starts_hard, HOUR_S),
        Limit("login-global", policy.global_starts_hard, MINUTE_S, reason="service-busy"),
    ]


def check_limits(policy: AbusePolicy, client: Client) -> list[Limit]:
    """Login OTP checks per client (429 past it)."""
    return [
        Limit(
            f"login-checks:{client.address}",
            policy.client_checks,
            QUARTER_HOUR_S,
            reason="too-many-checks",
        )
    ]


def wrong_otp_circuit(policy: AbusePolicy) -> Limit:
    """Wrong OTPs everywhere; while it is full, anonymous checks need a challenge."""
    return Limit("wrong-otps-global", policy.wrong_otps_circuit, MINUTE_S)
