"""Domain errors. Each carries a stable slug that the web layer turns into a problem `type`
(and, by its catalogue, an HTTP status and a sentence in every language)."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    slug = "domain-error"
    title = "The request breaks a rule of the registry"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class SmsReportInvalid(DomainError):
    """A gateway's delivery report cannot be read (its detail never echoes the report)."""

    slug = "sms-report-invalid"
    title = "The delivery report cannot be read"


class InvalidInput(DomainError):
    """A value does not have the form the registry needs (a name, a mobile, a date...).

    `reason_id` names which rule was broken (`share-days`, `date`...), so that a page can say
    the real reason in the reader's language; the API's `type` stays `invalid-input`.
    """

    slug = "invalid-input"
    title = "Invalid input"

    def __init__(self, detail: str, *, reason_id: str | None = None) -> None:
        super().__init__(detail)
        self.reason_id = reason_id


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


class BeneficiaryNotFound(DomainError):
    """No beneficiary has that reference id."""

    slug = "beneficiary-not-found"
    title = "No beneficiary with that reference id"


class DuplicateDose(DomainError):
    """The beneficiary already has a dose with that number."""

    slug = "duplicate-dose"
    title = "That dose is already recorded"


class PurposeNotAllowed(DomainError):
    """The provider was not onboarded for this purpose."""

    slug = "purpose-not-allowed"
    title = "This provider may not check status for that purpose"


class RetryLater(DomainError):
    """Nothing the caller sent is wrong, but it cannot be done now: `retry_after_s` says when
    to try again (the web sends it as `Retry-After`)."""

    def __init__(self, detail: str, *, retry_after_s: int) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


class RateLimited(RetryLater):
    """A limit is full; `retry_after_s` says when to try again. `slug` names which limit."""

    title = "Too many requests"

    def __init__(self, detail: str, *, slug: str, retry_after_s: int) -> None:
        super().__init__(detail, retry_after_s=retry_after_s)
        self.slug = slug


class ChallengeRequired(DomainError):
    """An anonymous request needs a solved proof-of-work challenge (a client or a mobile has
    shown abuse, or wrong OTPs are surging): `challenge` is the one to solve, as JSON."""

    slug = "challenge-required"
    title = "Solve the challenge, then send the request again"

    def __init__(self, detail: str, *, challenge: dict[str, object]) -> None:
        super().__init__(detail)
        self.challenge = challenge


class TxnNotFound(DomainError):
    """No txn with that id belongs to the caller (another provider's txn reads as absent)."""

    slug = "txn-not-found"
    title = "No such verification"


class InvalidOtp(DomainError):
    """The OTP is wrong (or the pair matched nobody: the two are indistinguishable)."""

    slug = "invalid-otp"
    title = "The OTP is not correct"

    def __init__(self, detail: str, *, attempts_left: int | None) -> None:
        super().__init__(detail)
        self.attempts_left = attempts_left


class OtpExpired(DomainError):
    """The txn's OTP lifetime is over."""

    slug = "otp-expired"
    title = "The OTP has expired"


class TooManyAttempts(DomainError):
    """Too many wrong OTPs: the txn is locked."""

    slug = "too-many-attempts"
    title = "Too many wrong OTPs"


class TxnAlreadyUsed(DomainError):
    """The txn was already verified; an OTP works once."""

    slug = "txn-already-used"
    title = "This verification is already complete"


class ProviderUnauthorized(DomainError):
    """No valid API key (missing, malformed, unknown or revoked)."""

    slug = "invalid-api-key"
    title = "A valid X-Api-Key header is required"


class ProviderSuspended(DomainError):
    """The provider's access is suspended by an operator."""

    slug = "provider-suspended"
    title = "This provider is suspended"


class SessionInvalid(DomainError):
    """No valid citizen session (missing, expired or tampered token)."""

    slug = "invalid-session"
    title = "Log in again"


class SmsUnavailable(RetryLater):
    """The SMS carrier is failing right now, so no OTP can be sent; retry after a while.

    Raised for every request alike while the circuit is open, matched pair or not."""

    slug = "sms-unavailable"
    title = "SMS delivery is failing right now"


class ShareCardUnavailable(RetryLater):
    """A share card cannot be drawn on this server (its fonts or text shaper are not installed);
    the share link still works."""

    slug = "share-card-unavailable"
    title = "Share cards are unavailable"
