"""The citizen's forms say the real reason for a refusal, in the reader's language, and a bad
value is refused rather than replaced by a default (regression: a non-numeric `days` became 30,
and a share of 400 days or an impossible date got the name-and-mobile sentence)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from kyvs.adapters.sms.memory import MemorySms
from kyvs.adapters.sql import migrate
from kyvs.adapters.sql.engine import make_engine
from kyvs.bootstrap import Container, bootstrap
from kyvs.domain.mobile import MobileNumber
from kyvs.i18n import translator
from kyvs.settings import Settings
from kyvs.web.app import create_app
from kyvs.web.problem_catalogue import REASONS
from tests.factories.people import fully_vaccinated

pytestmark = pytest.mark.anyio

MOBILE = "9876543210"
GENERIC = "Please check the full name and the 10-digit mobile number."


class Citizen:
    """A browser logged in at /me, posting its forms."""

    def __init__(self, client: httpx.AsyncClient, wired: Container, reference_id: str) -> None:
        self.client, self.wired, self.reference_id = client, wired, reference_id

    async def csrf(self) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', (await self.client.get("/me")).text)
        assert found
        return found.group(1)

    async def post(self, path: str, **form: str) -> httpx.Response:
        return await self.client.post(path, data={"csrf": await self.csrf(), **form})


@pytest.fixture
async def citizen(tmp_path) -> AsyncIterator[Citizen]:
    url = f"sqlite:///{tmp_path / 'kyvs.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    sms = MemorySms()
    wired = bootstrap(Settings(database_url=url, demo=True), sms=sms)
    asha = fully_vaccinated(name="Asha Patel", mobile=MOBILE)
    wired.registry.add(asha)
    app = create_app(container=wired)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://kyvs.test") as client:
        person = Citizen(client, wired, asha.beneficiary.reference_id)
        assert (await person.post("/me/login", mobile_number=MOBILE)).status_code == 303
        await wired.dispatcher.drain()
        otp = re.search(r"\b(\d{6})\b", sms.to(MobileNumber.parse(MOBILE))[-1].text)
        assert otp
        assert (await person.post("/me/otp", otp=otp.group(1))).status_code == 303
        yield person
    await wired.aclose()


@pytest.mark.parametrize("days", ["400", "0", "thirty", "30.5", ""])
async def test_a_share_of_the_wrong_length_says_how_long_a_share_may_last(citizen, days):
    page = await citizen.post(
        "/me/share", reference_id=citizen.reference_id, name_on_card="initials", days=days
    )
    assert page.status_code == 400
    assert REASONS["share-days"] in page.text
    assert GENERIC not in page.text
    assert "/me/cards/" not in page.headers.get("location", "")


async def test_a_share_for_a_good_number_of_days_makes_a_card(citizen):
    made = await citizen.post(
        "/me/share", reference_id=citizen.reference_id, name_on_card="initials", days="30"
    )
    assert made.status_code == 303
    assert made.headers["location"].startswith("/me/cards/")


@pytest.mark.parametrize("date", ["2021-02-30", "2021-13-01", "01/05/2021"])
async def test_an_impossible_date_is_named_as_such(citizen, date):
    page = await citizen.post(
        "/me/corrections",
        reference_id=citizen.reference_id,
        action="add-dose",
        vaccine="COVISHIELD",
        date=date,
    )
    assert page.status_code == 400
    assert REASONS["date"] in page.text
    assert GENERIC not in page.text


async def test_a_dose_number_that_is_not_a_number_is_refused_not_dropped(citizen):
    page = await citizen.post(
        "/me/corrections",
        reference_id=citizen.reference_id,
        action="remove-dose",
        dose_number="second",
    )
    assert REASONS["which-dose"] in page.text


async def test_the_reason_is_given_in_the_reader_s_language(citizen):
    citizen.client.cookies.set("kyvs_lang", "hi")
    page = await citizen.post(
        "/me/share", reference_id=citizen.reference_id, name_on_card="initials", days="999"
    )
    hindi = translator("hi").gettext(REASONS["share-days"])
    assert hindi != REASONS["share-days"]
    assert hindi in page.text
