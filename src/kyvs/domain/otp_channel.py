"""How a citizen's OTPs reach them: by SMS (the default) or by WhatsApp.

A preference is stored under a keyed hash of the mobile, never the number itself: whoever reads
the table cannot tell whose preference a row is without the server's secret.
"""

from __future__ import annotations

from enum import StrEnum

from kyvs.domain import otp as otps
from kyvs.domain.errors import InvalidInput
from kyvs.domain.mobile import MobileNumber


class OtpChannel(StrEnum):
    """The channels an OTP can go by."""

    SMS = "sms"
    WHATSAPP = "whatsapp"

    @classmethod
    def parse(cls, value: str) -> OtpChannel:
        """The channel `value` names, or `InvalidInput` (reason `otp-channel`)."""
        try:
            return cls(value.strip().lower())
        except ValueError:
            raise InvalidInput("The channel is sms or whatsapp.", reason_id="otp-channel") from None


DEFAULT_CHANNEL = OtpChannel.SMS


def mobile_key(secret: bytes, mobile: MobileNumber) -> str:
    """The keyed hash a preference is stored under: the one the limits count a mobile by
    (`domain.otp.mobile_key`), so no number can be read back from it."""
    return otps.mobile_key(secret, mobile.national)
