"""OTP rules (SECURITY.md): generation, keyed hashing, and the limits that bound their use."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

MAX_LIFETIME_S = 600
NIST_FAILED_PER_DAY = 100  # NIST SP 800-63B 5.2.2: at most 100 failed attempts


class OtpBudget(Enum):
    """Whose OTPs a mobile's caps count. Providers' verifications and the citizen's own logins
    have separate budgets, so nobody can spend what the other needs: anyone may ask for a login
    OTP for any mobile, but only a provider (with a key or a staff login) for a verification."""

    VERIFICATION = "verification"
    CITIZEN_LOGIN = "citizen-login"


@dataclass(frozen=True, slots=True)
class OtpPolicy:
    """How long an OTP lives, how often it may be tried and resent, and per-mobile caps."""

    length: int = 6
    lifetime_s: int = 180
    max_attempts: int = 3
    resend_after_s: int = 30
    max_resends: int = 2
    per_mobile_per_hour: int = 5
    per_mobile_per_day: int = 20
    logins_per_mobile_per_hour: int = 3
    logins_per_mobile_per_day: int = 10
    # OTP checks (right or wrong) per mobile and UTC day, counted exactly: together at most
    # NIST's 100, split so that strangers' login guesses never use the verifications' share.
    checks_per_mobile_per_day: int = 70
    login_checks_per_mobile_per_day: int = 30

    def __post_init__(self) -> None:
        if not 0 < self.lifetime_s <= MAX_LIFETIME_S:
            raise ValueError(f"an OTP lives at most {MAX_LIFETIME_S} seconds")
        if self.length < 6:
            raise ValueError("an OTP has at least 6 digits (NIST SP 800-63B)")
        if self.checks_per_mobile_per_day + self.login_checks_per_mobile_per_day > (
            NIST_FAILED_PER_DAY
        ):
            raise ValueError("at most 100 OTP checks per mobile a day (NIST SP 800-63B)")

    def per_hour(self, budget: OtpBudget) -> int:
        """OTPs per mobile per hour that `budget` may send."""
        if budget is OtpBudget.CITIZEN_LOGIN:
            return self.logins_per_mobile_per_hour
        return self.per_mobile_per_hour

    def per_day(self, budget: OtpBudget) -> int:
        """OTPs per mobile per day that `budget` may send."""
        if budget is OtpBudget.CITIZEN_LOGIN:
            return self.logins_per_mobile_per_day
        return self.per_mobile_per_day

    def checks_per_day(self, budget: OtpBudget) -> int:
        """OTP checks per mobile per UTC day that `budget` may make."""
        if budget is OtpBudget.CITIZEN_LOGIN:
            return self.login_checks_per_mobile_per_day
        return self.checks_per_mobile_per_day

    @property
    def lifetime_minutes(self) -> int:
        """The lifetime in whole minutes (at least 1), as the SMS tells it."""
        return max(self.lifetime_s // 60, 1)


def new_otp(policy: OtpPolicy, randbelow: Callable[[int], int]) -> str:
    """A fresh OTP of `policy.length` digits; pass `secrets.randbelow`."""
    return f"{randbelow(10**policy.length):0{policy.length}d}"


def otp_digest(otp: str) -> str:
    """SHA-256 hex of an OTP: what CoWIN clients send to confirm."""
    return hashlib.sha256(otp.encode()).hexdigest()


def otp_hash(secret: bytes, txn_id: str, digest_hex: str) -> str:
    """The keyed hash stored for a txn's OTP: HMAC over the txn id and the OTP's SHA-256.

    Hashing the SHA-256 (not the OTP) lets one stored value serve both the native API (which
    receives the OTP) and the CoWIN facade (which receives its SHA-256).
    """
    message = f"{txn_id}:{digest_hex.lower()}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def otp_matches(secret: bytes, txn_id: str, digest_hex: str, stored: str) -> bool:
    """True when `digest_hex` is the SHA-256 of the txn's OTP (constant-time comparison)."""
    return hmac.compare_digest(otp_hash(secret, txn_id, digest_hex), stored)


def mobile_key(secret: bytes, national_number: str) -> str:
    """A keyed hash of a mobile number, so limits can count per mobile without storing it."""
    return hmac.new(secret, f"mobile:{national_number}".encode(), hashlib.sha256).hexdigest()[:32]
