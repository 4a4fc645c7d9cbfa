"""The one OTP screen of the pages (console, hosted flow, `/me`): what it shows comes from the
OTP engine's `OtpScreen`, how the typed OTP is cleaned from the engine's `clean_otp`."""

from __future__ import annotations

from typing import Any

from kyvs.services.otp_engine import OtpScreen
from kyvs.web.pages.messages import sms_notice


def otp_screen_context(
    screen: OtpScreen,
    language: str,
    *,
    otp_action: str,
    resend_action: str,
    attempts_left: int | None = None,
    challenge: str | None = None,
) -> dict[str, Any]:
    """The template values of `*/otp.html`: digits, countdowns, actions and the SMS notice;
    `challenge` (JSON) is one the server asked for, which the page solves before it sends."""
    return {
        "challenge": challenge,
        "otp_action": otp_action,
        "resend_action": resend_action,
        "otp_length": screen.otp_length,
        "expires_at": screen.expires_at.isoformat(),
        "resend_at": screen.resend_at.isoformat(),
        "attempts_left": attempts_left,
        "sms_notice": sms_notice(language) if screen.sms_failing else None,
    }
