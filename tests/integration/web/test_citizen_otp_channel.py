"""/me: a citizen chooses how their OTPs come (SMS or WhatsApp) where the server offers
WhatsApp, and the next OTP goes by that channel (wired by `bootstrap`, fakes put in by name)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from kyvs.adapters.sms.channels import PreferredChannelSms
from kyvs.adapters.sms.memory import MemorySms
from kyvs.adapters.sql import migrate
from kyvs.adapters.sql.engine import make_engine
from kyvs.bootstrap import bootstrap
from kyvs.domain.mobile import MobileNumber
from kyvs.i18n import translator
from kyvs.ports import SmsNotDelivered
from kyvs.services.delivery_reports import report_token
from kyvs.services.sms_texts import example_sms_texts
from kyvs.settings import Settings
from kyvs.web.app import create_app
from kyvs.web.problem_catalogue import REASONS
from tests.factories.citizen_pages import MOBILE, Citizen
from tests.factories.people import fully_vaccinated
from tests.unit.adapters.test_sms_channels import FakeWhatsApp

pytestmark = pytest.mark.anyio

WHATSAPP_ON = {
    "whatsapp_enabled": True,
    "whatsapp_phone_number_id": "105954558954427",
    "whatsapp_token": "EAAtest-token",
}
FORM = 'action="/me/otp-channel"'


class Phone:
    """What reached the citizen's phone, by channel."""

    def __init__(self) -> None:
        self.sms = MemorySms()
        self.whatsapp = FakeWhatsApp()


async def citizen_on(tmp_path, phone: Phone, **settings: Any) -> AsyncIterator[Citizen]:
    url = f"sqlite:///{tmp_path / 'kyvs.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    wired = bootstrap(
        Settings(database_url=url, demo=True, **settings),
        sms_carrier=phone.sms,
        whatsapp_sms=phone.whatsapp,
    )
    asha = fully_vaccinated(name="Asha Patel", mobile=MOBILE)
    wired.registry.add(asha)
    transport = httpx.ASGITransport(app=create_app(container=wired))
    async with httpx.AsyncClient(transport=transport, base_url="https://kyvs.test") as client:
        person = Citizen(client, wired, asha.beneficiary.reference_id)
        await log_in(person, phone)
        yield person
    await wired.aclose()


async def log_in(person: Citizen, phone: Phone) -> str:
    """Log in by the OTP that arrived; the channel it came by."""
    before = len(phone.sms.messages), len(phone.whatsapp.messages)
    assert (await person.post("/me/login", mobile_number=MOBILE)).status_code == 303
    await person.wired.dispatcher.drain()
    by_whatsapp = len(phone.whatsapp.messages) > before[1]
    by_sms = len(phone.sms.to(MobileNumber.parse(MOBILE))) > before[0]
    assert by_whatsapp != by_sms, "the OTP came by exactly one channel"
    latest = phone.whatsapp.messages[-1] if by_whatsapp else phone.sms.last
    otp = re.search(r"\b(\d{6})\b", latest.text)
    assert otp
    assert (await person.post("/me/otp", otp=otp.group(1))).status_code == 303
    return "whatsapp" if by_whatsapp else "sms"


@pytest.fixture
async def phone_and_citizen(tmp_path) -> AsyncIterator[tuple[Phone, Citizen]]:
    phone = Phone()
    async for person in citizen_on(tmp_path, phone, **WHATSAPP_ON):
        yield phone, person


async def test_a_server_without_whatsapp_offers_no_choice(tmp_path):
    phone = Phone()
    async for person in citizen_on(tmp_path, phone):
        page = await person.client.get("/me")
        assert page.status_code == 200
        assert FORM not in page.text
        refused = await person.post("/me/otp-channel", channel="whatsapp")
        assert refused.status_code == 400
        assert REASONS["otp-channel"] in refused.text


async def test_the_choice_starts_at_sms_and_is_saved(phone_and_citizen):
    _, citizen = phone_and_citizen
    page = (await citizen.client.get("/me")).text
    assert FORM in page
    assert re.search(r'value="sms"\s+checked', page)
    saved = await citizen.post("/me/otp-channel", channel="whatsapp")
    assert saved.status_code == 303
    assert saved.headers["location"] == "/me?notice=channel"
    page = (await citizen.client.get(saved.headers["location"])).text
    assert re.search(r'value="whatsapp"\s+checked', page)
    assert "Your choice is saved." in page


async def test_the_first_otp_came_by_sms_and_the_next_comes_by_whatsapp(phone_and_citizen):
    phone, citizen = phone_and_citizen
    assert len(phone.sms.messages) == 1  # the fixture's login, before any choice
    assert phone.whatsapp.messages == []
    await citizen.post("/me/otp-channel", channel="whatsapp")
    await citizen.post("/me/logout")
    assert await log_in(citizen, phone) == "whatsapp"
    assert len(phone.sms.messages) == 1


async def test_a_number_whatsapp_refuses_still_gets_its_otp_by_sms(phone_and_citizen):
    phone, citizen = phone_and_citizen
    await citizen.post("/me/otp-channel", channel="whatsapp")
    await citizen.post("/me/logout")
    phone.whatsapp.failure = SmsNotDelivered("not a WhatsApp user", carrier_failing=False)
    assert await log_in(citizen, phone) == "sms"


async def test_an_unknown_channel_is_refused_with_its_reason(phone_and_citizen):
    _, citizen = phone_and_citizen
    refused = await citizen.post("/me/otp-channel", channel="pigeon")
    assert refused.status_code == 400
    assert REASONS["otp-channel"] in refused.text


async def test_the_choice_is_offered_in_the_reader_s_language(phone_and_citizen):
    _, citizen = phone_and_citizen
    citizen.client.cookies.set("kyvs_lang", "hi")
    page = (await citizen.client.get("/me")).text
    hindi = translator("hi").gettext("How your OTPs reach you")
    assert hindi != "How your OTPs reach you"
    assert hindi in page
    assert translator("hi").gettext("WhatsApp") in page


async def test_the_form_needs_its_csrf_token(phone_and_citizen):
    _, citizen = phone_and_citizen
    forged = await citizen.client.post("/me/otp-channel", data={"channel": "whatsapp"})
    assert forged.status_code in {400, 403}
    page = (await citizen.client.get("/me")).text
    assert re.search(r'value="sms"\s+checked', page)


async def test_the_citizen_api_reads_and_sets_the_same_choice(phone_and_citizen):
    phone, citizen = phone_and_citizen
    client = citizen.client
    txn = (await client.post("/api/v1/citizen/login", json={"mobile_number": MOBILE})).json()
    await citizen.wired.dispatcher.drain()
    otp = re.search(r"\b(\d{6})\b", phone.sms.last.text)
    assert otp
    confirmed = await client.post(
        f"/api/v1/citizen/login/{txn['txn_id']}/confirm", json={"otp": otp.group(1)}
    )
    me = {"Authorization": f"Bearer {confirmed.json()['token']}"}
    read = await client.get("/api/v1/citizen/otp-channel", headers=me)
    assert read.json() == {"channel": "sms", "offered": ["sms", "whatsapp"]}
    chosen = await client.put(
        "/api/v1/citizen/otp-channel", headers=me, json={"channel": "whatsapp"}
    )
    assert chosen.status_code == 200
    assert chosen.json()["channel"] == "whatsapp"
    page = (await client.get("/me")).text
    assert re.search(r'value="whatsapp"\s+checked', page)
    refused = await client.put("/api/v1/citizen/otp-channel", headers=me, json={"channel": "fax"})
    assert refused.status_code == 422


async def test_whatsapp_reports_to_its_own_url_after_meta_s_handshake(phone_and_citizen):
    _, citizen = phone_and_citizen
    token = report_token(citizen.wired.secret_keys.tokens, "whatsapp")
    url = f"/sms/reports/whatsapp/{token}"
    handshake = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": token}
    answered = await citizen.client.get(url, params=handshake)
    assert (answered.status_code, answered.text) == (200, "1158201444")
    wrong = await citizen.client.get(url, params={**handshake, "hub.verify_token": "guess"})
    assert wrong.status_code == 404
    status = {"id": "wamid.unknown", "status": "delivered", "recipient_id": "919876543210"}
    webhook = {"entry": [{"changes": [{"value": {"statuses": [status]}}]}]}
    reported = await citizen.client.post(url, json=webhook)
    assert (reported.status_code, reported.json()) == (200, {"received": 1})
    assert (
        await citizen.client.post("/sms/reports/whatsapp/guess", json=webhook)
    ).status_code == 404


async def test_an_unreadable_choice_sends_the_otp_by_sms():
    class Broken:
        async def get(self, mobile):
            raise OSError("database down")

    phone = Phone()
    sms = PreferredChannelSms(phone.sms, phone.whatsapp, Broken())  # type: ignore[arg-type]
    message = example_sms_texts().citizen_login_otp(
        to=MobileNumber.parse(MOBILE), otp="042719", language="en"
    )
    await sms.send(message)
    assert len(phone.sms.messages) == 1 and phone.whatsapp.messages == []
