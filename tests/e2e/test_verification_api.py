"""The whole verification flow against a real server process, as a provider's client sees it.

Operator onboards a provider with the CLI -> the client starts a verification -> the person's
OTP is read from the demo SMS outbox -> the client confirms -> the result's attestation is
checked against the server's JWKS.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import sqlite3
import time

import httpx
import pytest

from kyvs.adapters.jws import verify
from tests.e2e.conftest import Cli, environment, running_server
from tests.e2e.deployments import Onboarding, Resident, onboard, register, upgrade


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    folder = tmp_path_factory.mktemp("verification")
    database_url = f"sqlite:///{folder / 'kyvs.db'}"
    cli = Cli(environment(database_url, KYVS_DEMO="1"), folder)
    upgrade(database_url)
    register(
        cli,
        [
            Resident("Asha Patel", "9100000001", ("2021-05-01", "2021-08-01"), "COVAXIN", 1988),
            Resident("Meera Patel", "9100000001", ("2022-01-20",), "COVAXIN", 1988),
            Resident("ભાવેશ શાહ", "9100000002", ("2021-07-01", "2021-09-01"), "COVAXIN", 1988),
        ],
    )
    providers = onboard(
        database_url,
        [
            Onboarding("Yatra Travels", scopes=("status", "vaccinations")),
            Onboarding(
                "Hotel Sagar",
                purposes=("accommodation",),
                scopes=("status", "demographics"),
                category="hospitality",
                rate_limit="100/5min",
                daily_quota=50,
            ),
        ],
    )
    travel, hotel = providers["Yatra Travels"], providers["Hotel Sagar"]
    with running_server(cli.env, folder) as base:
        yield {"cli": cli, "base": base, "travel": travel, "hotel": hotel}


def start(deployment, provider, name, mobile, purpose, **extra):
    return httpx.post(
        f"{deployment['base']}/api/v1/verifications",
        headers={"X-Api-Key": deployment[provider]["api_key"]},
        json={"full_name": name, "mobile_number": mobile, "purpose": purpose, **extra},
    )


def otp_sent_to(cli: Cli, mobile: str, after: int = 0) -> str:
    """The newest OTP in the demo outbox for `mobile` (the SMS leaves after the response)."""
    return cli.phones.otp_after(mobile, after)


def sms_count(cli: Cli, mobile: str) -> int:
    return cli.phones.count(mobile)


def test_a_provider_verifies_a_person_end_to_end(deployment):
    cli, base = deployment["cli"], deployment["base"]
    before = sms_count(cli, "9100000001")
    started = start(deployment, "travel", "Asha Patel", "+91 91000 00001", "travel")
    assert started.status_code == 202
    body = started.json()
    assert set(body) == {"txn_id", "expires_at", "otp_length", "resend_after_s"}

    otp = otp_sent_to(cli, "9100000001", after=before)
    confirmed = httpx.post(
        f"{base}/api/v1/verifications/{body['txn_id']}/confirm",
        headers={"X-Api-Key": deployment["travel"]["api_key"]},
        json={"otp": otp},
    )
    assert confirmed.status_code == 200
    result = confirmed.json()
    assert (result["vaccination_status"], result["status_text"]) == (2, "Fully vaccinated")
    assert [d["date"] for d in result["vaccinations"]] == ["2021-05-01", "2021-08-01"]
    assert "beneficiary" not in result

    jwks = httpx.get(f"{base}/.well-known/jwks.json").json()
    claims = verify(
        result["attestation"],
        jwks,
        now=dt.datetime.now(dt.UTC),
        audience=deployment["travel"]["provider_id"],
    )
    assert claims["kyvs"]["vaccination_status"] == 2

    state = httpx.get(
        f"{base}/api/v1/verifications/{body['txn_id']}",
        headers={"X-Api-Key": deployment["travel"]["api_key"]},
    ).json()
    assert state["state"] == "verified"


def test_status_text_follows_the_requested_language(deployment):
    cli = deployment["cli"]
    before = sms_count(cli, "9100000002")
    started = start(
        deployment, "hotel", "Bhavesh Shah", "9100000002", "accommodation", language="gu"
    )
    otp = otp_sent_to(cli, "9100000002", after=before)
    result = httpx.post(
        f"{deployment['base']}/api/v1/verifications/{started.json()['txn_id']}/confirm",
        headers={"X-Api-Key": deployment["hotel"]["api_key"]},
        json={"otp": otp},
    ).json()
    assert result["status"] == "FULLY_VACCINATED"
    assert result["status_text"] != "Fully vaccinated"  # Gujarati
    assert result["beneficiary"]["name"] == "ભાવેશ શાહ"
    assert "vaccinations" not in result


def test_another_providers_txn_answers_404_as_problem_json(deployment):
    started = start(deployment, "travel", "Meera Patel", "9100000001", "travel").json()
    answer = httpx.get(
        f"{deployment['base']}/api/v1/verifications/{started['txn_id']}",
        headers={"X-Api-Key": deployment["hotel"]["api_key"]},
    )
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "https://kyvs.dev/problems/txn-not-found"


def test_unmatched_and_wrong_otp_look_the_same(deployment):
    matched = start(deployment, "travel", "Meera Patel", "9100000001", "travel")
    unmatched = start(deployment, "travel", "Nobody Known", "9100000099", "travel")
    assert matched.status_code == unmatched.status_code == 202
    assert set(matched.json()) == set(unmatched.json())
    answers = [
        httpx.post(
            f"{deployment['base']}/api/v1/verifications/{s.json()['txn_id']}/confirm",
            headers={"X-Api-Key": deployment["travel"]["api_key"]},
            json={"otp": "000001"},
        )
        for s in (matched, unmatched)
    ]
    assert [a.status_code for a in answers] == [400, 400]
    bodies = [a.json() for a in answers]
    assert bodies[0] == bodies[1]
    assert bodies[0]["attempts_left"] == 2


def test_resend_right_away_is_429_with_retry_after(deployment):
    started = start(deployment, "travel", "Meera Patel", "9100000001", "travel").json()
    answer = httpx.post(
        f"{deployment['base']}/api/v1/verifications/{started['txn_id']}/resend",
        headers={"X-Api-Key": deployment["travel"]["api_key"]},
    )
    assert answer.status_code == 429
    assert 1 <= int(answer.headers["retry-after"]) <= 30
    assert answer.json()["type"] == "https://kyvs.dev/problems/resend-too-soon"


def test_requests_without_a_valid_key_are_401(deployment):
    for key in (None, "kyvs_000000000000_" + "A" * 43, "garbage"):
        headers = {"X-Api-Key": key} if key else {}
        answer = httpx.post(
            f"{deployment['base']}/api/v1/verifications",
            headers=headers,
            json={"full_name": "A", "mobile_number": "9100000001", "purpose": "travel"},
        )
        assert answer.status_code == 401
        assert answer.json()["type"] == "https://kyvs.dev/problems/invalid-api-key"


def test_a_purpose_the_provider_lacks_is_403(deployment):
    answer = start(deployment, "hotel", "Asha Patel", "9100000001", "travel")
    assert answer.status_code == 403
    assert answer.json()["type"] == "https://kyvs.dev/problems/purpose-not-allowed"


def test_a_cowin_client_completes_a_check_with_hashed_otp(deployment):
    cli, base = deployment["cli"], deployment["base"]
    key = {"X-Api-Key": deployment["travel"]["api_key"]}
    before = sms_count(cli, "9100000002")
    txn = httpx.post(
        f"{base}/api/v3/vaccination/generateOTP",
        headers=key,
        json={"mobile_number": "9100000002", "full_name": "ભાવેશ શાહ"},
    ).json()["txnId"]
    otp = otp_sent_to(cli, "9100000002", after=before)
    plain = httpx.post(
        f"{base}/api/v3/vaccination/confirmOTP", headers=key, json={"otp": otp, "txnId": txn}
    )
    assert plain.status_code == 400
    assert plain.json()["errorCode"] == "USRAUT0014"
    hashed = hashlib.sha256(otp.encode()).hexdigest()
    token = httpx.post(
        f"{base}/api/v3/vaccination/confirmOTP", headers=key, json={"otp": hashed, "txnId": txn}
    ).json()["token"]
    status = httpx.get(
        f"{base}/api/v3/vaccination/status", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert status["vaccination_status"] == 2
    assert "vaccinations" in status


def test_a_citizen_logs_in_through_the_cowin_public_auth(deployment):
    cli, base = deployment["cli"], deployment["base"]
    before = sms_count(cli, "9100000001")
    txn = httpx.post(f"{base}/api/v2/auth/public/generateOTP", json={"mobile": "9100000001"})
    assert txn.status_code == 200
    otp = otp_sent_to(cli, "9100000001", after=before)
    token = httpx.post(
        f"{base}/api/v2/auth/public/confirmOTP",
        json={"otp": hashlib.sha256(otp.encode()).hexdigest(), "txnId": txn.json()["txnId"]},
    )
    assert token.status_code == 200
    assert token.json()["token"].count(".") == 2


def test_every_api_call_is_audited_without_personal_data(deployment):
    answer = start(deployment, "travel", "Sunil Audit", "9100000050", "travel")
    request_id = answer.headers["x-request-id"]
    txn_id = answer.json()["txn_id"]
    httpx.get(
        f"{deployment['base']}/api/v1/verifications/{txn_id}",
        headers={"X-Api-Key": deployment["travel"]["api_key"]},
    )
    folder = deployment["cli"].cwd

    def audit_rows() -> list[tuple]:
        with contextlib.closing(sqlite3.connect(folder / "kyvs.db")) as connection:
            return connection.execute(
                "SELECT request_id, method, route, status, provider_id FROM api_audit"
            ).fetchall()

    # The audit is written in batches every second: wait for both calls, with a deadline.
    def both_audited(rows: list[tuple]) -> bool:
        routes = {row[2] for row in rows}
        return request_id in {row[0] for row in rows} and "/api/v1/verifications/{txn_id}" in routes

    deadline = time.monotonic() + 10
    while not both_audited(rows := audit_rows()):
        assert time.monotonic() < deadline, "the audit was not written within 10 s"
        time.sleep(0.1)
    audited = {row[0]: row for row in rows}
    assert audited[request_id][1:] == (
        "POST",
        "/api/v1/verifications",
        202,
        deployment["travel"]["provider_id"],
    )
    flat = repr(rows)
    assert "9100000050" not in flat
    assert "Sunil" not in flat
    assert txn_id not in flat
    assert any(row[2] == "/api/v1/verifications/{txn_id}" for row in rows)
