"""What a page says for each problem type, as catalog msgids (translated when rendered)."""

from __future__ import annotations

from kyvs.domain.errors import DomainError, InvalidOtp, RateLimited, SmsUnavailable
from kyvs.i18n import translator

_MESSAGES = {
    "invalid-otp": "The OTP is not correct.",
    "otp-expired": "The OTP has expired. Start a new check.",
    "too-many-attempts": "Too many wrong OTPs. Start a new check.",
    "txn-already-used": "This check is already complete.",
    "resend-too-soon": "Please wait before asking for another OTP.",
    "too-many-resends": "No more OTPs can be sent for this check. Start a new check.",
    "too-many-otps-for-mobile": "Too many OTPs were sent to this mobile recently. Try again later.",
    "rate-limited": "Too many checks right now. Try again in a minute.",
    "quota-exhausted": "Today's number of checks is used up.",
    "invalid-input": "Please check the full name and the 10-digit mobile number.",
    "purpose-not-allowed": "This purpose is not allowed for your organisation.",
    "provider-suspended": "Your organisation's access is suspended.",
    "csrf-failed": "This form has expired. Please try again.",
    "txn-not-found": "This check was not found. Start a new check.",
    "hosted-session-not-found": "This check has expired. Go back to the website and start again.",
    "invalid-session": "Please log in again.",
    "share-link-not-found": "This status link is no longer valid.",
    "beneficiary-not-found": "No such person on your mobile.",
    "provider-not-found": "No such provider.",
    "unknown-vaccine": "Unknown vaccine: check the name on your certificate.",
    "sms-unavailable": "SMS delivery is failing right now, so no OTP can be sent.",
    "service-unavailable": "The service is briefly unavailable. Please try again in a few seconds.",
    "request-timeout": "The connection was too slow. Please try again.",
}
# On an OTP screen whenever SMS delivery failed (for anyone) while the check was open: the same
# for every check, whether or not the name and mobile matched someone.
SMS_NOTICE = (
    "SMS delivery is failing right now, so the OTP may not arrive. Try again in a few minutes."
)
_FALLBACK = "Something went wrong. Please try again."


def sms_notice(language: str) -> str:
    """The localized notice that SMS delivery is failing (for OTP screens and txn states)."""
    return translator(language).gettext(SMS_NOTICE)


def slug_text(slug: str, language: str) -> str:
    """The localized sentence for a problem type."""
    return translator(language).gettext(_MESSAGES.get(slug, _FALLBACK))


def problem_text(error: DomainError, language: str) -> str:
    """The localized sentence to show for `error` (with attempts left or the wait)."""
    words = translator(language)
    text = slug_text(error.slug, language)
    if isinstance(error, InvalidOtp):
        left = error.attempts_left
        text += " " + words.nformat(
            "{count} attempt left", "{count} attempts left", left, count=left
        )
    if isinstance(error, RateLimited | SmsUnavailable):
        wait = error.retry_after_s
        text += " " + words.nformat(
            "Try again in {seconds} second.", "Try again in {seconds} seconds.", wait, seconds=wait
        )
    return text
