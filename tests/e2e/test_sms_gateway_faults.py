"""A real `kyvs serve` on the HTTP SMS gateway adapter, against a loopback gateway that fails and
then heals: the provider is told (503 sms-unavailable, a notice on the txn state) the same way for
a matched and an unmatched pair; the failure is counted; after healing an OTP goes out."""

from __future__ import annotations

import hashlib
import re
import time

import httpx
import pytest

from tests.e2e.conftest import Cli, environment, running_server
from tests.sms_gateway import running_gateway

MOBILE = "9100000001"
OPEN_S = 3


def wait_for(check, what: str, timeout_s: float = 10.0):
    deadline = time.monotonic() + timeout_s
    while not (found := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen in {timeout_s} s")
        time.sleep(0.05)
    return found


@pytest.fixture
def setup(tmp_path):
    with running_gateway() as gateway:
        env = environment(
            f"sqlite:///{tmp_path / 'kyvs.db'}",
            KYVS_DEMO="1",
            KYVS_SMS_BACKEND="http",
            KYVS_SMS_HTTP_URL=gateway.url,
            KYVS_SMS_HTTP_TIMEOUT_S="0.3",
            KYVS_SMS_HTTP_ATTEMPTS="2",
            KYVS_SMS_CIRCUIT_FAILURES="1",
            KYVS_SMS_CIRCUIT_OPEN_S=str(OPEN_S),
        )
        cli = Cli(env, tmp_path)
        cli.run("db", "upgrade")
        ref = cli.json(
            "registry", "add", "--name", "Asha Patel", "--mobile", MOBILE,
            "--birth-year", "1988", "--gender", "F",
        )["reference_id"]  # fmt: skip
        cli.json("registry", "dose", ref, "--vaccine", "COVAXIN", "--date", "2021-05-01")
        key = cli.json(
            "provider", "create", "--name", "Yatra Travels", "--category", "travel",
            "--scopes", "status", "--purposes", "travel", "--rate-limit", "1000/min",
        )["api_key"]  # fmt: skip
        with (
            running_server(env, tmp_path) as base,
            httpx.Client(base_url=base, headers={"X-Api-Key": key}, timeout=10) as client,
        ):
            yield gateway, client


def start(client: httpx.Client, name: str) -> httpx.Response:
    body = {"full_name": name, "mobile_number": MOBILE, "purpose": "travel"}
    return client.post("/api/v1/verifications", json=body)


def provider_view(client: httpx.Client, txn_id: str) -> dict:
    answer = client.get(f"/api/v1/verifications/{txn_id}", headers={"Accept-Language": "hi"})
    assert answer.status_code == 200
    return {k: v for k, v in answer.json().items() if k not in {"txn_id", "expires_at"}}


def sms_failures(client: httpx.Client) -> float:
    found = re.search(r"^kyvs_sms_failures_total (\S+)$", client.get("/metrics").text, re.M)
    return float(found.group(1)) if found else 0.0


def test_a_failing_gateway_is_reported_alike_for_every_pair_and_recovery_follows(setup):
    gateway, client = setup
    gateway.down = 503
    matched = start(client, "Asha Patel")
    unmatched = start(client, "Nobody Known")
    assert matched.status_code == unmatched.status_code == 202
    wait_for(lambda: len(gateway.received) == 2, "two attempts at the gateway")
    wait_for(lambda: sms_failures(client) == 1, "the SMS failure metric")

    seen = [provider_view(client, r.json()["txn_id"]) for r in (matched, unmatched)]
    assert seen[0] == seen[1]
    assert seen[0]["sms_failing"] is True
    assert "SMS" in seen[0]["notice"] and "OTP" in seen[0]["notice"]  # in Hindi

    refused = start(client, "Asha Patel")
    assert refused.status_code == 503
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.json()["type"] == "https://kyvs.dev/problems/sms-unavailable"
    assert 1 <= int(refused.headers["Retry-After"]) <= OPEN_S
    other = start(client, "Nobody Known")
    assert (other.status_code, other.json()["type"]) == (503, refused.json()["type"])
    resend = client.post(f"/api/v1/verifications/{matched.json()['txn_id']}/resend")
    assert resend.status_code in {429, 503}  # cooling down, or the circuit, never a 202
    assert len(gateway.received) == 2

    gateway.down = None
    # The circuit closes when Retry-After said; until then a start is refused before any limit
    # counts it, so ask again (with a deadline) rather than sleep and hope.
    deadline = time.monotonic() + int(refused.headers["Retry-After"]) + 5
    while (healed := start(client, "Asha Patel")).status_code == 503:
        assert time.monotonic() < deadline, "the circuit did not close after Retry-After"
        time.sleep(0.25)
    assert healed.status_code == 202
    wait_for(lambda: len(gateway.received) == 3, "the healed gateway's SMS")
    otp = re.search(r"OTP (\d{6})", gateway.texts()[-1]).group(1)
    confirmed = client.post(
        f"/api/v1/verifications/{healed.json()['txn_id']}/confirm", json={"otp": otp}
    )
    assert confirmed.status_code == 200
    assert confirmed.json()["vaccination_status"] == 1
    assert hashlib.sha256(otp.encode()).hexdigest() not in client.get("/metrics").text
