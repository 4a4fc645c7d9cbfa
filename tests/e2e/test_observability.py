"""Operations against a real server: `/readyz`, `/metrics` as a scraper reads it, and the log a
collector reads: JSON lines with request ids and no mobile, OTP or name anywhere in it."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import Cli, environment, running_server
from tests.e2e.deployments import Onboarding, Resident, onboard, register, upgrade
from tests.e2e.phone import otp_in

NAME = "Kavya Raghunathan"
MOBILE = "9100000042"


@dataclass
class Deployment:
    cli: Cli
    base: str
    log: Path
    travel_key: str
    slow_key: str
    otps: list[str] = field(default_factory=list)  # every OTP the tests saw, to look for in logs


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[Deployment]:
    folder = tmp_path_factory.mktemp("observability")
    database_url = f"sqlite:///{folder / 'kyvs.db'}"
    cli = Cli(environment(database_url, KYVS_DEMO="1"), folder)
    upgrade(database_url)
    register(cli, [Resident(NAME, MOBILE, ("2021-05-01",), "COVAXIN", 1990)])
    rates = {"Yatra Travels": "1000/min", "Slow Tours": "1/min"}
    made = onboard(
        database_url,
        [Onboarding(name, scopes=("status",), rate_limit=rate) for name, rate in rates.items()],
    )
    keys = [made[name]["api_key"] for name in rates]
    with running_server(cli.env, folder) as base:
        log = folder / f"server-{urlsplit(base).port}.log"  # where `running_server` writes it
        yield Deployment(cli, base, log, *keys)


def metric(base: str, name: str, **labels: str) -> float:
    """One sample of the server's `/metrics`, parsed as Prometheus parses it (0 when absent)."""
    for family in text_string_to_metric_families(httpx.get(f"{base}/metrics").text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return 0.0


def eventually(base: str, name: str, at_least: float, **labels: str) -> float:
    """Poll `/metrics` until the sample reaches `at_least` (background work counts late)."""
    deadline = time.monotonic() + 10
    while (value := metric(base, name, **labels)) < at_least and time.monotonic() < deadline:
        time.sleep(0.1)
    return value


def start(d: Deployment, key: str) -> httpx.Response:
    body = {"full_name": NAME, "mobile_number": MOBILE, "purpose": "travel"}
    return httpx.post(f"{d.base}/api/v1/verifications", headers={"X-Api-Key": key}, json=body)


def confirm(d: Deployment, txn_id: str, otp: str) -> httpx.Response:
    return httpx.post(
        f"{d.base}/api/v1/verifications/{txn_id}/confirm",
        headers={"X-Api-Key": d.travel_key},
        json={"otp": otp},
    )


def started_and_sent(d: Deployment, key: str) -> tuple[str, str]:
    """Start a verification, wait until its SMS has left, and read the OTP from the outbox."""
    sent = metric(d.base, "kyvs_otps_sent_total", kind="verification-otp")
    started = start(d, key)
    assert started.status_code == 202
    assert eventually(d.base, "kyvs_otps_sent_total", sent + 1, kind="verification-otp") == sent + 1
    otp = otp_in(d.cli.phones.messages(MOBILE, last=1)[0].text)
    d.otps.append(otp)
    return started.json()["txn_id"], otp


def test_readyz_reports_every_check(deployment):
    answer = httpx.get(f"{deployment.base}/readyz")
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "ready",
        "checks": {"database": "ok", "redis": "not configured", "sms": "ok"},
    }


def test_requests_are_counted_under_route_templates(deployment):
    base, txn_id = deployment.base, str(uuid.uuid4())
    answer = httpx.get(
        f"{base}/api/v1/verifications/{txn_id}", headers={"X-Api-Key": deployment.travel_key}
    )
    assert answer.status_code == 404
    labels = {"method": "GET", "route": "/api/v1/verifications/{txn_id}", "status": "404"}
    assert metric(base, "kyvs_http_requests_total", **labels) >= 1
    assert metric(base, "kyvs_http_request_seconds_count", route="/healthz") >= 1
    assert txn_id not in httpx.get(f"{base}/metrics").text


def test_an_otp_sent_a_wrong_otp_and_a_confirmation_are_counted(deployment):
    d = deployment
    wrong = metric(d.base, "kyvs_otp_failures_total", reason="wrong")
    confirmed = metric(d.base, "kyvs_verifications_confirmed_total")

    txn_id, otp = started_and_sent(d, d.travel_key)  # waits for the OTP counter to move
    assert confirm(d, txn_id, f"{(int(otp) + 1) % 1_000_000:06d}").status_code == 400
    assert confirm(d, txn_id, otp).status_code == 200

    assert metric(d.base, "kyvs_otp_failures_total", reason="wrong") == wrong + 1
    assert metric(d.base, "kyvs_verifications_confirmed_total") == confirmed + 1
    assert metric(d.base, "kyvs_sms_failures_total") == 0


def test_a_provider_over_its_rate_limit_is_counted(deployment):
    d = deployment
    hits = metric(d.base, "kyvs_rate_limit_hits_total", limit="rate-limited")
    started_and_sent(d, d.slow_key)
    refused = start(d, d.slow_key)
    assert refused.status_code == 429
    assert refused.json()["type"].endswith("/rate-limited")
    assert metric(d.base, "kyvs_rate_limit_hits_total", limit="rate-limited") == hits + 1


def test_the_log_is_json_lines_with_request_ids_and_no_personal_data(deployment):
    d = deployment
    txn_id, otp = started_and_sent(d, d.travel_key)
    assert confirm(d, txn_id, otp).status_code == 200
    # Personal data where clients should never put it: a query string and a path.
    httpx.get(f"{d.base}/readyz", params={"mobile": MOBILE, "otp": otp, "name": NAME})
    lost = httpx.get(f"{d.base}/no/such/{MOBILE}")
    assert lost.status_code == 404

    entries = [json.loads(line) for line in d.log.read_text().splitlines() if line.strip()]
    access = [e for e in entries if e["logger"] == "kyvs.requests"]
    assert access, "no access log lines"
    assert all(e.get("request_id") for e in access)
    assert any(
        e["request_id"] == lost.headers["x-request-id"] and e["path"] == "/no/such/******0042"
        for e in access
    )
    assert not any("?" in e["path"] for e in access)
    # A txn id opens its txn: the log names routes by their templates.
    assert any(e["path"] == "/api/v1/verifications/{txn_id}/confirm" for e in access)
    text = d.log.read_text()
    assert txn_id not in text
    for secret in [MOBILE, "91000 00042", *NAME.split(), *d.otps]:
        assert secret not in text, secret


@pytest.mark.slow
def test_several_workers_add_up_their_metrics(deployment):
    folder = deployment.log.parent
    with running_server(deployment.cli.env, folder, "--workers", "2") as base:
        for _ in range(20):
            httpx.get(f"{base}/readyz").raise_for_status()
        labels = {"method": "GET", "route": "/readyz", "status": "200"}
        assert metric(base, "kyvs_http_requests_total", **labels) == 20
