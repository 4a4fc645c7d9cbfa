"""A citizen's rights against a real server and the `kyvs` command: the export lists the
provider's disclosure with a consent record that verifies against the published keys; erasure
deletes share links and says what it keeps; a withdrawn consent makes the CoWIN status call
answer as for no result; a grievance reaches `kyvs grievances list` and its answer comes back."""

from __future__ import annotations

import datetime as dt
import hashlib
import time

import httpx
import pytest

from tests.e2e.conftest import Cli, environment, running_server
from tests.e2e.deployments import Onboarding, Resident, onboard, register, upgrade, wired

ASHA, RAVI = "9400000001", "9400000002"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rights")
    database_url = f"sqlite:///{folder / 'kyvs.db'}"
    cli = Cli(environment(database_url, KYVS_DEMO="1"), folder)
    upgrade(database_url)
    register(
        cli,
        [
            Resident("Asha Patel", ASHA, ("2021-05-01", "2021-08-01"), birth_year=1980),
            Resident("Ravi Kumar", RAVI, ("2021-06-01",), birth_year=1975),
        ],
    )
    provider = onboard(
        database_url,
        [
            Onboarding(
                "Yatra Travels",
                purposes=("travel",),
                scopes=("status", "demographics"),
                category="travel",
                rate_limit="100/5min",
            )
        ],
    )["Yatra Travels"]
    with running_server(cli.env, folder) as base:
        yield {"cli": cli, "base": base, "provider": provider, "database_url": database_url}


def log_in(world, mobile: str) -> dict[str, str]:
    """One session per mobile for the module (a third login within minutes needs a challenge)."""
    sessions = world.setdefault("sessions", {})
    if mobile not in sessions:
        sessions[mobile] = _new_session(world, mobile)
    return sessions[mobile]


def _new_session(world, mobile: str) -> dict[str, str]:
    cli, base = world["cli"], world["base"]
    seen = cli.phones.count(mobile)
    txn = httpx.post(f"{base}/api/v1/citizen/login", json={"mobile_number": mobile}).json()
    otp = cli.phones.otp_after(mobile, seen)
    confirmed = httpx.post(
        f"{base}/api/v1/citizen/login/{txn['txn_id']}/confirm", json={"otp": otp}
    )
    return {"Authorization": f"Bearer {confirmed.json()['token']}"}


def otp_for(world, mobile: str, seen: int) -> str:
    deadline = time.monotonic() + 10
    while world["cli"].phones.count(mobile) == seen and time.monotonic() < deadline:
        time.sleep(0.1)
    return world["cli"].phones.otp_after(mobile, seen)


def yatra_checks(world, name: str, mobile: str) -> dict:
    base, key = world["base"], {"X-Api-Key": world["provider"]["api_key"]}
    seen = world["cli"].phones.count(mobile)
    body = {"full_name": name, "mobile_number": mobile, "purpose": "travel"}
    txn = httpx.post(f"{base}/api/v1/verifications", headers=key, json=body).json()["txn_id"]
    otp = otp_for(world, mobile, seen)
    confirmed = httpx.post(
        f"{base}/api/v1/verifications/{txn}/confirm", headers=key, json={"otp": otp}
    )
    assert confirmed.status_code == 200, confirmed.text
    return confirmed.json()


def test_the_export_lists_the_disclosure_with_a_consent_record_that_verifies(world):
    me = log_in(world, ASHA)
    result = yatra_checks(world, "Asha Patel", ASHA)

    exported = httpx.get(f"{world['base']}/api/v1/citizen/export", headers=me)

    assert exported.status_code == 200
    assert exported.headers["content-disposition"].startswith("attachment;")
    (person,) = exported.json()["people"]
    (disclosure,) = [e for e in person["access_log"] if e["outcome"] == "verified"]
    assert disclosure["consent_id"] == result["consent_id"]
    assert disclosure["provider_name"] == "Yatra Travels"
    assert set(disclosure["disclosed_fields"]) >= {"status", "beneficiary.name"}
    keys = httpx.get(f"{world['base']}/.well-known/jwks.json").json()
    with wired(world["database_url"]) as container:
        record = container.verify_consent(disclosure["consent"], keys, now=dt.datetime.now(dt.UTC))
    assert (record.consent_id, record.txn_id) == (result["consent_id"], result["txn_id"])


def test_erasure_deletes_share_links_and_reports_what_is_kept(world):
    me = log_in(world, ASHA)
    base = world["base"]
    people = httpx.get(f"{base}/api/v1/citizen/beneficiaries", headers=me).json()
    link = httpx.post(
        f"{base}/api/v1/citizen/share-links",
        headers=me,
        json={"reference_id": people[0]["reference_id"]},
    ).json()
    assert httpx.get(link["url"]).status_code == 200

    report = httpx.post(f"{base}/api/v1/citizen/erasure", headers=me).json()

    assert {"item": "share_links", "what": report["erased"][0]["what"], "count": 1} in report[
        "erased"
    ]
    assert {k["item"] for k in report["kept"]} >= {"registry_record", "access_log", "blocks"}
    assert httpx.get(link["url"]).status_code == 404
    again = httpx.post(f"{base}/api/v1/citizen/erasure", headers=me).json()
    assert all(item["count"] == 0 for item in again["erased"])


def test_a_withdrawn_consent_makes_the_cowin_status_call_answer_as_for_no_result(world):
    base, key = world["base"], {"X-Api-Key": world["provider"]["api_key"]}
    me = log_in(world, RAVI)
    seen = world["cli"].phones.count(RAVI)
    txn = httpx.post(
        f"{base}/api/v3/vaccination/generateOTP",
        headers=key,
        json={"mobile_number": RAVI, "full_name": "Ravi Kumar"},
    ).json()["txnId"]
    otp = otp_for(world, RAVI, seen)
    token = httpx.post(
        f"{base}/api/v3/vaccination/confirmOTP",
        headers=key,
        json={"otp": hashlib.sha256(otp.encode()).hexdigest(), "txnId": txn},
    ).json()["token"]
    status = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{base}/api/v3/vaccination/status", headers=status).status_code == 200
    (standing,) = httpx.get(f"{base}/api/v1/citizen/consents", headers=me).json()["disclosures"]

    withdrawn = httpx.post(
        f"{base}/api/v1/citizen/consents/{standing['consent_id']}/withdraw", headers=me
    )

    assert withdrawn.status_code == 200
    refused = httpx.get(f"{base}/api/v3/vaccination/status", headers=status)
    assert refused.status_code == 401
    assert refused.json()["errorCode"] == "USRAUT0002"
    log = httpx.get(f"{base}/api/v1/citizen/access-log", headers=me).json()
    assert [e["consent_state"] for e in log if e["outcome"] == "verified"] == ["withdrawn"]
    someone_else = httpx.post(
        f"{base}/api/v1/citizen/consents/{standing['consent_id']}/withdraw",
        headers=log_in(world, ASHA),
    )
    assert someone_else.status_code == 404


def test_a_grievance_is_listed_for_operators_answered_and_the_answer_reaches_the_citizen(world):
    me = log_in(world, ASHA)
    base, cli = world["base"], world["cli"]
    filed = httpx.post(
        f"{base}/api/v1/citizen/grievances",
        headers=me,
        json={"subject": "disclosure", "text": "Who is Yatra Travels?"},
    ).json()

    listed = cli.json("grievances", "list", "--open")
    mine = next(g for g in listed if g["grievance_id"] == filed["grievance_id"])
    assert (mine["days_left"], mine["mobile"]) == (90, "XXXXXX0001")
    table = cli.run("grievances", "list").stdout
    assert ASHA not in table and "XXXXXX0001" in table
    assert cli.json("grievances", "list", "--overdue") == []

    answered = cli.json(
        "grievances", "answer", filed["grievance_id"], "--text", "A travel agency you used."
    )
    assert answered["status"] == "answered"
    again = cli.json("grievances", "answer", filed["grievance_id"], "--text", "x", check=False)
    assert again["type"].endswith("/grievance-not-found")

    (seen,) = httpx.get(f"{base}/api/v1/citizen/grievances", headers=me).json()
    assert (seen["status"], seen["answer"]) == ("answered", "A travel agency you used.")


def test_a_grievance_s_text_reaches_the_operator_as_typed_never_as_markup(world):
    me = log_in(world, RAVI)
    text = "[blink]Yatra[/blink] asked twice"
    httpx.post(
        f"{world['base']}/api/v1/citizen/grievances",
        headers=me,
        json={"subject": "other", "text": text},
    )
    refused = httpx.post(
        f"{world['base']}/api/v1/citizen/grievances",
        headers=me,
        json={"subject": "other", "text": "clear\x1b[2J"},
    )

    assert refused.status_code == 400
    listed = world["cli"].run("grievances", "list").stdout
    assert "[blink]Yatra[/blink]" in listed
    assert "\x1b" not in listed
