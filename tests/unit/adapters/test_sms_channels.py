"""PreferredChannelSms: WhatsApp first for citizens who chose it, SMS when WhatsApp surely did
not take the OTP, never both when it may have."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from kyvs.adapters.memory.channel_preferences import MemoryChannelPreferences
from kyvs.adapters.sms.channels import PreferredChannelSms
from kyvs.adapters.sms.memory import MemorySms
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.otp_channel import OtpChannel
from kyvs.ports import SmsMessage, SmsNotDelivered, SmsReceipt
from kyvs.services.sms_texts import example_sms_texts

pytestmark = pytest.mark.anyio

MOBILE = MobileNumber.parse("9876543210")


@dataclass
class FakeWhatsApp:
    """Takes messages, or raises `failure` each time it is set."""

    failure: SmsNotDelivered | None = None
    messages: list[SmsMessage] = field(default_factory=list)
    attempts: int = 0

    async def send(self, message: SmsMessage) -> SmsReceipt:
        self.attempts += 1
        if self.failure is not None:
            raise self.failure
        self.messages.append(message)
        return SmsReceipt("whatsapp", f"wamid.{len(self.messages)}")


def otp_message() -> SmsMessage:
    return example_sms_texts().citizen_login_otp(to=MOBILE, otp="482913", language="en")


async def channels(choice: OtpChannel | None, whatsapp: FakeWhatsApp):
    preferences = MemoryChannelPreferences(secret=b"k" * 32)
    if choice is not None:
        await preferences.set(MOBILE, choice)
    sms = MemorySms()
    return PreferredChannelSms(sms, whatsapp, preferences, failures_to_open=2), sms


@pytest.mark.parametrize("choice", [None, OtpChannel.SMS])
async def test_a_citizen_who_did_not_choose_whatsapp_gets_sms_only(choice):
    whatsapp = FakeWhatsApp()
    sender, _sms = await channels(choice, whatsapp)
    receipt = await sender.send(otp_message())
    assert receipt == SmsReceipt("memory", "memory-1")
    assert whatsapp.attempts == 0


async def test_a_citizen_who_chose_whatsapp_gets_it_by_whatsapp_only():
    whatsapp = FakeWhatsApp()
    sender, sms = await channels(OtpChannel.WHATSAPP, whatsapp)
    receipt = await sender.send(otp_message())
    assert receipt == SmsReceipt("whatsapp", "wamid.1")
    assert sms.messages == []


@pytest.mark.parametrize(
    "failure",
    [
        SmsNotDelivered("not a WhatsApp user", carrier_failing=False),
        SmsNotDelivered("credentials refused"),
        SmsNotDelivered("HTTP 503"),
    ],
)
async def test_when_whatsapp_surely_did_not_take_it_the_otp_comes_by_sms(failure):
    sender, sms = await channels(OtpChannel.WHATSAPP, FakeWhatsApp(failure))
    receipt = await sender.send(otp_message())
    assert receipt is not None and receipt.gateway == "memory"
    assert [m.text for m in sms.messages] == [otp_message().text]


async def test_when_whatsapp_may_have_taken_it_no_sms_carries_the_same_otp():
    unsure = SmsNotDelivered("ReadTimeout", maybe_taken=True)
    sender, sms = await channels(OtpChannel.WHATSAPP, FakeWhatsApp(unsure))
    with pytest.raises(SmsNotDelivered) as raised:
        await sender.send(otp_message())
    assert raised.value is unsure
    assert sms.messages == []


async def test_a_failing_whatsapp_is_skipped_for_a_while_then_tried_again():
    whatsapp = FakeWhatsApp(SmsNotDelivered("HTTP 503"))
    sender, sms = await channels(OtpChannel.WHATSAPP, whatsapp)
    now = [0.0]
    sender._monotonic = lambda: now[0]
    for _ in range(3):
        await sender.send(otp_message())
    assert whatsapp.attempts == 2  # the circuit opened after two failures
    assert len(sms.messages) == 3
    now[0] = 31.0
    whatsapp.failure = None
    receipt = await sender.send(otp_message())
    assert receipt == SmsReceipt("whatsapp", "wamid.1")


async def test_a_number_refused_by_whatsapp_does_not_open_its_circuit():
    whatsapp = FakeWhatsApp(SmsNotDelivered("not a WhatsApp user", carrier_failing=False))
    sender, _ = await channels(OtpChannel.WHATSAPP, whatsapp)
    for _ in range(4):
        await sender.send(otp_message())
    assert whatsapp.attempts == 4
