"""OTP channel preferences in a dict, under the same keyed hash as the database: the test double."""

from __future__ import annotations

from dataclasses import dataclass, field

from kyvs.domain.mobile import MobileNumber
from kyvs.domain.otp_channel import DEFAULT_CHANNEL, OtpChannel, mobile_key


@dataclass
class MemoryChannelPreferences:
    """Keeps each choice by the keyed hash of the mobile (`chosen` never holds a number)."""

    secret: bytes
    chosen: dict[str, OtpChannel] = field(default_factory=dict)

    async def get(self, mobile: MobileNumber) -> OtpChannel:
        """The channel chosen for `mobile`, else SMS."""
        return self.chosen.get(mobile_key(self.secret, mobile), DEFAULT_CHANNEL)

    async def set(self, mobile: MobileNumber, channel: OtpChannel) -> None:
        """Choose `channel` for `mobile`."""
        self.chosen[mobile_key(self.secret, mobile)] = OtpChannel(channel)

    async def forget(self, mobile: MobileNumber) -> bool:
        """Erase the choice for `mobile`; False when there was none."""
        return self.chosen.pop(mobile_key(self.secret, mobile), None) is not None
