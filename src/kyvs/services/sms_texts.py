"""The SMS kyvs sends, in the person's language: OTPs for a verification and for citizen login."""

from __future__ import annotations

import re

from kyvs.domain.mobile import MobileNumber
from kyvs.i18n import translator
from kyvs.ports import SmsMessage

VERIFICATION_OTP = "verification-otp"
CITIZEN_LOGIN_OTP = "citizen-login-otp"

# Plural messages whose English forms are alike ("1 min", "3 min"); the translations differ by
# count in some languages (Marathi "1 मिनिट", "3 मिनिटे").
VERIFICATION_TEXT = (
    "{provider} asks for your vaccination status for {purpose}. OTP {otp}. "
    "Share it only if you agree. Valid {minutes} min. -kyvs"
)
CITIZEN_LOGIN_TEXT = (
    "{otp} is your kyvs login OTP. Valid {minutes} min. Do not share it with anyone. -kyvs"
)

# India's DLT SMS templates allow at most 30 characters per variable; a longer provider name
# would also push an Indic SMS into a fourth UCS-2 segment.
MAX_PROVIDER_CHARS = 30
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def verification_otp_sms(
    *,
    to: MobileNumber,
    otp: str,
    provider_name: str,
    purpose_label: str,
    minutes: int,
    language: str,
) -> SmsMessage:
    """The SMS asking a person to consent to a provider's check; names provider and purpose."""
    words = translator(language)
    text = words.nformat(
        VERIFICATION_TEXT,
        VERIFICATION_TEXT,
        minutes,
        provider=provider_display_name(provider_name),
        purpose=words.gettext(purpose_label),
        otp=_checked_otp(otp),
        minutes=minutes,
    )
    return SmsMessage(to=to, text=text, category=VERIFICATION_OTP, language=words.language)


def citizen_login_otp_sms(*, to: MobileNumber, otp: str, minutes: int, language: str) -> SmsMessage:
    """The SMS carrying a citizen's login OTP."""
    words = translator(language)
    text = words.nformat(
        CITIZEN_LOGIN_TEXT, CITIZEN_LOGIN_TEXT, minutes, otp=_checked_otp(otp), minutes=minutes
    )
    return SmsMessage(to=to, text=text, category=CITIZEN_LOGIN_OTP, language=words.language)


def provider_display_name(name: str) -> str:
    """The provider's name on one line, at most `MAX_PROVIDER_CHARS` characters."""
    flat = " ".join(_UNPRINTABLE.sub(" ", name).split())
    if len(flat) <= MAX_PROVIDER_CHARS:
        return flat
    return flat[: MAX_PROVIDER_CHARS - 3].rstrip() + "..."


def _checked_otp(otp: str) -> str:
    if not (otp.isascii() and otp.isdigit()):
        raise ValueError("an OTP is ASCII digits")
    return otp
