"""The citizen's forms say the real reason for a refusal, in the reader's language, and a bad
value is refused rather than replaced by a default (regression: a non-numeric `days` became 30,
and a share of 400 days or an impossible date got the name-and-mobile sentence)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from kyvs.i18n import translator
from kyvs.web.problem_catalogue import REASONS
from tests.factories.citizen_pages import Citizen, logged_in_citizen

pytestmark = pytest.mark.anyio

GENERIC = "Please check the full name and the 10-digit mobile number."


@pytest.fixture
async def citizen(tmp_path) -> AsyncIterator[Citizen]:
    async for person in logged_in_citizen(tmp_path):
        yield person


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
