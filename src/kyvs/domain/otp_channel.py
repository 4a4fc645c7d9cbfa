"""How a citizen's OTPs reach them: by SMS (the default) or by WhatsApp.

A preference is stored under a keyed hash of the mobile, never the number itself: whoever reads
the table cannot tell whose preference a row is without the server's secret.
"""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum

from kyvs.domain.errors import InvalidInput
from kyvs.domain.mobile import MobileNumber

_LABEL = b"kyvs/otp-channel/"


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
    """The keyed hash a preference is stored under (HMAC-SHA256, hex): the same number gives
    the same key under one secret, and no number can be read back from it."""
    return hmac.new(secret, _LABEL + mobile.national.encode(), hashlib.sha256).hexdigest()
