"""The HTTP SMS gateway adapter against a real gateway on loopback that can be told to misbehave."""

from __future__ import annotations

import json
import logging
import socket
import time
import traceback

import httpx
import pytest

from kyvs.adapters.sms.http_gateway import HttpGatewaySms, render_body
from kyvs.domain.mobile import MobileNumber
from kyvs.ports import SmsMessage, SmsNotDelivered, SmsSender
from tests.sms_gateway import Gateway, running_gateway

pytestmark = pytest.mark.anyio

MOBILE = MobileNumber("9876543210")
OTP = "042719"
TEXT = f'IndiGo ने यात्रा के लिए आपकी टीकाकरण स्थिति माँगी है। OTP {OTP}। "{{sender}}" \\ \n -kyvs'
MESSAGE = SmsMessage(to=MOBILE, text=TEXT, category="verification-otp", language="hi")
SECRETS = ["9876543210", "+919876543210", OTP, TEXT, "टीकाकरण"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def gateway():
    with running_gateway() as state:
        yield state


def sender(gateway: Gateway, **options) -> HttpGatewaySms:
    options = {"timeout_s": 1.0, "backoff_s": 0.01, **options}
    return HttpGatewaySms(gateway.url, **options)


def assert_no_secrets(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


async def test_the_default_body_is_json_with_number_text_and_sender(gateway):
    async with sender(gateway) as sms:
        await sms.send(MESSAGE)
    (request,) = gateway.received
    assert request.path == "/v1/sms?key=s3cret"
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.json() == {"to": "+919876543210", "text": TEXT, "sender": "KYVSOT"}


async def test_a_body_template_places_escaped_values(gateway):
    template = (
        '{"msisdn": "{to}", "message": {"body": "{text}", "from": "{sender}"}, '
        '"unicode": true, "note": "to {to}"}'
    )
    async with sender(gateway, body_template=template, sender_id="KYVSIN") as sms:
        await sms.send(MESSAGE)
    assert gateway.received[0].json() == {
        "msisdn": "+919876543210",
        "message": {"body": TEXT, "from": "KYVSIN"},
        "unicode": True,
        "note": "to +919876543210",
    }


@pytest.mark.parametrize(
    "template",
    ['{"to": "{to}"}', '{"to": "{to}", "text": {text}}', "to={to}&text={text}"],
)
def test_a_template_that_is_not_json_or_lacks_the_text_is_refused_at_once(template):
    with pytest.raises(ValueError, match="template"):
        HttpGatewaySms("http://127.0.0.1:9/sms", body_template=template)


def test_text_that_looks_like_json_or_a_placeholder_cannot_escape_its_string():
    hostile = '", "to": "+911111111111", "x": "{to}'
    body = render_body(
        '{"to": "{to}", "text": "{text}"}', to="+919876543210", text=hostile, sender="X"
    )
    assert json.loads(body) == {"to": "+919876543210", "text": hostile}


async def test_an_extra_header_is_sent_and_a_given_client_is_left_open(gateway):
    async with httpx.AsyncClient() as client:
        sms = HttpGatewaySms(gateway.url, headers={"Authorization": "Bearer k"}, client=client)
        await sms.send(MESSAGE)
        await sms.aclose()
        assert not client.is_closed
    assert gateway.received[0].headers["Authorization"] == "Bearer k"


@pytest.mark.parametrize(
    ("script", "attempts", "requests"),
    [([500], 3, 2), ([500, 502], 3, 3), ([503, "drop"], 3, 3), (["drop"], 2, 2)],
)
async def test_server_errors_and_dropped_connections_are_retried_until_taken(
    gateway, script, attempts, requests
):
    gateway.script = list(script)
    async with sender(gateway, attempts=attempts) as sms:
        await sms.send(MESSAGE)
    assert len(gateway.received) == requests
    assert len({r.body for r in gateway.received}) == 1


@pytest.mark.parametrize("attempts", [1, 2, 3, 5])
async def test_retries_are_bounded_by_the_attempts(gateway, attempts, caplog):
    caplog.set_level(logging.DEBUG)
    gateway.script = [500] * 10
    async with sender(gateway, attempts=attempts) as sms:
        with pytest.raises(SmsNotDelivered) as raised:
            await sms.send(MESSAGE)
    assert len(gateway.received) == attempts
    assert f"after {attempts} attempts" in str(raised.value)
    assert "HTTP 500" in str(raised.value)
    assert_no_secrets(str(raised.value), "".join(traceback.format_exception(raised.value)))
    assert_no_secrets(caplog.text)
    ours = [r for r in caplog.records if r.name == "kyvs.adapters.sms.http_gateway"]
    assert len(ours) == attempts  # a warning per retry, one error at the end
    assert all("...3210" in r.getMessage() for r in ours)
    assert "s3cret" not in "".join(r.getMessage() for r in ours)


@pytest.mark.parametrize("status", [400, 401, 404, 422, 429])
async def test_a_client_error_is_never_retried(gateway, status, caplog):
    caplog.set_level(logging.DEBUG)
    gateway.script = [status]
    async with sender(gateway, attempts=3) as sms:
        with pytest.raises(SmsNotDelivered, match=f"refused the message \\(HTTP {status}\\)") as e:
            await sms.send(MESSAGE)
    assert len(gateway.received) == 1
    assert_no_secrets(str(e.value), caplog.text)


async def test_backoff_grows_between_attempts(gateway):
    gateway.script = [500, 500]
    started = time.monotonic()
    async with sender(gateway, attempts=3, backoff_s=0.1) as sms:
        await sms.send(MESSAGE)
    assert time.monotonic() - started >= 0.1 + 0.2
    assert len(gateway.received) == 3


async def test_a_slow_gateway_times_out_and_is_tried_again(gateway):
    gateway.script = ["slow"]
    async with sender(gateway, timeout_s=0.2, attempts=2) as sms:
        await sms.send(MESSAGE)
    assert len(gateway.received) == 2


async def test_a_gateway_that_never_answers_in_time_fails_within_the_bound(gateway, caplog):
    caplog.set_level(logging.DEBUG)
    gateway.script = ["slow"] * 3
    started = time.monotonic()
    async with sender(gateway, timeout_s=0.2, attempts=3) as sms:
        with pytest.raises(SmsNotDelivered, match="after 3 attempts") as raised:
            await sms.send(MESSAGE)
    assert time.monotonic() - started < 1.5  # 3 x 0.2 s plus backoff, far from the 2 s delay
    assert len(gateway.received) == 3
    assert "Timeout" in str(raised.value) or "TimeoutError" in str(raised.value)
    assert_no_secrets(str(raised.value), caplog.text)


async def test_no_gateway_listening_is_a_retried_connection_error(caplog):
    caplog.set_level(logging.DEBUG)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sms = HttpGatewaySms(f"http://127.0.0.1:{port}/sms", attempts=2, backoff_s=0.01)
    async with sms:
        with pytest.raises(SmsNotDelivered, match=r"after 2 attempts \(last: ConnectError\)") as e:
            await sms.send(MESSAGE)
    assert_no_secrets(str(e.value), caplog.text)
    assert caplog.text.count("...3210") == 2


async def test_it_is_an_sms_sender(gateway):
    sms: SmsSender = sender(gateway)
    await sms.send(MESSAGE)
    assert isinstance(sms, HttpGatewaySms)
    await sms.aclose()
    assert len(gateway.received) == 1


@pytest.mark.parametrize(
    ("status", "carrier_failing"),
    [(400, False), (422, False), (401, True), (403, True), (404, True), (429, True), (500, True)],
)
async def test_a_refused_number_is_told_apart_from_a_failing_carrier(
    gateway, status, carrier_failing
):
    gateway.down = status
    async with sender(gateway, attempts=2) as sms:
        with pytest.raises(SmsNotDelivered) as raised:
            await sms.send(MESSAGE)
    assert raised.value.carrier_failing is carrier_failing
