"""WhatsApp's `messages` webhook statuses as delivery reports."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyvs.adapters.sms.whatsapp import parse_delivery_reports
from kyvs.ports import DeliveryReport


def webhook(*statuses: dict[str, object]) -> bytes:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550000000", "phone_number_id": "1059545"},
        "statuses": list(statuses),
    }
    document = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(document).encode()


def status(word: str, message_id: str = "wamid.ABC", **extra: object) -> dict[str, object]:
    return {
        "id": message_id,
        "status": word,
        "timestamp": "1750000000",
        "recipient_id": "919876543210",
        **extra,
    }


def parse(body: bytes) -> list[DeliveryReport]:
    return parse_delivery_reports(body, "application/json", {})


def test_delivered_and_read_are_delivered_and_sent_is_left_out():
    reports = parse(webhook(status("sent"), status("delivered"), status("read", "wamid.B")))
    assert reports == [
        DeliveryReport("whatsapp", "wamid.ABC", delivered=True, detail="delivered"),
        DeliveryReport("whatsapp", "wamid.B", delivered=True, detail="read"),
    ]


def test_a_failure_for_the_number_is_not_whatsapp_failing():
    failed = status("failed", errors=[{"code": 131026, "title": "Message undeliverable"}])
    assert parse(webhook(failed)) == [
        DeliveryReport(
            "whatsapp", "wamid.ABC", delivered=False, carrier_failing=False, detail="131026"
        )
    ]


def test_other_failures_are_whatsapp_failing():
    failed = status("failed", errors=[{"code": 131000}])
    (report,) = parse(webhook(failed))
    assert report.carrier_failing and not report.delivered and report.detail == "131000"
    (bare,) = parse(webhook(status("failed")))
    assert bare.carrier_failing and bare.detail == "failed"


def test_a_webhook_of_incoming_messages_has_no_reports():
    document = {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": {}}]}]}
    assert parse(json.dumps(document).encode()) == []


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[]", b'{"entry": 3}', b'{"entry": [{"changes": [{"value": []}]}]}'],
)
def test_a_malformed_webhook_is_a_value_error_that_does_not_echo_it(body):
    with pytest.raises(ValueError) as refused:
        parse(body)
    assert body.decode() not in str(refused.value) or not body


def test_a_status_without_an_id_is_malformed_and_the_number_is_not_repeated():
    with pytest.raises(ValueError) as refused:
        parse(webhook({"status": "delivered", "recipient_id": "919876543210"}))
    assert "9876543210" not in str(refused.value)


@given(st.binary(max_size=300))
def test_any_body_gives_reports_or_a_value_error(body):
    try:
        reports = parse(body)
    except ValueError:
        return
    assert all(isinstance(r, DeliveryReport) for r in reports)
