"""KYVS_WHATSAPP_*: off by default; on, it needs its phone number id and token, and `bootstrap`
puts the citizens' channel choice in front of the SMS carrier."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kyvs.adapters.sms.channels import PreferredChannelSms
from kyvs.adapters.sms.memory import MemorySms
from kyvs.adapters.sms.whatsapp import WhatsAppSms
from kyvs.bootstrap import bootstrap
from kyvs.settings import Settings

ON = {"whatsapp_enabled": True, "whatsapp_phone_number_id": "1059", "whatsapp_token": "EAAt"}


def test_whatsapp_is_off_by_default_and_otps_go_by_the_sms_carrier():
    carrier = MemorySms()
    wired = bootstrap(Settings(demo=True), sms_carrier=carrier)
    assert wired.sms is carrier


@pytest.mark.parametrize("missing", ["whatsapp_phone_number_id", "whatsapp_token"])
def test_whatsapp_on_needs_its_phone_number_id_and_token(missing):
    with pytest.raises(ValidationError, match="KYVS_WHATSAPP_PHONE_NUMBER_ID"):
        Settings(demo=True, **{**ON, missing: None})


def test_whatsapp_on_puts_the_citizens_choice_in_front_of_the_sms_carrier():
    carrier = MemorySms()
    wired = bootstrap(Settings(demo=True, **ON), sms_carrier=carrier)
    sms = wired.sms
    assert isinstance(sms, PreferredChannelSms)
    assert sms.sms is carrier
    assert isinstance(sms.whatsapp, WhatsAppSms)
    assert sms.preferences is wired.channel_preferences


def test_the_token_never_shows_in_the_settings():
    assert "EAAt" not in repr(Settings(demo=True, **ON))
