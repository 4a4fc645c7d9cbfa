"""Hosted sessions: the no-code website flow, like a payment checkout.

The provider's server creates a session for one check; the person's browser runs the screens
on kyvs and goes back to the provider's allow-listed return URL with the signed result.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass, replace
from enum import StrEnum

from kyvs.domain.errors import DomainError, InvalidInput

SESSION_LIFETIME = dt.timedelta(minutes=15)
# Checks one session may start (details sent, an SMS on its way): a typo or two, not a search
# through someone else's mobile numbers.
MAX_STARTS = 3
# The provider's own value for its session, echoed in the attestation: URL-safe, at most 128.
NONCE_PATTERN = r"^[A-Za-z0-9_-]{1,128}$"
_NONCE = re.compile(NONCE_PATTERN)


class ReturnUrlNotAllowed(InvalidInput):
    """The return URL is not on the provider's allow-list (an exact match is required)."""

    slug = "return-url-not-allowed"
    title = "That return URL is not allowed for this provider"


class HostedSessionGone(DomainError):
    """The hosted session does not exist, or has expired."""

    slug = "hosted-session-not-found"
    title = "No such hosted session"


class HostedSessionExhausted(DomainError):
    """The session has started its `MAX_STARTS` checks; the provider must open a new one."""

    slug = "hosted-session-exhausted"
    title = "This hosted session has started all its checks"


class HostedOtpPending(DomainError):
    """Details were sent again while an OTP is on its way; "change details" goes back first."""

    slug = "hosted-otp-pending"
    title = "An OTP is already on its way for this hosted session"


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
    starts: int = 0  # checks started (details sent), at most `MAX_STARTS`
    browser_digest: str | None = None  # SHA-256 hex of the secret of the browser running it
    result_shown_at: dt.datetime | None = None  # the result page, with the result, is shown once
    nonce: str | None = None  # the provider's value, echoed in the attestation

    @property
    def step(self) -> HostedStep:
        """The screen to show."""
        if self.result is not None:
            return HostedStep.DONE
        return HostedStep.OTP if self.txn_id else HostedStep.DETAILS

    @property
    def starts_left(self) -> int:
        """Checks the session may still start."""
        return max(0, MAX_STARTS - self.starts)

    @property
    def claims(self) -> dict[str, str]:
        """What the attestation says of this session, for the provider to bind it to its own."""
        return {"hosted_session": self.session_id} | ({"nonce": self.nonce} if self.nonce else {})

    def expired(self, now: dt.datetime) -> bool:
        """True once the session's lifetime is over."""
        return now >= self.expires_at

    def check_can_start(self) -> None:
        """Refuse details unless on the details step with a start left."""
        if self.step is HostedStep.OTP:
            raise HostedOtpPending(
                'An OTP is already on its way; use "Change name or mobile" to send new details.'
            )
        if self.starts >= MAX_STARTS:
            raise HostedSessionExhausted(
                f"This check was started {MAX_STARTS} times; go back to the website and start "
                "again."
            )

    def belongs_to(self, browser_secret: str | None) -> bool:
        """True for the browser the session is bound to (any browser before it is bound)."""
        if self.browser_digest is None:
            return True
        return browser_secret is not None and hmac.compare_digest(
            self.browser_digest, browser_digest(browser_secret)
        )

    def with_txn(self, txn_id: str, browser_secret: str) -> HostedSession:
        """The session after the person's details started a verification, bound to their
        browser from the first start on."""
        return replace(
            self,
            txn_id=txn_id,
            starts=self.starts + 1,
            browser_digest=self.browser_digest or browser_digest(browser_secret),
            version=self.version + 1,
        )

    def with_result(self, attestation: str) -> HostedSession:
        """The session once verified, holding the signed result."""
        return replace(self, result=attestation, version=self.version + 1)

    def restarted(self) -> HostedSession:
        """Back to the details screen (new check within the same session)."""
        return replace(self, txn_id=None, version=self.version + 1)

    def result_shown(self, now: dt.datetime) -> HostedSession:
        """The session once its result page has been shown (later views only say it was sent)."""
        return replace(self, result_shown_at=now, version=self.version + 1)


def browser_digest(browser_secret: str) -> str:
    """What a session keeps of its browser's secret: the SHA-256 hex."""
    return hashlib.sha256(browser_secret.encode()).hexdigest()


def check_nonce(nonce: str | None) -> str | None:
    """The provider's nonce when it is 1 to 128 URL-safe characters (or none given)."""
    if nonce is not None and not _NONCE.fullmatch(nonce):
        raise InvalidInput("The nonce must be 1 to 128 characters of A-Z, a-z, 0-9, - and _.")
    return nonce


def check_return_url(return_url: str, allowed: tuple[str, ...]) -> str:
    """The return URL when it is exactly one of the provider's allow-listed URLs."""
    if return_url not in allowed:
        raise ReturnUrlNotAllowed(
            "The return URL must match one of the provider's allowed return URLs exactly; "
            "ask the kyvs operator to add it."
        )
    return return_url
