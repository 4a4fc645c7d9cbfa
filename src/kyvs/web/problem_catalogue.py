"""The one catalogue of problem types: for each stable slug, its HTTP status, the sentence a page
shows (a catalog msgid, translated into every language), and what the CoWIN facade answers.

The domain names what went wrong (a slug and a detail); how it travels over HTTP is decided
here, at the web edge. A test checks that every slug anything can raise is here and has its
sentence in every language.
"""

from __future__ import annotations

from dataclasses import dataclass

from kyvs.domain.errors import DomainError

FALLBACK_TEXT = "Something went wrong. Please try again."


@dataclass(frozen=True, slots=True)
class ProblemType:
    """One problem `type`: status, page sentence, and CoWIN's code where CoWIN had one."""

    slug: str
    status: int
    page_text: str
    cowin_code: str | None = None  # else the facade answers KYVS_<SLUG>
    cowin_status: int | None = None  # where CoWIN answers another status than the native API
    cowin_message: str | None = None  # CoWIN's fixed message, where it has one (else the detail)
    cowin_example: str | None = None  # the facade's documented example for its status
    documented: bool = True  # listed in the OpenAPI document (False: pages, CLI or facade only)

    @property
    def facade_code(self) -> str:
        """The `errorCode` the CoWIN facade answers with."""
        return self.cowin_code or "KYVS_" + self.slug.upper().replace("-", "_")

    @property
    def facade_status(self) -> int:
        """The HTTP status the CoWIN facade answers with."""
        return self.cowin_status or self.status


CATALOGUE: tuple[ProblemType, ...] = (
    # 400
    ProblemType("invalid-input", 400, "Please check the full name and the 10-digit mobile number."),
    ProblemType(
        "invalid-otp",
        400,
        "The OTP is not correct.",
        cowin_code="USRAUT0014",
        cowin_status=401,
        cowin_message="Invalid OTP",
        cowin_example="Invalid OTP",
    ),
    ProblemType(  # the CoWIN facade only: its confirm calls take sha256(OTP)
        "otp-not-hashed",
        400,
        "The OTP is not correct.",
        cowin_code="USRAUT0014",
        cowin_message="Send the SHA-256 hex of the OTP, not the OTP itself",
        cowin_example="Send the SHA-256 hex of the OTP, not the OTP itself",
        documented=False,
    ),
    ProblemType("unknown-vaccine", 400, "Unknown vaccine: check the name on your certificate."),
    ProblemType(
        "invalid-photo-id",
        400,
        "The photo-ID number is not valid. Check it against the document.",
    ),
    ProblemType(
        "return-url-not-allowed",
        400,
        "This website's return address is not registered with kyvs. Contact the website.",
    ),
    ProblemType("domain-error", 400, FALLBACK_TEXT, documented=False),
    # Any route, for a Host the deployment does not serve (kyvs.web.trusted_hosts).
    ProblemType("untrusted-host", 400, FALLBACK_TEXT, documented=False),
    # 401
    ProblemType(
        "invalid-api-key",
        401,
        "This organisation's access key is not valid. Contact the organisation.",
    ),
    ProblemType("invalid-session", 401, "Please log in again."),
    # 403
    ProblemType(
        "provider-suspended",
        403,
        "Your organisation's access is suspended.",
        cowin_example="This provider is suspended; contact the kyvs operator.",
    ),
    ProblemType("purpose-not-allowed", 403, "This purpose is not allowed for your organisation."),
    ProblemType("csrf-failed", 403, "This form has expired. Please try again.", documented=False),
    ProblemType(  # anonymous OTP routes under abuse: the body carries `challenge`
        "challenge-required", 403, "Please wait a moment, then try again."
    ),
    # 404
    ProblemType("not-found", 404, "There is no page at this address."),
    ProblemType(
        "txn-not-found",
        404,
        "This check was not found. Start a new check.",
        cowin_example="No verification with that txn id.",
    ),
    ProblemType("beneficiary-not-found", 404, "No such person on your mobile."),
    ProblemType("share-link-not-found", 404, "This status link is no longer valid."),
    ProblemType("provider-not-found", 404, "No such provider."),
    ProblemType("correction-not-found", 404, "This correction request was not found."),
    ProblemType("breach-not-found", 404, FALLBACK_TEXT, documented=False),  # the CLI only
    ProblemType("consent-not-found", 404, "This consent was not found among your records."),
    ProblemType(  # the operator's CLI
        "grievance-not-found", 404, "This grievance was not found.", documented=False
    ),
    ProblemType(
        "hosted-session-not-found",
        404,
        "This check has expired. Go back to the website and start again.",
    ),
    # 405 to 415
    ProblemType("method-not-allowed", 405, "This page cannot be used that way."),
    ProblemType("not-acceptable", 406, FALLBACK_TEXT, documented=False),
    ProblemType("request-timeout", 408, "The connection was too slow. Please try again."),
    ProblemType(
        "txn-already-used",
        409,
        "This check is already complete.",
        cowin_example="This verification is already complete.",
    ),
    ProblemType(
        "mobile-full",
        409,
        "This mobile number already holds the most people it can.",
        documented=False,  # the operator's CLI and imports
    ),
    ProblemType("duplicate-dose", 409, "That dose is already recorded.", documented=False),
    ProblemType(
        "hosted-session-exhausted",
        409,
        "This check was started too many times. Go back to the website and start again.",
        documented=False,  # the hosted pages only
    ),
    ProblemType(
        "hosted-otp-pending",
        409,
        "An OTP was already sent for this check. Enter it, or change the name or mobile first.",
        documented=False,  # the hosted pages only
    ),
    ProblemType(
        "otp-expired",
        410,
        "The OTP has expired. Start a new check.",
        cowin_code="USRAUT0014",
        cowin_status=401,
        cowin_message="Invalid OTP",
    ),
    ProblemType(  # a provider's fetch of a result whose consent the person withdrew
        "consent-withdrawn",
        410,
        "The person withdrew their consent to this result.",
        cowin_status=401,  # the facade answers as for a result it does not hold
    ),
    ProblemType("payload-too-large", 413, "What was sent is too large."),
    ProblemType("unsupported-media-type", 415, FALLBACK_TEXT, documented=False),
    ProblemType("sms-report-invalid", 400, FALLBACK_TEXT, documented=False),  # gateways only
    ProblemType(
        "validation-error",
        422,
        "Please check the full name and the 10-digit mobile number.",
        cowin_example="mobile_number: Field required",
    ),
    # 429
    ProblemType(
        "rate-limited",
        429,
        "Too many checks right now. Try again in a minute.",
        cowin_example="Too many requests from this API key; slow down.",
    ),
    ProblemType("quota-exhausted", 429, "Today's number of checks is used up."),
    ProblemType(
        "too-many-otps-for-mobile",
        429,
        "Too many OTPs were sent to this mobile recently. Try again later.",
    ),
    ProblemType("too-many-attempts", 429, "Too many wrong OTPs. Start a new check."),
    ProblemType(
        "too-many-checks", 429, "Too many OTPs were tried from this device. Try again later."
    ),
    ProblemType(
        "too-many-checks-for-mobile",
        429,
        "Too many OTPs were tried for this mobile today. Try again tomorrow.",
    ),
    ProblemType(
        "service-busy", 429, "Too many people are logging in right now. Try again in a minute."
    ),
    ProblemType("resend-too-soon", 429, "Please wait before asking for another OTP."),
    ProblemType(
        "too-many-resends",
        429,
        "No more OTPs can be sent for this check. Start a new check.",
    ),
    # 5xx
    ProblemType("internal-error", 500, FALLBACK_TEXT),
    ProblemType(
        "service-unavailable",
        503,
        "The service is briefly unavailable. Please try again in a few seconds.",
    ),
    ProblemType(
        "sms-unavailable", 503, "SMS delivery is failing right now, so no OTP can be sent."
    ),
    ProblemType(
        "not-ready",
        503,
        "The service is briefly unavailable. Please try again in a few seconds.",
    ),
    ProblemType(  # card images (no fonts-noto-core); also the notice of the card's page
        "share-card-unavailable",
        503,
        "The card picture cannot be made right now. The status link still works.",
        documented=False,
    ),
)
BY_SLUG: dict[str, ProblemType] = {problem.slug: problem for problem in CATALOGUE}

# What a page says for an `invalid-input` that names its reason (`InvalidInput.reason_id`),
# instead of the generic sentence about the name and mobile.
REASONS: dict[str, str] = {
    "share-days": "A share link lasts 1 to 365 days: type a whole number of days.",
    "otp-channel": "Choose SMS or WhatsApp.",
    "date": "That date does not exist or is not written as YYYY-MM-DD, like 2021-05-01.",
    "which-dose": "Say which dose (its number, 1 to 9) is wrong.",
    "no-such-dose": "This person has no dose with that number.",
    "add-dose-needs": "Adding a dose needs its vaccine and its date.",
    "change-what": "Say what the right vaccine or date is.",
    "correction-action": "Choose whether a dose should be added, changed or removed.",
    "note": "The note is too long: at most 500 characters.",
    "name-on-card": "Choose how the name is shown on the card.",
    "grievance-subject": "Choose what the grievance is about.",
    "grievance-text": "Write your grievance in 1 to 2000 characters.",
}


def problem_type(slug: str) -> ProblemType:
    """The catalogue entry of `slug` (a generic 400 for one the catalogue lacks: a test keeps
    that from happening)."""
    return BY_SLUG.get(slug) or ProblemType(slug, 400, FALLBACK_TEXT)


def http_status(error: DomainError) -> int:
    """The HTTP status `error` is answered with."""
    return problem_type(error.slug).status


def slugs_by_status() -> dict[int, tuple[str, ...]]:
    """The problem types each HTTP status may carry (for the OpenAPI document)."""
    grouped: dict[int, list[str]] = {}
    for problem in CATALOGUE:
        if problem.documented:
            grouped.setdefault(problem.status, []).append(problem.slug)
    return {status: tuple(slugs) for status, slugs in sorted(grouped.items())}


def cowin_example(status: int) -> tuple[str, str]:
    """The CoWIN-shaped example (`errorCode`, `error`) documented for `status`."""
    problem = next(p for p in CATALOGUE if p.facade_status == status and p.cowin_example)
    assert problem.cowin_example is not None  # noqa: S101 - selected for having one
    return problem.facade_code, problem.cowin_example
