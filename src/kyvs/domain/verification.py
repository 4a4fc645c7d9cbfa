"""A verification transaction: one provider's request to learn one person's status, by OTP.

A txn exists whether or not the name/mobile pair matched someone: an unmatched txn has no
beneficiary and an OTP nobody received, so it fails exactly like a wrong OTP would.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum

from kyvs.domain.otp import OtpPolicy


class TxnState(StrEnum):
    """Where a txn stands."""

    PENDING = "pending"
    VERIFIED = "verified"
    EXPIRED = "expired"
    LOCKED = "locked"


class Delivery(StrEnum):
    """What became of the txn's latest OTP SMS (internal: never shown to the provider).

    A txn starts `queued`; a matched txn becomes `sent` or `undelivered` once the carrier has
    answered (after its bounded retries), and `delivered` or `failed` when the gateway's
    delivery report comes. An unmatched txn has nothing to send and stays
    `queued`, which is why providers must never see this field: it would tell the two apart.
    """

    QUEUED = "queued"
    SENT = "sent"
    UNDELIVERED = "undelivered"
    # From the gateway's delivery report, later: the handset has it, or the route lost it.
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class VerificationTxn:
    """The stored state of one verification; `version` guards concurrent updates."""

    txn_id: str
    provider_id: str
    purpose: str
    language: str
    mobile_key: str
    beneficiary_ref: str | None
    otp_hash: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_sent_at: dt.datetime
    state: TxnState = TxnState.PENDING
    attempts: int = 0
    resends: int = 0
    version: int = 0
    result: str | None = None  # the disclosed result (JSON), kept for the CoWIN status call
    delivery: Delivery = Delivery.QUEUED

    def state_at(self, now: dt.datetime) -> TxnState:
        """The state as seen at `now` (a pending txn past its expiry is expired)."""
        if self.state is TxnState.PENDING and now >= self.expires_at:
            return TxnState.EXPIRED
        return self.state

    def attempts_left(self, policy: OtpPolicy) -> int:
        """Wrong OTPs still allowed before the txn locks."""
        return max(policy.max_attempts - self.attempts, 0)


@dataclass(frozen=True, slots=True)
class WrongOtp:
    """The OTP did not match; the txn may now be locked."""

    txn: VerificationTxn
    attempts_left: int


@dataclass(frozen=True, slots=True)
class Verified:
    """The OTP matched a txn for a registered person."""

    txn: VerificationTxn


def after_wrong_otp(txn: VerificationTxn, policy: OtpPolicy) -> WrongOtp:
    """Count a wrong OTP; the last allowed attempt locks the txn."""
    attempts = txn.attempts + 1
    state = TxnState.LOCKED if attempts >= policy.max_attempts else txn.state
    updated = replace(txn, attempts=attempts, state=state, version=txn.version + 1)
    return WrongOtp(updated, max(policy.max_attempts - attempts, 0))


def after_right_otp(txn: VerificationTxn, result_json: str) -> Verified:
    """Mark the txn verified (single use: a verified txn never verifies again)."""
    return Verified(
        replace(txn, state=TxnState.VERIFIED, result=result_json, version=txn.version + 1)
    )


def resend_wait_s(txn: VerificationTxn, policy: OtpPolicy, now: dt.datetime) -> int:
    """Seconds until a resend is allowed (0: now)."""
    ready = txn.last_sent_at + dt.timedelta(seconds=policy.resend_after_s)
    return max(int((ready - now).total_seconds() + 0.999), 0)


def after_resend(
    txn: VerificationTxn, policy: OtpPolicy, now: dt.datetime, new_hash: str
) -> VerificationTxn:
    """A resent OTP replaces the old one and gets a fresh lifetime."""
    return replace(
        txn,
        otp_hash=new_hash,
        resends=txn.resends + 1,
        last_sent_at=now,
        expires_at=now + dt.timedelta(seconds=policy.lifetime_s),
        delivery=Delivery.QUEUED,
        version=txn.version + 1,
    )


def after_delivery(txn: VerificationTxn, delivery: Delivery) -> VerificationTxn:
    """Record what the carrier did with the txn's latest OTP SMS."""
    return replace(txn, delivery=delivery, version=txn.version + 1)
