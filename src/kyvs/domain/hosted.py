"""Hosted sessions: the no-code website flow, like a payment checkout.

The provider's server creates a session for one check; the person's browser runs the screens
on kyvs and goes back to the provider's allow-listed return URL with the signed result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum

from kyvs.domain.errors import DomainError, InvalidInput

SESSION_LIFETIME = dt.timedelta(minutes=15)


class ReturnUrlNotAllowed(InvalidInput):
    """The return URL is not on the provider's allow-list (an exact match is required)."""

    slug = "return-url-not-allowed"
    title = "That return URL is not allowed for this provider"


class HostedSessionGone(DomainError):
    """The hosted session does not exist, or has expired."""

    slug = "hosted-session-not-found"
    title = "No such hosted session"


class HostedStep(StrEnum):
    """Which screen the person's browser is on."""

    DETAILS = "details"  # enter full name and mobile
    OTP = "otp"  # enter the OTP
    DONE = "done"  # verified: go back to the provider


@dataclass(frozen=True, slots=True)
class HostedSession:
    """One website check: who asked, where the browser goes back, and how far it got."""

    session_id: str
    provider_id: str
    return_url: str
    purpose: str
    language: str
    created_at: dt.datetime
    expires_at: dt.datetime
    txn_id: str | None = None
    result: str | None = None
    version: int = 0

    @property
    def step(self) -> HostedStep:
        """The screen to show."""
        if self.result is not None:
            return HostedStep.DONE
        return HostedStep.OTP if self.txn_id else HostedStep.DETAILS

    def expired(self, now: dt.datetime) -> bool:
        """True once the session's lifetime is over."""
        return now >= self.expires_at

    def with_txn(self, txn_id: str) -> HostedSession:
        """The session after the person's details started a verification."""
        return replace(self, txn_id=txn_id, version=self.version + 1)

    def with_result(self, attestation: str) -> HostedSession:
        """The session once verified, holding the signed result."""
        return replace(self, result=attestation, version=self.version + 1)

    def restarted(self) -> HostedSession:
        """Back to the details screen (new check within the same session)."""
        return replace(self, txn_id=None, version=self.version + 1)


def check_return_url(return_url: str, allowed: tuple[str, ...]) -> str:
    """The return URL when it is exactly one of the provider's allow-listed URLs."""
    if return_url not in allowed:
        raise ReturnUrlNotAllowed(
            "The return URL must match one of the provider's allowed return URLs exactly; "
            "ask the kyvs operator to add it."
        )
    return return_url
