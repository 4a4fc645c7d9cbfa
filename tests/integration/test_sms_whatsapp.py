"""OTPs by WhatsApp's Cloud API (authentication template with a copy-code button), against a
loopback Cloud API that checks the documented request and answers the documented shapes."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from kyvs.adapters.sms._delivery import Bounds
from kyvs.adapters.sms.whatsapp import WhatsAppConfig, WhatsAppSms
from kyvs.domain.mobile import MobileNumber
from kyvs.ports import SmsNotDelivered, SmsReceipt
from kyvs.services.sms_texts import example_sms_texts
from tests.fake_whatsapp import PHONE_NUMBER_ID, TOKEN, VERSION, CloudApi, running_cloud_api

pytestmark = pytest.mark.anyio

MOBILE = MobileNumber.parse("9876543210")
OTP = "482913"


@pytest.fixture
def api() -> Iterator[CloudApi]:
    with running_cloud_api() as running:
        yield running


def sender(api: CloudApi, *, token: str = TOKEN, timeout_s: float = 2.0) -> WhatsAppSms:
    config = WhatsAppConfig(
        phone_number_id=PHONE_NUMBER_ID,
        token=SecretStr(token),
        base_url=api.base_url,
        api_version=VERSION,
        bounds=Bounds(timeout_s=timeout_s, connect_timeout_s=timeout_s, attempts=1),
    )
    return WhatsAppSms(config)


def login_otp(language: str = "en"):
    return example_sms_texts().citizen_login_otp(to=MOBILE, otp=OTP, language=language)


async def test_the_otp_goes_in_the_body_and_the_copy_code_button_and_the_wamid_comes_back(api):
    whatsapp = sender(api)
    receipt = await whatsapp.send(login_otp())
    await whatsapp.aclose()
    assert receipt == SmsReceipt("whatsapp", "wamid.TEST1")
    assert api.refused == []
    sent = api.received[0]
    assert sent["to"] == "919876543210"
    assert sent["template"]["name"] == "kyvs_otp"
    assert sent["template"]["language"] == {"code": "en"}
    assert [c["parameters"][0]["text"] for c in sent["template"]["components"]] == [OTP, OTP]


@pytest.mark.parametrize(("language", "code"), [("hi", "hi"), ("pa", "pa"), ("or", "en")])
async def test_the_template_language_follows_the_message_and_falls_back_to_english(
    api, language, code
):
    await sender(api).send(login_otp(language))
    assert api.received[0]["template"]["language"] == {"code": code}


async def test_a_template_s_own_whatsapp_name_wins_over_the_setting(api):
    message = login_otp()
    assert message.dlt is not None
    named = dataclasses.replace(message.dlt, gateway_ids={"whatsapp": "kyvs_login_hi"})
    await sender(api).send(dataclasses.replace(message, dlt=named))
    assert api.received[0]["template"]["name"] == "kyvs_login_hi"


async def test_a_verification_sends_its_otp_not_the_provider_s_name(api):
    message = example_sms_texts().verification_otp(
        to=MOBILE, otp=OTP, provider_name="City Hospital", purpose="employment", language="en"
    )
    await sender(api).send(message)
    components = api.received[0]["template"]["components"]
    assert [c["parameters"][0]["text"] for c in components] == [OTP, OTP]


async def test_a_number_not_on_whatsapp_is_the_number_s_failure_and_surely_not_taken(api):
    api.script = [131026]
    with pytest.raises(SmsNotDelivered) as refused:
        await sender(api).send(login_otp())
    assert not refused.value.carrier_failing
    assert not refused.value.maybe_taken


@pytest.mark.parametrize("answer", [190, 130429, 131056, 132001, "http-503", "http-500"])
async def test_auth_rate_limits_templates_and_5xx_are_whatsapp_failing_not_taken(api, answer):
    api.script = [answer]
    with pytest.raises(SmsNotDelivered) as refused:
        await sender(api).send(login_otp())
    assert refused.value.carrier_failing
    assert not refused.value.maybe_taken


async def test_a_wrong_token_is_refused_as_credentials(api):
    with pytest.raises(SmsNotDelivered, match="credentials") as refused:
        await sender(api, token="EAAwrong").send(login_otp())
    assert refused.value.carrier_failing


async def test_a_proxy_s_502_may_have_let_it_through(api):
    api.script = ["http-502"]
    with pytest.raises(SmsNotDelivered) as unsure:
        await sender(api).send(login_otp())
    assert unsure.value.maybe_taken


async def test_a_timeout_after_sending_may_have_been_taken(api):
    api.script = ["slow"]
    with pytest.raises(SmsNotDelivered) as unsure:
        await sender(api, timeout_s=0.3).send(login_otp())
    assert unsure.value.maybe_taken


async def test_an_unreachable_api_surely_did_not_take_it():
    config = WhatsAppConfig(
        phone_number_id=PHONE_NUMBER_ID, token=SecretStr(TOKEN), base_url="http://127.0.0.1:9"
    )
    with pytest.raises(SmsNotDelivered) as refused:
        await WhatsAppSms(config).send(login_otp())
    assert refused.value.carrier_failing
    assert not refused.value.maybe_taken


async def test_logs_carry_neither_token_nor_otp_nor_number(api, caplog):
    caplog.set_level(logging.DEBUG)
    await sender(api).send(login_otp())
    api.script = [131026]
    with pytest.raises(SmsNotDelivered):
        await sender(api).send(login_otp())
    logged = caplog.text
    assert "...3210" in logged
    for secret in (TOKEN, OTP, "9876543210"):
        assert secret not in logged


def test_the_config_never_shows_its_token():
    config = WhatsAppConfig(phone_number_id=PHONE_NUMBER_ID, token=SecretStr(TOKEN))
    assert TOKEN not in repr(config)
    assert TOKEN not in repr(WhatsAppSms(config))
