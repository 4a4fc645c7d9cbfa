"""OTPs by the channel each citizen chose: WhatsApp first for those who chose it, else SMS.

When WhatsApp surely did not take a message (the number is not on WhatsApp, WhatsApp is down or
refused the account), the OTP goes by SMS instead, so it still arrives. When WhatsApp may have
taken it (its answer never came) it goes nowhere else: a citizen never gets one OTP twice by two
channels. WhatsApp failing again and again is skipped for a while (a circuit of its own), so its
outage costs the citizens who chose it no waiting before their SMS.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from kyvs.adapters.sms.failover import GatewayCircuit
from kyvs.domain.otp_channel import OtpChannel
from kyvs.ports import ChannelPreferences, SmsMessage, SmsNotDelivered, SmsReceipt, SmsSender

log = logging.getLogger(__name__)


class PreferredChannelSms:
    """An `SmsSender` that sends by WhatsApp to those who chose it, by SMS otherwise."""

    def __init__(
        self,
        sms: SmsSender,
        whatsapp: SmsSender,
        preferences: ChannelPreferences,
        *,
        failures_to_open: int = 3,
        open_s: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sms = sms
        self.whatsapp = whatsapp
        self.preferences = preferences
        self.circuit = GatewayCircuit(failures_to_open, open_s)
        self._monotonic = monotonic

    async def send(self, message: SmsMessage) -> SmsReceipt | None:
        """Send by the citizen's channel; fall back to SMS only when WhatsApp surely did not
        take the message (raise WhatsApp's failure when it may have)."""
        try:
            chosen = await self.preferences.get(message.to)
        except Exception:  # the choice cannot be read: SMS, which everyone can get
            log.warning("OTP (%s) by SMS: the channel choice cannot be read", message.category)
            chosen = OtpChannel.SMS
        if chosen is not OtpChannel.WHATSAPP:
            return await self.sms.send(message)
        if self.circuit.is_open(self._monotonic()):
            log.warning("OTP (%s) by SMS: WhatsApp is failing (circuit open)", message.category)
            return await self.sms.send(message)
        try:
            receipt = await self.whatsapp.send(message)
        except SmsNotDelivered as error:
            if error.carrier_failing:
                self.circuit.failed(self._monotonic())
            if error.maybe_taken:
                raise
            log.warning("OTP (%s) by SMS: WhatsApp did not take it", message.category)
            return await self.sms.send(message)
        self.circuit.succeeded()
        return receipt
