"""The Indian SMS gateways (MSG91, Gupshup, Kaleyra, Amazon SNS) against loopback fakes that
speak each one's documented API and check requests as the real gateway would."""

from __future__ import annotations

import logging
import socket
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, replace

import httpx
import pytest
from pydantic import SecretStr

from kyvs.adapters.sms.gateways import Bounds, build_gateway
from kyvs.adapters.sms.gupshup import GupshupConfig
from kyvs.adapters.sms.kaleyra import KaleyraConfig
from kyvs.adapters.sms.msg91 import Msg91Config
from kyvs.adapters.sms.sns import SnsConfig
from kyvs.domain.dlt import ContentType, DltTemplate
from kyvs.domain.mobile import MobileNumber
from kyvs.ports import SmsMessage, SmsNotDelivered, SmsReceipt, SmsSender
from tests.fake_gateways import (
    FakeGateway,
    FakeGupshup,
    FakeKaleyra,
    FakeMsg91,
    FakeSns,
    Reply,
    serving,
)

pytestmark = pytest.mark.anyio

HINDI_OTP = DltTemplate(
    template_id="1107161234567890123",
    entity_id="1101161234567890123",
    header="KYVSOT",
    content_type=ContentType.UNICODE,
    body="{#alphanumeric#} ने आपकी टीकाकरण स्थिति माँगी है। OTP {#numeric#} -kyvs",
    gateway_ids={"msg91": "64ab12cd34ef56ab78cd90ef"},
)
ENGLISH_OTP = DltTemplate(
    template_id="1107161234567890124",
    entity_id="1101161234567890123",
    header="KYVSOT",
    content_type=ContentType.TEXT,
    body="{#alphanumeric#} asks for your vaccination status. OTP {#numeric#} -kyvs",
    gateway_ids={"msg91": "64ab12cd34ef56ab78cd90f0"},
)
NOT_REGISTERED = replace(
    ENGLISH_OTP,
    template_id="1107169999999999999",
    gateway_ids={"msg91": "64ab00000000000000000000"},
)
OTP = "042719"
MOBILE = MobileNumber.parse("9876543210")
BAD_NUMBER = MobileNumber.parse("6000000001")
FAST = Bounds(timeout_s=0.3, connect_timeout_s=0.3, attempts=3, backoff_s=0.01)
# For tests that count attempts, not time: a loaded machine must not turn a slow connect into
# one more attempt.
PATIENT = Bounds(timeout_s=5, connect_timeout_s=5, attempts=3, backoff_s=0.01)
NAMES = ["msg91", "gupshup", "kaleyra", "sns"]


def message(
    template: DltTemplate = HINDI_OTP, *, to: MobileNumber = MOBILE, otp: str = OTP
) -> SmsMessage:
    values = ("IndiGo", otp)
    return SmsMessage(
        to=to,
        text=template.fill(values),
        category="verification-otp",
        language="hi",
        dlt=template,
        values=values,
        reference="kyvs-ref-0001",
    )


@dataclass
class Gateway:
    """A running fake and how to build a sender for it."""

    name: str
    fake: FakeGateway

    def sender(self, *, bounds: Bounds = FAST, wrong_key: bool = False, url: str = "") -> SmsSender:
        return build_gateway(self.name, self.config(bounds, wrong_key, url or self.fake.url))

    def config(self, bounds: Bounds, wrong_key: bool, url: str):
        fake = self.fake
        if isinstance(fake, FakeMsg91):
            key = "wrong" if wrong_key else fake.authkey
            return Msg91Config(authkey=SecretStr(key), url=f"{url}/api/v5/flow", bounds=bounds)
        if isinstance(fake, FakeGupshup):
            password = SecretStr("wrong" if wrong_key else fake.password)
            url = f"{url}/GatewayAPI/rest"
            return GupshupConfig(userid=fake.userid, password=password, url=url, bounds=bounds)
        if isinstance(fake, FakeKaleyra):
            api_key = SecretStr("wrong" if wrong_key else fake.api_key)
            return KaleyraConfig(sid=fake.sid, api_key=api_key, url=url, bounds=bounds)
        assert isinstance(fake, FakeSns)
        return SnsConfig(
            region="ap-south-1",
            access_key_id=fake.access_key_id,
            secret_access_key=SecretStr("wrong" if wrong_key else fake.secret_access_key),
            endpoint_url=url,
            bounds=bounds,
        )

    @property
    def secrets(self) -> list[str]:
        credentials = {
            "msg91": ["msg91-authkey-s3cret"],
            "gupshup": ["gupshup-pa55word"],
            "kaleyra": ["Akaleyra-api-key-s3cret"],
            "sns": ["sns-secret-access-key-s3cret"],
        }[self.name]
        texts = [message().text, message(ENGLISH_OTP).text, "टीकाकरण"]
        return [*credentials, *texts, OTP, "9876543210", "6000000001"]


def a_fake(name: str) -> FakeGateway:
    templates = [HINDI_OTP, ENGLISH_OTP]
    fakes: dict[str, type[FakeGateway]] = {
        "msg91": FakeMsg91,
        "gupshup": FakeGupshup,
        "kaleyra": FakeKaleyra,
        "sns": FakeSns,
    }
    return fakes[name](templates=templates, invalid={BAD_NUMBER.national, MOBILE.national})


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=NAMES)
def gateway(request) -> Iterator[Gateway]:
    fake = a_fake(request.param)
    fake.invalid = {BAD_NUMBER.national}
    with serving(fake):
        yield Gateway(request.param, fake)


async def send(gateway: Gateway, sms: SmsMessage, **options) -> SmsReceipt | None:
    sender = gateway.sender(**options)
    try:
        return await sender.send(sms)
    finally:
        await sender.aclose()  # type: ignore[attr-defined]


async def refused(gateway: Gateway, sms: SmsMessage, **options) -> SmsNotDelivered:
    with pytest.raises(SmsNotDelivered) as raised:
        await send(gateway, sms, **options)
    return raised.value


async def test_a_message_is_taken_and_the_receipt_names_the_gateways_id(gateway):
    receipt = await send(gateway, message())
    assert receipt is not None
    assert receipt.gateway == gateway.name
    assert receipt.message_id in gateway.fake.taken
    assert gateway.fake.taken[receipt.message_id] == message().text
    assert len(gateway.fake.received) == 1


async def test_a_text_template_is_taken_too(gateway):
    receipt = await send(gateway, message(ENGLISH_OTP))
    assert receipt is not None
    assert gateway.fake.taken[receipt.message_id] == message(ENGLISH_OTP).text


async def test_an_invalid_number_is_refused_once_and_the_carrier_is_healthy(gateway):
    error = await refused(gateway, message(to=BAD_NUMBER))
    assert error.carrier_failing is False
    assert error.maybe_taken is False
    assert "number" in str(error)
    assert len(gateway.fake.received) == 1


async def test_a_template_the_gateway_does_not_know_fails_the_carrier(gateway):
    error = await refused(gateway, message(NOT_REGISTERED))
    assert error.carrier_failing is True
    assert error.maybe_taken is False
    assert "template" in str(error)
    assert len(gateway.fake.received) == 1


async def test_a_message_without_its_dlt_template_is_not_sent(gateway):
    error = await refused(gateway, replace(message(), dlt=None))
    assert error.carrier_failing is True
    assert gateway.fake.received == []


async def test_refused_credentials_fail_the_carrier_and_are_not_retried(gateway):
    error = await refused(gateway, message(), wrong_key=True)
    assert error.carrier_failing is True
    assert "credentials" in str(error)
    assert len(gateway.fake.received) == 1


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_an_explicit_server_error_is_retried_until_taken(gateway, status):
    gateway.fake.script = [status, status]
    receipt = await send(gateway, message(), bounds=PATIENT)
    assert receipt is not None
    assert receipt.message_id in gateway.fake.taken
    assert len(gateway.fake.received) == 3


async def test_server_errors_are_retried_a_bounded_number_of_times(gateway):
    gateway.fake.script = [503] * 5
    error = await refused(gateway, message())
    assert error.carrier_failing is True
    assert error.maybe_taken is False
    assert "after 3 attempts" in str(error)
    assert len(gateway.fake.received) == 3


async def test_a_read_timeout_may_have_been_taken_and_is_not_retried(gateway):
    gateway.fake.script = ["slow"]
    started = time.monotonic()
    error = await refused(gateway, message())
    assert time.monotonic() - started < 1.0
    assert error.maybe_taken is True
    assert error.carrier_failing is True
    assert len(gateway.fake.received) == 1


@pytest.mark.parametrize("status", [502, 504])
async def test_a_proxy_timing_out_upstream_may_have_let_the_message_through(gateway, status):
    gateway.fake.script = [status]
    error = await refused(gateway, message())
    assert error.maybe_taken is True
    assert len(gateway.fake.received) == 1


async def test_a_connection_dropped_after_sending_may_have_been_taken(gateway):
    gateway.fake.script = ["drop"]
    error = await refused(gateway, message())
    assert error.maybe_taken is True
    assert len(gateway.fake.received) == 1


async def test_no_gateway_listening_is_retried_and_certainly_not_taken(gateway):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    error = await refused(gateway, message(), url=closed)
    assert error.carrier_failing is True
    assert error.maybe_taken is False
    assert "after 3 attempts" in str(error)


@pytest.mark.parametrize("case", ["taken", "number", "template", "credentials", "timeout", "5xx"])
async def test_no_log_or_error_carries_credentials_the_text_or_the_number(case, caplog):
    caplog.set_level(logging.DEBUG)  # every logger: ours, httpx's and botocore's
    for name in NAMES:
        fake = a_fake(name)
        scripts: dict[str, list[str | int]] = {"timeout": ["slow"], "5xx": [503] * 3}
        fake.script = scripts.get(case, [])
        if case != "number":
            fake.invalid = set()
        with serving(fake):
            gateway = Gateway(name, fake)
            sms = message(NOT_REGISTERED if case == "template" else HINDI_OTP)
            try:
                await send(gateway, sms, wrong_key=case == "credentials")
                texts = []
            except SmsNotDelivered as error:
                texts = [str(error), "".join(traceback.format_exception(error))]
            sender = gateway.sender()
            texts += [repr(sender), repr(gateway.config(FAST, False, fake.url))]
            for text in [*texts, caplog.text]:
                for secret in gateway.secrets:
                    assert secret not in text, (name, secret)
    ours = [r for r in caplog.records if r.name.startswith("kyvs.adapters.sms")]
    assert ours
    assert all("...3210" in r.getMessage() for r in ours)


@pytest.fixture
def msg91() -> Iterator[Gateway]:
    with serving(a_fake("msg91")) as fake:
        fake.invalid = set()
        yield Gateway("msg91", fake)


@pytest.fixture
def gupshup() -> Iterator[Gateway]:
    with serving(a_fake("gupshup")) as fake:
        fake.invalid = set()
        yield Gateway("gupshup", fake)


@pytest.fixture
def kaleyra() -> Iterator[Gateway]:
    with serving(a_fake("kaleyra")) as fake:
        fake.invalid = set()
        yield Gateway("kaleyra", fake)


@pytest.fixture
def sns() -> Iterator[Gateway]:
    with serving(a_fake("sns")) as fake:
        fake.invalid = set()
        yield Gateway("sns", fake)


async def test_msg91_gets_its_template_id_the_header_and_the_values_in_order(msg91):
    await send(msg91, message())
    (request,) = msg91.fake.received
    assert request.headers["authkey"] == "msg91-authkey-s3cret"
    assert request.headers["Content-Type"] == "application/json"
    assert request.json() == {
        "template_id": "64ab12cd34ef56ab78cd90ef",
        "sender": "KYVSOT",
        "short_url": "0",
        "recipients": [{"mobiles": "919876543210", "var1": "IndiGo", "var2": OTP}],
    }


async def test_a_template_without_an_msg91_id_is_not_sent_to_msg91(msg91):
    error = await refused(msg91, message(replace(HINDI_OTP, gateway_ids={})))
    assert error.carrier_failing is True
    assert msg91.fake.received == []


@pytest.mark.parametrize(
    ("template", "msg_type"), [(HINDI_OTP, "Unicode_text"), (ENGLISH_OTP, "TEXT")]
)
async def test_gupshup_gets_the_text_with_its_dlt_ids_header_and_type(gupshup, template, msg_type):
    await send(gupshup, message(template))
    (request,) = gupshup.fake.received
    assert request.method == "POST"
    assert request.query == {}  # the password never rides in the URL
    assert request.form() == {
        "method": "SendMessage",
        "userid": "2000123456",
        "password": "gupshup-pa55word",
        "auth_scheme": "plain",
        "v": "1.1",
        "format": "json",
        "send_to": "919876543210",
        "msg": message(template).text,
        "msg_type": msg_type,
        "mask": "KYVSOT",
        "principalEntityId": "1101161234567890123",
        "dltTemplateId": template.template_id,
    }


async def test_gupshup_answering_in_text_format_is_read_too(gupshup):
    gupshup.fake.answer = lambda request: Reply(
        200, b"success | 919876543210 | 3562707498794989059-328736121207676738", "text/plain"
    )
    receipt = await send(gupshup, message())
    assert receipt == SmsReceipt("gupshup", "3562707498794989059-328736121207676738")
    gupshup.fake.answer = lambda request: Reply(
        200, b"error | 105 | The phone number 919876543210 is not valid", "text/plain"
    )
    error = await refused(gupshup, message())
    assert error.carrier_failing is False
    assert "9876543210" not in str(error)


@pytest.mark.parametrize(("template", "unicode"), [(HINDI_OTP, "1"), (ENGLISH_OTP, "0")])
async def test_kaleyra_gets_the_text_with_its_dlt_ids_sender_and_unicode_flag(
    kaleyra, template, unicode
):
    await send(kaleyra, message(template))
    (request,) = kaleyra.fake.received
    assert request.path == "/v1/HXIN1234567890IN/messages"
    assert request.headers["api-key"] == "Akaleyra-api-key-s3cret"
    assert request.form() == {
        "to": "+919876543210",
        "sender": "KYVSOT",
        "type": "OTP",
        "body": message(template).text,
        "template_id": template.template_id,
        "entity_id": "1101161234567890123",
        "unicode": unicode,
        "ref": "kyvs-ref-0001",
    }


async def test_kaleyra_sends_other_messages_as_transactional(kaleyra):
    await send(kaleyra, replace(message(), category="citizen-notice"))
    assert kaleyra.fake.received[0].form()["type"] == "TXN"


async def test_sns_publishes_to_the_number_with_the_dlt_attributes(sns):
    receipt = await send(sns, message())
    (request,) = sns.fake.received
    form = request.form()
    assert form["Action"] == "Publish"
    assert form["PhoneNumber"] == "+919876543210"
    assert form["Message"] == message().text
    assert FakeSns._attributes(form) == {
        "AWS.SNS.SMS.SMSType": "Transactional",
        "AWS.SNS.SMS.SenderID": "KYVSOT",
        "AWS.MM.SMS.EntityId": "1101161234567890123",
        "AWS.MM.SMS.TemplateId": "1107161234567890123",
    }
    assert request.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIA")
    assert "/ap-south-1/sns/aws4_request" in request.headers["Authorization"]
    assert receipt is not None
    assert receipt.message_id in sns.fake.taken


async def test_sns_throttling_is_retried_and_botocore_does_not_retry_on_its_own(sns):
    sns.fake.script = [429, 500]
    receipt = await send(sns, message())
    assert receipt is not None
    assert len(sns.fake.received) == 3


async def test_a_shared_http_client_is_used_and_left_open(kaleyra):
    async with httpx.AsyncClient() as client:
        sender = build_gateway(
            "kaleyra", kaleyra.config(FAST, wrong_key=False, url=kaleyra.fake.url), client=client
        )
        await sender.send(message())
        await sender.aclose()  # type: ignore[attr-defined]
        assert not client.is_closed
    assert len(kaleyra.fake.received) == 1
