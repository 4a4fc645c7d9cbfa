"""Nothing leaves for a carrier unless it matches its registered DLT template."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from kyvs.adapters.metrics import MeteredSms, PrometheusMetrics
from kyvs.adapters.sms.dlt_guard import DltGuardedSms
from kyvs.adapters.sms.memory import MemorySms
from kyvs.domain.mobile import MobileNumber
from kyvs.ports import SmsNotDelivered
from kyvs.rules import load_example_sms_templates
from kyvs.services.sms_texts import SmsTexts

pytestmark = pytest.mark.anyio

TEXTS = SmsTexts(load_example_sms_templates())
MOBILE = MobileNumber("9876543210")


def login(language: str = "en"):
    return TEXTS.citizen_login_otp(to=MOBILE, otp="042719", language=language)


def refused(metrics: PrometheusMetrics, reason: str) -> float:
    return metrics.registry.get_sample_value("kyvs_sms_refused_total", {"reason": reason}) or 0


async def test_a_text_matching_its_template_goes_out():
    carrier, metrics = MemorySms(), PrometheusMetrics()
    await DltGuardedSms(carrier, metrics).send(login())
    assert len(carrier.messages) == 1


async def test_a_text_changed_after_filling_is_refused_counted_and_logged_without_the_text(
    caplog,
):
    carrier, metrics = MemorySms(), PrometheusMetrics()
    tampered = replace(login(), text=login().text + " Click evil.example")
    with caplog.at_level(logging.ERROR), pytest.raises(SmsNotDelivered) as raised:
        await DltGuardedSms(carrier, metrics).send(tampered)
    assert not raised.value.carrier_failing  # the carrier is fine: kyvs refused
    assert carrier.messages == []
    assert refused(metrics, "template-mismatch") == 1
    assert "template-mismatch" in caplog.text
    assert "042719" not in caplog.text and "evil" not in caplog.text


async def test_a_message_without_a_template_is_refused():
    carrier, metrics = MemorySms(), PrometheusMetrics()
    with pytest.raises(SmsNotDelivered):
        await DltGuardedSms(carrier, metrics).send(replace(login(), dlt=None))
    assert refused(metrics, "no-template") == 1
    await DltGuardedSms(carrier, metrics, require_template=False).send(replace(login(), dlt=None))
    assert len(carrier.messages) == 1


async def test_segments_are_counted_by_language_and_encoding_and_priced():
    metrics = PrometheusMetrics()
    sms = MeteredSms(MemorySms(), metrics, segment_price_inr=0.25)
    await sms.send(login("en"))
    await sms.send(login("hi"))
    await sms.send(
        TEXTS.verification_otp(
            to=MOBILE,
            otp="042719",
            provider_name="Mahalaxmi Tours and Travels",
            purpose="travel",
            language="ta",
        )
    )
    value = metrics.registry.get_sample_value
    assert value("kyvs_sms_segments_total", {"language": "en", "encoding": "gsm7"}) == 1
    assert value("kyvs_sms_segments_total", {"language": "hi", "encoding": "ucs2"}) == 1
    assert value("kyvs_sms_segments_total", {"language": "ta", "encoding": "ucs2"}) == 3
    assert value("kyvs_sms_estimated_cost_inr_total", {"gateway": "memory"}) == 1.25
