"""Domain errors. Each carries a stable slug that the web layer turns into a problem `type`."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    slug = "domain-error"
    title = "The request breaks a rule of the registry"
    status = 400  # the HTTP status the web edge answers with

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidInput(DomainError):
    """A value does not have the form the registry needs (a name, a mobile, a date...)."""

    slug = "invalid-input"
    title = "Invalid input"


class UnknownVaccine(InvalidInput):
    """A vaccine name or code that the catalogue does not know."""

    slug = "unknown-vaccine"
    title = "Unknown vaccine"


class InvalidPhotoId(InvalidInput):
    """A photo-ID number that breaks its document's rules (an Aadhaar's check digit, a PAN's form).

    The detail never holds the number, not even its last digits."""

    slug = "invalid-photo-id"
    title = "Invalid photo-ID number"


class MobileFull(DomainError):
    """The mobile number already holds the most people a mobile may hold."""

    slug = "mobile-full"
    title = "This mobile number already holds the maximum number of people"
    status = 409


class BeneficiaryNotFound(DomainError):
    """No beneficiary has that reference id."""

    slug = "beneficiary-not-found"
    title = "No beneficiary with that reference id"
    status = 404


class DuplicateDose(DomainError):
    """The beneficiary already has a dose with that number."""

    slug = "duplicate-dose"
    title = "That dose is already recorded"
    status = 409


class PurposeNotAllowed(DomainError):
    """The provider was not onboarded for this purpose."""

    slug = "purpose-not-allowed"
    title = "This provider may not check status for that purpose"
    status = 403


class RateLimited(DomainError):
    """A limit is full; `retry_after_s` says when to try again. `slug` names which limit."""

    title = "Too many requests"
    status = 429

    def __init__(self, detail: str, *, slug: str, retry_after_s: int) -> None:
        super().__init__(detail)
        self.slug = slug
        self.retry_after_s = retry_after_s


class TxnNotFound(DomainError):
    """No txn with that id belongs to the caller (another provider's txn reads as absent)."""

    slug = "txn-not-found"
    title = "No such verification"
    status = 404


class InvalidOtp(DomainError):
    """The OTP is wrong (or the pair matched nobody: the two are indistinguishable)."""

    slug = "invalid-otp"
    title = "The OTP is not correct"
    status = 400

    def __init__(self, detail: str, *, attempts_left: int) -> None:
        super().__init__(detail)
        self.attempts_left = attempts_left


class OtpExpired(DomainError):
    """The txn's OTP lifetime is over."""

    slug = "otp-expired"
    title = "The OTP has expired"
    status = 410


class TooManyAttempts(DomainError):
    """Too many wrong OTPs: the txn is locked."""

    slug = "too-many-attempts"
    title = "Too many wrong OTPs"
    status = 429


class TxnAlreadyUsed(DomainError):
    """The txn was already verified; an OTP works once."""

    slug = "txn-already-used"
    title = "This verification is already complete"
    status = 409


class ProviderUnauthorized(DomainError):
    """No valid API key (missing, malformed, unknown or revoked)."""

    slug = "invalid-api-key"
    title = "A valid X-Api-Key header is required"
    status = 401


class ProviderSuspended(DomainError):
    """The provider's access is suspended by an operator."""

    slug = "provider-suspended"
    title = "This provider is suspended"
    status = 403


class SessionInvalid(DomainError):
    """No valid citizen session (missing, expired or tampered token)."""

    slug = "invalid-session"
    title = "Log in again"
    status = 401


class SmsUnavailable(DomainError):
    """The SMS carrier is failing right now, so no OTP can be sent; retry after a while.

    Raised for every request alike while the circuit is open, matched pair or not."""

    slug = "sms-unavailable"
    title = "SMS delivery is failing right now"
    status = 503

    def __init__(self, detail: str, *, retry_after_s: int) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s
