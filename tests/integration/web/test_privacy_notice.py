"""The privacy notice where people meet it: `/notice` in every language (and the SMS's short
link to it), the console's OTP screen (in the language of the person's SMS), the hosted flow's
details and OTP screens, and `/me` — each with the items of what is disclosed."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from markupsafe import escape

from kyvs.adapters.passwords import hash_password
from kyvs.adapters.sms.memory import MemorySms
from kyvs.adapters.sql import migrate
from kyvs.adapters.sql.engine import make_engine
from kyvs.bootstrap import Container, bootstrap
from kyvs.domain.providers import Provider
from kyvs.i18n import SUPPORTED_LANGUAGES, translator
from kyvs.services.providers import add_staff, create_provider
from kyvs.settings import Settings
from kyvs.web.app import create_app
from tests.factories.citizen_pages import MOBILE, logged_in_citizen
from tests.factories.people import fully_vaccinated

pytestmark = pytest.mark.anyio

RETURN_URL = "https://travels.example/kyvs/return"
ENGLISH_HEADINGS = ("What is shared", "For which purpose", "For how long", "How to complain")


@dataclass
class Site:
    client: httpx.AsyncClient
    wired: Container
    provider: Provider
    sms: MemorySms


@pytest.fixture
async def site(tmp_path) -> AsyncIterator[Site]:
    url = f"sqlite:///{tmp_path / 'kyvs.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    sms = MemorySms()
    wired = bootstrap(Settings(database_url=url, demo=True), sms=sms)
    wired.registry.add(fully_vaccinated(name="Asha Patel", mobile=MOBILE))
    provider, _ = create_provider(
        store=wired.provider_store, access=wired.access, name="Desk Travels", category="travel",
        scopes=["status", "demographics"], purposes=["travel"], return_urls=[RETURN_URL],
        now=wired.clock.now(),
    )  # fmt: skip
    add_staff(
        store=wired.provider_store, provider_id=provider.provider_id, username="desk1",
        password="correct horse battery", hash_password=hash_password, now=wired.clock.now(),
    )  # fmt: skip
    transport = httpx.ASGITransport(app=create_app(container=wired))
    async with httpx.AsyncClient(transport=transport, base_url="https://kyvs.test") as client:
        yield Site(client, wired, provider, sms)
    await wired.aclose()


def as_html(text: str) -> str:
    """`text` as the page writes it (Jinja's escaping: an apostrophe is `&#39;`)."""
    return str(escape(text))


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def notice_section(html: str) -> str:
    found = re.search(r'<section class="card privacy-notice".*?</section>', html, re.S)
    assert found, "the page shows no privacy notice"
    return found.group(0)


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
async def test_the_notice_page_renders_in_every_language(site, language):
    page = await site.client.get("/notice", params={"lang": language})
    assert page.status_code == 200
    html = page.text
    assert f'<html lang="{language}">' in html
    words = translator(language)
    notice = site.wired.notices.current(language)
    assert f'<h1 id="notice-title">{words.gettext("Privacy notice")}</h1>' in html
    for section in notice.sections:
        assert f">{as_html(section.heading)}</h2>" in html
        for item in section.items:
            assert f"<li>{as_html(item)}</li>" in html
    assert words.format("Version {version}", version=notice.version) in html
    assert not re.search(r"\{[a-z_]+\}", html), "a placeholder was left unfilled"
    if language != "en":
        assert not any(heading in html for heading in ENGLISH_HEADINGS), "untranslated"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"


async def test_the_notice_page_speaks_the_reader_s_language_without_a_lang_parameter(site):
    tamil = await site.client.get("/notice", headers={"Accept-Language": "ta-IN,en;q=0.5"})
    assert '<html lang="ta">' in tamil.text
    for odd in ("fr", "x" * 5000, "hi\u202e", "../../etc"):
        page = await site.client.get("/notice", params={"lang": odd})
        assert (page.status_code, '<html lang="en">' in page.text) == (200, True)
    await site.client.get("/lang/gu", params={"next": "/notice"})
    assert '<html lang="gu">' in (await site.client.get("/notice")).text
    assert '<html lang="hi">' in (await site.client.get("/notice?lang=hi")).text


async def test_the_sms_short_link_leads_to_the_notice_in_its_language(site):
    hindi = await site.client.get("/n/hi")
    assert (hindi.status_code, hindi.headers["location"]) == (302, "/notice?lang=hi")
    for unknown in ("zz", "x" * 300, "%0d%0aSet-Cookie:a=b"):
        answer = await site.client.get(f"/n/{unknown}")
        assert (answer.status_code, answer.headers["location"]) == (302, "/notice")
    assert (await site.client.get("/n")).headers["location"] == "/notice"


async def log_in_staff(site: Site) -> str:
    form = (await site.client.get("/console")).text
    data = {"username": "desk1", "password": "correct horse battery", "csrf": csrf_of(form)}
    assert (await site.client.post("/console/login", data=data)).status_code == 303
    return csrf_of((await site.client.get("/console")).text)


async def test_the_console_otp_screen_shows_the_notice_in_the_language_of_the_sms(site):
    csrf = await log_in_staff(site)
    form = {"full_name": "Asha Patel", "mobile_number": MOBILE, "purpose": "travel"}
    started = await site.client.post(
        "/console/checks", data={**form, "sms_language": "hi", "csrf": csrf}
    )
    assert started.status_code == 303
    screen = await site.client.get(started.headers["location"])
    assert screen.status_code == 200
    assert '<html lang="en">' in screen.text  # the staff's page language
    shown = notice_section(screen.text)
    hindi = site.wired.notices.for_provider(
        "hi", scopes={"status", "demographics"}, purpose_label="travel"
    )
    assert '<div lang="hi">' in shown
    assert all(f"<li>{as_html(item)}</li>" in shown for item in hindi.section("shared").items)
    assert "यात्रा" in " ".join(hindi.section("purpose").items)
    doses = translator("hi").gettext(
        "This provider also sees your doses: vaccine, dose number, kind and date."
    )
    assert doses not in shown  # no vaccinations scope
    assert 'href="/notice?lang=hi"' in shown
    assert "Show the person this notice before they give the OTP." in screen.text


async def test_the_verification_sms_links_to_the_notice_in_its_language(site):
    csrf = await log_in_staff(site)
    form = {"full_name": "Asha Patel", "mobile_number": MOBILE, "purpose": "travel"}
    await site.client.post("/console/checks", data={**form, "sms_language": "ta", "csrf": csrf})
    await site.wired.dispatcher.drain()
    text = site.sms.last.text
    assert " http://127.0.0.1:8000/n/ta -kyvs" in text
    assert translator("ta").gettext("Privacy notice").split()[-1] in text  # "அறிவிப்பு"


async def test_the_hosted_flow_shows_the_notice_before_the_details_and_on_the_otp_screen(site):
    session = await site.wired.hosted_flow.create(
        provider=site.provider, return_url=RETURN_URL, purpose="travel", language="ta"
    )
    details = await site.client.get(f"/hosted/{session.session_id}")
    assert details.status_code == 200
    shown = notice_section(details.text)
    tamil = site.wired.notices.for_provider(
        "ta", scopes=site.provider.scopes, purpose_label="travel"
    )
    assert tamil.title in shown
    assert all(f"<li>{as_html(item)}</li>" in shown for item in tamil.section("withdraw").items)
    assert details.text.index("privacy-notice") < details.text.index('name="full_name"')
    sent = await site.client.post(
        f"/hosted/{session.session_id}/details",
        data={"full_name": "Asha Patel", "mobile_number": MOBILE, "csrf": csrf_of(details.text)},
    )
    assert sent.status_code == 303
    otp = await site.client.get(sent.headers["location"])
    assert 'name="otp"' in otp.text
    assert tamil.title in notice_section(otp.text)


async def test_me_shows_the_general_notice_and_the_login_page_links_to_it(tmp_path):
    async for citizen in logged_in_citizen(tmp_path):
        page = await citizen.client.get("/me")
        shown = notice_section(page.text)
        general = citizen.wired.notices.current("en")
        assert general.title in shown
        assert "Some providers also see your doses: vaccine, dose number, kind and date." in shown
        await citizen.post("/me/logout")
        login = await citizen.client.get("/me")
        assert 'href="/notice?lang=en"' in login.text
