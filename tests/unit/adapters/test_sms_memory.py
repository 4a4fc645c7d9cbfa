"""The in-memory SMS sender that service tests use in place of a carrier."""

from __future__ import annotations

import pytest

from kyvs.adapters.sms.memory import MemorySms
from kyvs.domain.mobile import MobileNumber
from kyvs.ports import SmsMessage, SmsNotDelivered, SmsSender

pytestmark = pytest.mark.anyio

ASHA = MobileNumber("9876543210")
RAVI = MobileNumber("9123456780")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def a_message(to: MobileNumber = ASHA, text: str = "123456 is your kyvs login OTP.") -> SmsMessage:
    return SmsMessage(to=to, text=text, category="citizen-login-otp", language="en")


async def test_sent_messages_are_kept_in_order():
    sms: SmsSender = MemorySms()
    await sms.send(a_message(text="first"))
    await sms.send(a_message(RAVI, text="second"))
    assert isinstance(sms, MemorySms)
    assert [m.text for m in sms.messages] == ["first", "second"]
    assert sms.last.text == "second"
    assert [m.text for m in sms.to(ASHA)] == ["first"]


async def test_it_can_be_told_to_fail_a_number_of_times():
    sms = MemorySms(fail_times=2)
    for _ in range(2):
        with pytest.raises(SmsNotDelivered):
            await sms.send(a_message())
    await sms.send(a_message())
    assert sms.attempts == 3
    assert len(sms.messages) == 1
    assert sms.fail_times == 0
