"""A citizen's rights in an in-process app (bootstrap, migrated SQLite, demo SMS): the export
holds every access-log line and each disclosure's consent record; erasure erases what kyvs may
and says what it keeps; a withdrawn consent stops the provider's fetches; grievances carry a
due date and the operator's answer. Through the API and through the /me forms."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from kyvs.domain.mobile import MobileNumber
from kyvs.domain.otp import otp_digest
from kyvs.domain.otp_channel import OtpChannel
from kyvs.domain.rights import ConsentWithdrawn
from kyvs.i18n import translator
from kyvs.ports import AccessEntry, Block
from kyvs.services import grievances
from kyvs.web.problem_catalogue import REASONS
from tests.factories.citizen_pages import MOBILE, Citizen, logged_in_citizen
from tests.factories.providers import a_provider

pytestmark = pytest.mark.anyio

YATRA = dataclasses.replace(
    a_provider(scopes=("status", "demographics")), return_urls=("https://yatra.example/back",)
)
PROBLEMS = "https://kyvs.dev/problems/"


@pytest.fixture
async def citizen(tmp_path) -> AsyncIterator[Citizen]:
    async for person in logged_in_citizen(tmp_path):
        yield person


def newest_otp(citizen: Citizen) -> str:
    found = re.search(r"\b(\d{6})\b", citizen.wired.sms.to(MobileNumber.parse(MOBILE))[-1].text)
    assert found
    return found.group(1)


@pytest.fixture
async def api(citizen) -> dict[str, str]:
    """A citizen API session for the same mobile (Bearer token)."""
    started = await citizen.client.post("/api/v1/citizen/login", json={"mobile_number": MOBILE})
    await citizen.wired.dispatcher.drain()
    txn_id = started.json()["txn_id"]
    confirmed = await citizen.client.post(
        f"/api/v1/citizen/login/{txn_id}/confirm", json={"otp": newest_otp(citizen)}
    )
    return {"Authorization": f"Bearer {confirmed.json()['token']}"}


async def verified_by_yatra(citizen: Citizen) -> dict[str, Any]:
    """Yatra checks Asha with her OTP: the disclosed result."""
    verifier = citizen.wired.verifier
    started = await verifier.start(
        provider=YATRA, full_name="Asha Patel", mobile=MOBILE, purpose="travel", language="en"
    )
    await citizen.wired.dispatcher.drain()
    return await verifier.confirm(
        provider=YATRA,
        txn_id=started.txn_id,
        otp_digest=otp_digest(newest_otp(citizen)),
        channel="api",
    )


async def get(citizen: Citizen, path: str, api: dict[str, str]) -> Any:
    answer = await citizen.client.get(path, headers=api)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_the_export_holds_every_line_of_the_access_log_and_each_consent_record(citizen, api):
    result = await verified_by_yatra(citizen)
    # More lines than any page shows (the API's 200, /me's 100): the export has them all.
    now = citizen.wired.clock.now()
    for n in range(205):
        entry = AccessEntry(
            citizen.reference_id, "prov-x", "X", "travel", frozenset(), "requested", f"t{n}", now
        )
        await citizen.wired.access_log.record(entry)

    answer = await citizen.client.get("/api/v1/citizen/export", headers=api)

    assert answer.headers["content-disposition"].startswith("attachment; filename=")
    document = answer.json()
    (person,) = document["people"]
    assert len(person["access_log"]) == 2 + 205  # the check's request and disclosure, and more
    (disclosure,) = [e for e in person["access_log"] if e["outcome"] == "verified"]
    assert disclosure["consent_id"] == result["consent_id"]
    assert disclosure["disclosed_scopes"] == ["demographics", "status"]
    assert "beneficiary.name" in disclosure["disclosed_fields"]
    wired = citizen.wired
    record = wired.verify_consent(disclosure["consent"], wired.key_ring.jwks(), now=now)
    assert (record.consent_id, record.provider_id) == (result["consent_id"], YATRA.provider_id)
    assert disclosure["consent_state"] == "standing"
    assert set(document["about"]) == {
        "people", "access_log", "blocks", "share_links", "corrections", "grievances", "otp_channel"
    }  # fmt: skip
    assert "Kept for 365 days" in document["about"]["access_log"]["kept"]


async def test_the_export_masks_the_reference_and_never_holds_an_id_number(citizen, api):
    document = await get(citizen, "/api/v1/citizen/export", api)
    text = json.dumps(document)
    assert citizen.reference_id not in text
    assert document["people"][0]["reference_id_masked"].endswith(citizen.reference_id[-4:])
    assert MOBILE not in text


async def test_erasure_erases_what_kyvs_may_and_keeps_blocks_unless_asked(citizen, api):
    wired = citizen.wired
    result = await verified_by_yatra(citizen)
    made = await citizen.client.post(
        "/api/v1/citizen/share-links", headers=api, json={"reference_id": citizen.reference_id}
    )
    await wired.channel_preferences.set(MobileNumber.parse(MOBILE), OtpChannel.WHATSAPP)
    await wired.citizen_store.block(Block(citizen.reference_id, "prov-other", wired.clock.now()))

    report = (await citizen.client.post("/api/v1/citizen/erasure", headers=api)).json()

    counts = {item["item"]: item["count"] for item in report["erased"]}
    assert counts == {
        "share_links": 1,
        "otp_channel": 1,
        "verification_results": 1,
        "hosted_results": 0,
        "consents_withdrawn": 1,
    }
    kept = {item["item"]: item for item in report["kept"]}
    assert set(kept) == {"registry_record", "access_log", "blocks", "requests"}
    assert kept["registry_record"]["route"] == "/api/v1/citizen/corrections"
    assert (await citizen.client.get(f"/s/{made.json()['link_id']}")).status_code == 404
    assert await wired.citizen_store.blocks_for([citizen.reference_id])
    assert await wired.channel_preferences.get(MobileNumber.parse(MOBILE)) is OtpChannel.SMS
    with pytest.raises(ConsentWithdrawn):
        await wired.verifier.verified_result(provider=YATRA, txn_id=result["txn_id"])

    again = await citizen.client.post(
        "/api/v1/citizen/erasure", headers=api, json={"lift_blocks": True}
    )
    counts = {item["item"]: item["count"] for item in again.json()["erased"]}
    assert counts == dict.fromkeys(counts, 0) | {"blocks": 1}
    assert "blocks" not in {item["item"] for item in again.json()["kept"]}


async def test_a_withdrawn_consent_stops_the_result_and_shows_in_the_access_log(citizen, api):
    result = await verified_by_yatra(citizen)
    consents = await get(citizen, "/api/v1/citizen/consents", api)
    assert [c["consent_id"] for c in consents["disclosures"]] == [result["consent_id"]]

    path = f"/api/v1/citizen/consents/{result['consent_id']}/withdraw"
    first = await citizen.client.post(path, headers=api)
    second = await citizen.client.post(path, headers=api)

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    with pytest.raises(ConsentWithdrawn):
        await citizen.wired.verifier.verified_result(provider=YATRA, txn_id=result["txn_id"])
    log = await get(citizen, "/api/v1/citizen/access-log", api)
    (shared,) = [e for e in log if e["outcome"] == "verified"]
    assert (shared["consent_state"], shared["consent_id"]) == ("withdrawn", result["consent_id"])
    assert (await get(citizen, "/api/v1/citizen/consents", api))["disclosures"] == []


async def test_a_consent_of_no_one_on_the_mobile_is_not_found(citizen, api):
    answer = await citizen.client.post(
        "/api/v1/citizen/consents/4b0c9a4e-0000-4000-8000-000000000000/withdraw", headers=api
    )
    assert answer.status_code == 404
    assert answer.json()["type"] == PROBLEMS + "consent-not-found"


async def test_a_withdrawn_hosted_check_is_refused_to_the_provider(citizen, api):
    citizen.wired.provider_store.add(YATRA, created_at=citizen.wired.clock.now())
    flow = citizen.wired.hosted_flow
    session = await flow.create(
        provider=YATRA, return_url="https://yatra.example/back", purpose="travel", language="en"
    )
    await flow.submit_details(
        session.session_id, browser="b" * 43, full_name="Asha Patel", mobile=MOBILE
    )
    await citizen.wired.dispatcher.drain()
    result = await flow.submit_otp(session.session_id, browser="b" * 43, otp=newest_otp(citizen))
    assert (await flow.result_for(YATRA, session.session_id)).result is not None

    await citizen.client.post(
        f"/api/v1/citizen/consents/{result['consent_id']}/withdraw", headers=api
    )

    with pytest.raises(ConsentWithdrawn):
        await flow.result_for(YATRA, session.session_id)


@pytest.mark.parametrize(
    ("body", "status", "slug"),
    [
        ({"subject": "spam", "text": "Hello"}, 400, "invalid-input"),
        ({"subject": "other", "text": "x" * 2001}, 400, "invalid-input"),
        ({"subject": "other", "text": "  "}, 400, "invalid-input"),
        ({"subject": "other", "text": "Hi", "reference": "not-mine"}, 404, "consent-not-found"),
        ({"subject": "other"}, 422, "validation-error"),
    ],
)
async def test_a_bad_grievance_is_refused_with_a_stable_type(citizen, api, body, status, slug):
    answer = await citizen.client.post("/api/v1/citizen/grievances", headers=api, json=body)
    assert answer.status_code == status
    assert answer.json()["type"] == PROBLEMS + slug


async def test_a_grievance_is_due_in_90_days_and_shows_the_operator_s_answer(citizen, api):
    result = await verified_by_yatra(citizen)
    body = {"subject": "disclosure", "text": "I never agreed.", "reference": result["txn_id"]}
    filed = await citizen.client.post("/api/v1/citizen/grievances", headers=api, json=body)
    assert filed.status_code == 201
    grievance = filed.json()
    filed_on = dt.datetime.fromisoformat(grievance["filed_at"]).date()
    assert dt.date.fromisoformat(grievance["due_on"]) == filed_on + dt.timedelta(days=90)
    assert grievance["status"] == "open"

    grievances.answer(
        citizen.wired.grievance_desk,
        grievance_id=grievance["grievance_id"],
        text="The provider was told to stop.",
        now=citizen.wired.clock.now(),
    )

    (seen,) = await get(citizen, "/api/v1/citizen/grievances", api)
    assert (seen["status"], seen["answer"]) == ("answered", "The provider was told to stop.")


async def test_the_me_page_downloads_erases_withdraws_and_files_grievances(citizen):
    result = await verified_by_yatra(citizen)
    page = (await citizen.client.get("/me")).text
    for form in ('action="/me/export"', 'action="/me/erasure"', 'action="/me/grievances"'):
        assert form in page
    assert f'action="/me/consents/{result["consent_id"]}/withdraw"' in page

    download = await citizen.client.get("/me/export")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.json()["people"][0]["access_log"][0]["consent_id"] == result["consent_id"]

    withdrawn = await citizen.post(f"/me/consents/{result['consent_id']}/withdraw")
    assert withdrawn.headers["location"] == "/me?notice=withdrawn"
    assert "Status shared (consent withdrawn)" in (await citizen.client.get("/me")).text

    filed = await citizen.post("/me/grievances", subject="other", text="Who asked?")
    assert filed.headers["location"] == "/me?notice=grievance"
    assert "Who asked?" in (await citizen.client.get("/me")).text

    report = await citizen.post("/me/erasure")
    assert report.status_code == 200
    assert "What was erased" in report.text
    assert 'href="/me#people"' in report.text


async def test_a_grievance_form_with_too_long_a_text_says_so_in_the_reader_s_language(citizen):
    citizen.client.cookies.set("kyvs_lang", "hi")
    page = await citizen.post("/me/grievances", subject="other", text="x" * 2001)
    assert page.status_code == 400
    assert translator("hi").gettext(REASONS["grievance-text"]) in page.text
