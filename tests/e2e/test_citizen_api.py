"""Citizens against a real server: log in by OTP, see only their own household, see who
checked them, block a provider, ask for a correction, share a status link and revoke it."""

from __future__ import annotations

import hashlib
import time

import httpx
import pytest

from tests.e2e.conftest import Cli, environment, running_server
from tests.e2e.deployments import Onboarding, Resident, onboard, register, upgrade
from tests.qr import decode_qr_png


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("citizens")
    database_url = f"sqlite:///{folder / 'kyvs.db'}"
    cli = Cli(environment(database_url, KYVS_DEMO="1"), folder)
    upgrade(database_url)
    refs = register(
        cli,
        [
            Resident("Asha Patel", "9300000001", ("2021-05-01", "2021-08-01"), birth_year=1980),
            Resident("Meera Patel", "9300000001", ("2022-01-20",), birth_year=1980),
            Resident("Ravi Kumar", "9300000002", (), birth_year=1980),
        ],
    )
    provider = onboard(
        database_url,
        [
            Onboarding(
                "Hotel Sagar",
                purposes=("accommodation",),
                scopes=("status",),
                category="hospitality",
                rate_limit="100/5min",
            )
        ],
    )["Hotel Sagar"]
    with running_server(cli.env, folder) as base:
        yield {"cli": cli, "base": base, "refs": refs, "provider": provider}


def newest_otp(cli: Cli, mobile: str, seen: int) -> str:
    return cli.phones.otp_after(mobile, seen)


def sent(cli: Cli, mobile: str) -> int:
    return cli.phones.count(mobile)


def log_in(world, mobile: str) -> dict[str, str]:
    cli, base = world["cli"], world["base"]
    seen = sent(cli, mobile)
    txn = httpx.post(f"{base}/api/v1/citizen/login", json={"mobile_number": mobile}).json()[
        "txn_id"
    ]
    otp = newest_otp(cli, mobile, seen)
    token = httpx.post(f"{base}/api/v1/citizen/login/{txn}/confirm", json={"otp": otp}).json()[
        "token"
    ]
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def me(world) -> dict[str, str]:
    """One login for the household on 9300000001 (each login is an OTP toward the mobile's cap)."""
    return log_in(world, "9300000001")


def provider_check(world, name: str, mobile: str) -> httpx.Response:
    base, key = world["base"], {"X-Api-Key": world["provider"]["api_key"]}
    cli = world["cli"]
    seen = sent(cli, mobile)
    txn = httpx.post(
        f"{base}/api/v1/verifications",
        headers=key,
        json={"full_name": name, "mobile_number": mobile, "purpose": "accommodation"},
    ).json()["txn_id"]
    time.sleep(0.5)
    if sent(cli, mobile) == seen:  # no SMS: blocked or unmatched; a guess fails like a wrong OTP
        return httpx.post(
            f"{base}/api/v1/verifications/{txn}/confirm", headers=key, json={"otp": "123456"}
        )
    otp = newest_otp(cli, mobile, seen)
    return httpx.post(f"{base}/api/v1/verifications/{txn}/confirm", headers=key, json={"otp": otp})


def test_a_citizen_sees_only_the_people_on_their_own_mobile(world, me):
    people = httpx.get(f"{world['base']}/api/v1/citizen/beneficiaries", headers=me).json()
    assert sorted(p["name"] for p in people) == ["Asha Patel", "Meera Patel"]
    asha = next(p for p in people if p["name"] == "Asha Patel")
    assert asha["status"] == "FULLY_VACCINATED"
    assert asha["precaution_due_on"]
    ravi = world["refs"]["Ravi Kumar"]
    answer = httpx.post(
        f"{world['base']}/api/v1/citizen/share-links", headers=me, json={"reference_id": ravi}
    )
    assert answer.status_code == 404


def test_without_a_valid_session_nothing_is_shown(world):
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Bearer a.1.b"}):
        answer = httpx.get(f"{world['base']}/api/v1/citizen/beneficiaries", headers=headers)
        assert answer.status_code == 401
        assert answer.json()["type"] == "https://kyvs.dev/problems/invalid-session"


def test_the_access_log_shows_who_checked_and_what_was_disclosed(world, me):
    assert provider_check(world, "Asha Patel", "9300000001").status_code == 200
    log = httpx.get(f"{world['base']}/api/v1/citizen/access-log", headers=me).json()
    verified = [e for e in log if e["outcome"] == "verified"]
    assert verified[0]["provider_name"] == "Hotel Sagar"
    assert verified[0]["disclosed"] == ["status"]
    assert verified[0]["purpose"] == "accommodation"


def test_a_blocked_provider_gets_what_an_unmatched_pair_gets(world, me):
    provider_id = world["provider"]["provider_id"]
    ref = world["refs"]["Meera Patel"]
    blocked = httpx.post(
        f"{world['base']}/api/v1/citizen/blocks",
        headers=me,
        json={"provider_id": provider_id, "reference_id": ref},
    )
    assert blocked.status_code == 201
    refused = provider_check(world, "Meera Patel", "9300000001")
    assert refused.status_code == 400
    assert refused.json()["type"] == "https://kyvs.dev/problems/invalid-otp"
    httpx.delete(
        f"{world['base']}/api/v1/citizen/blocks/{provider_id}",
        headers=me,
        params={"reference_id": ref},
    )
    assert provider_check(world, "Meera Patel", "9300000001").status_code == 200


def test_an_accepted_correction_changes_the_status(world, me):
    ref = world["refs"]["Meera Patel"]
    raised = httpx.post(
        f"{world['base']}/api/v1/citizen/corrections",
        headers=me,
        json={
            "reference_id": ref,
            "action": "add-dose",
            "vaccine": "COVISHIELD",
            "date": "2022-05-01",
            "note": "My second dose is missing",
        },
    )
    assert raised.status_code == 201
    correction_id = raised.json()["correction_id"]
    cli = world["cli"]
    assert correction_id in [c["correction_id"] for c in cli.json("corrections", "list")]
    decided = cli.json(
        "corrections", "accept", correction_id, "--note", "checked the centre's register"
    )
    assert (decided["status_before"]["code"], decided["status_after"]["code"]) == (1, 2)
    people = httpx.get(f"{world['base']}/api/v1/citizen/beneficiaries", headers=me).json()
    assert next(p for p in people if p["reference_id"] == ref)["status"] == "FULLY_VACCINATED"
    mine = httpx.get(f"{world['base']}/api/v1/citizen/corrections", headers=me).json()
    assert mine[0]["status"] == "accepted"


def test_a_share_link_shows_the_status_until_revoked(world, me):
    link = httpx.post(
        f"{world['base']}/api/v1/citizen/share-links",
        headers=me,
        json={
            "reference_id": world["refs"]["Asha Patel"],
            "days": 7,
            "name_on_card": "initials",
            "language": "gu",
        },
    ).json()
    page = httpx.get(link["url"])
    assert page.status_code == 200
    assert 'property="og:image"' in page.text
    assert "A. P." in page.text
    assert "Asha Patel" not in page.text
    card = httpx.get(link["card_wide"])
    assert card.headers["content-type"] == "image/png"
    assert (
        httpx.delete(
            f"{world['base']}/api/v1/citizen/share-links/{link['link_id']}", headers=me
        ).status_code
        == 204
    )
    assert httpx.get(link["url"]).status_code == 404
    assert httpx.get(link["card_wide"]).status_code == 404


def test_the_qr_on_a_share_card_opens_the_status_page(world, me):
    link = httpx.post(
        f"{world['base']}/api/v1/citizen/share-links",
        headers=me,
        json={"reference_id": world["refs"]["Asha Patel"], "language": "hi"},
    ).json()
    png = httpx.get(link["card_square"]).content
    decoded = decode_qr_png(png)
    assert decoded == link["url"]
    assert httpx.get(decoded).status_code == 200


def test_a_third_login_to_one_mobile_within_minutes_needs_a_challenge(world):
    # The caps themselves (3 logins an hour, apart from providers' checks) are proven in
    # tests/e2e/abuse/test_login_abuse.py, solving the challenges as a client must.
    base = world["base"]
    answers = [
        httpx.post(f"{base}/api/v1/citizen/login", json={"mobile_number": "9300000099"})
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [202, 202, 403]
    assert answers[2].json()["type"].endswith("/challenge-required")


def test_the_cowin_public_login_uses_sha256_of_the_otp(world):
    cli, base = world["cli"], world["base"]
    seen = sent(cli, "9300000002")
    txn = httpx.post(
        f"{base}/api/v2/auth/public/generateOTP", json={"mobile": "9300000002"}
    ).json()["txnId"]
    otp = newest_otp(cli, "9300000002", seen)
    token = httpx.post(
        f"{base}/api/v2/auth/public/confirmOTP",
        json={"otp": hashlib.sha256(otp.encode()).hexdigest(), "txnId": txn},
    ).json()["token"]
    people = httpx.get(
        f"{base}/api/v1/citizen/beneficiaries", headers={"Authorization": f"Bearer {token}"}
    )
    assert [p["name"] for p in people.json()] == ["Ravi Kumar"]
