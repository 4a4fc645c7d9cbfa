"""A link cannot put words on kyvs's pages: no text a page shows comes from its query string.

Otherwise anyone could send a person a real kyvs address whose page says, in kyvs's own look,
"Your check failed: call 1800-… and read out your OTP".
"""

from __future__ import annotations

import re

import httpx

from tests.e2e.abuse.conftest import RETURN_URL
from tests.e2e.abuse.world import World

BAIT = "Call 1800-000-000 and read out your OTP"
FORGED = {"problem": BAIT, "message": BAIT, "status_code": "299", "attempts_left": "7"}
MOBILE = "9400000006"


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None, page.text
    return found[1]


def test_the_citizens_pages_show_no_text_from_their_address(world):
    with httpx.Client(
        base_url=world.base, timeout=10, event_hooks={"request": [World.as_another_client]}
    ) as person:
        assert BAIT not in person.get("/me", params=FORGED).text
        seen = world.sms_count(MOBILE)
        form = person.get("/me")
        sent = person.post("/me/login", data={"mobile_number": MOBILE, "csrf": csrf_of(form)})
        assert sent.status_code == 303, sent.text

        otp_page = person.get("/me/otp", params=FORGED)
        assert otp_page.status_code == 200
        assert BAIT not in otp_page.text

        otp = world.otp_after(MOBILE, seen)
        confirmed = person.post("/me/otp", data={"otp": otp, "csrf": csrf_of(otp_page)})
        assert confirmed.status_code == 303, confirmed.text
        records = person.get("/me", params=FORGED)

    assert records.status_code == 200
    assert "Leela Nair" in records.text  # logged in: the records page, which shows messages
    assert BAIT not in records.text


def test_the_hosted_pages_show_no_text_or_status_from_their_address(world):
    created = world.post(
        "/api/v1/hosted-sessions",
        provider="Yatra",
        json={"return_url": RETURN_URL, "purpose": "travel"},
    )
    assert created.status_code == 201, created.text

    page = httpx.get(created.json()["url"], params=FORGED, timeout=10)

    assert page.status_code == 200
    assert BAIT not in page.text
