"""What a page says for a problem: its sentence from the problem catalogue, translated."""

from __future__ import annotations

from kyvs.domain.errors import DomainError, InvalidOtp, RetryLater
from kyvs.i18n import translator
from kyvs.web.problem_catalogue import REASONS, problem_type

# On an OTP screen whenever SMS delivery failed (for anyone) while the check was open: the same
# for every check, whether or not the name and mobile matched someone.
SMS_NOTICE = (
    "SMS delivery is failing right now, so the OTP may not arrive. Try again in a few minutes."
)


def sms_notice(language: str) -> str:
    """The localized notice that SMS delivery is failing (for OTP screens and txn states)."""
    return translator(language).gettext(SMS_NOTICE)


def slug_text(slug: str, language: str) -> str:
    """The localized sentence for a problem type."""
    return translator(language).gettext(problem_type(slug).page_text)


def problem_text(error: DomainError, language: str) -> str:
    """The localized sentence to show for `error` (with attempts left or the wait)."""
    words = translator(language)
    reason = getattr(error, "reason_id", None)
    text = words.gettext(REASONS[reason]) if reason in REASONS else slug_text(error.slug, language)
    if isinstance(error, InvalidOtp) and error.attempts_left is not None:
        left = error.attempts_left
        text += " " + words.nformat(
            "{count} attempt left", "{count} attempts left", left, count=left
        )
    if isinstance(error, RetryLater):
        wait = error.retry_after_s
        text += " " + words.nformat(
            "Try again in {seconds} second.", "Try again in {seconds} seconds.", wait, seconds=wait
        )
    return text
