"""A real `kyvs serve` sending OTPs the way Indian carriers accept them: through Gupshup with
Kaleyra behind it, each a loopback fake that checks the DLT entity, header, template and text;
delivery reports coming back to the report URL; a failing gateway handing over to the next."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from kyvs.rules import load_example_sms_templates
from tests.e2e.conftest import Cli, environment, running_server
from tests.e2e.deployments import Onboarding, Resident, onboard, register, upgrade
from tests.fake_gateways import FakeGupshup, FakeKaleyra, serving

MOBILE = "9100000001"
TEMPLATES = list(load_example_sms_templates().templates.values())
PROBLEMS = "https://kyvs.dev/problems/"


@dataclass
class India:
    gupshup: FakeGupshup
    kaleyra: FakeKaleyra
    client: httpx.Client
    report_urls: dict[str, str]
    database: str
    folder: Path

    def delivery(self, txn_id: str) -> str:
        with sqlite3.connect(self.database) as db:
            (state,) = db.execute(
                "SELECT delivery FROM verifications WHERE txn_id = ?", (txn_id,)
            ).fetchone()
        return str(state)

    def access_outcomes(self, txn_id: str) -> list[str]:
        with sqlite3.connect(self.database) as db:
            rows = db.execute(
                "SELECT outcome FROM access_log WHERE txn_id = ? ORDER BY rowid", (txn_id,)
            ).fetchall()
        return [row[0] for row in rows]

    def metric(self, line: str) -> float:
        """The value of one series of `/metrics` (`name{labels}`), 0 when absent."""
        for shown in self.client.get("/metrics").text.splitlines():
            if shown.startswith(line + " "):
                return float(shown.split()[-1])
        return 0.0


def wait_for(check, what: str, timeout_s: float = 10.0):
    deadline = time.monotonic() + timeout_s
    while not (found := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen in {timeout_s} s")
        time.sleep(0.05)
    return found


@pytest.fixture(scope="module")
def india(tmp_path_factory) -> Iterator[India]:
    """One server and its gateways for the module (each test starts its own txn)."""
    tmp_path = tmp_path_factory.mktemp("india")
    with ExitStack() as stack:
        gupshup = stack.enter_context(serving(FakeGupshup(TEMPLATES)))
        kaleyra = stack.enter_context(serving(FakeKaleyra(TEMPLATES)))
        database = tmp_path / "kyvs.db"
        env = environment(
            f"sqlite:///{database}",
            KYVS_DEMO="1",
            KYVS_SMS_BACKEND="gupshup,kaleyra",
            KYVS_SMS_GUPSHUP_USERID=gupshup.userid,
            KYVS_SMS_GUPSHUP_PASSWORD=gupshup.password,
            KYVS_SMS_GUPSHUP_URL=f"{gupshup.url}/GatewayAPI/rest",
            KYVS_SMS_KALEYRA_SID=kaleyra.sid,
            KYVS_SMS_KALEYRA_API_KEY=kaleyra.api_key,
            KYVS_SMS_KALEYRA_URL=kaleyra.url,
            KYVS_SMS_HTTP_TIMEOUT_S="1",
            KYVS_SMS_HTTP_ATTEMPTS="1",
            KYVS_SMS_SEGMENT_PRICE_INR="0.2",
        )
        cli = Cli(env, tmp_path)
        upgrade(env["KYVS_DATABASE_URL"])
        register(cli, [Resident("Asha Patel", MOBILE, ("2021-05-01",), vaccine="COVAXIN")])
        yatra = Onboarding("Yatra Travels", scopes=("status",))
        key = onboard(env["KYVS_DATABASE_URL"], [yatra])["Yatra Travels"]["api_key"]
        urls = cli.json("sms", "report-urls")
        base = stack.enter_context(running_server(env, tmp_path))
        client = stack.enter_context(
            httpx.Client(base_url=base, headers={"X-Api-Key": key}, timeout=10)
        )
        yield India(gupshup, kaleyra, client, urls, str(database), tmp_path)


def start(india: India, language: str = "hi") -> str:
    body = {"full_name": "Asha Patel", "mobile_number": MOBILE, "purpose": "travel"}
    answer = india.client.post(
        "/api/v1/verifications", json=body, headers={"Accept-Language": language}
    )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["txn_id"])


def confirm(india: India, txn_id: str, otp: str) -> httpx.Response:
    return india.client.post(f"/api/v1/verifications/{txn_id}/confirm", json={"otp": otp})


def otp_in(text: str) -> str:
    return re.search(r"OTP (\d{6})", text).group(1)  # type: ignore[union-attr]


def report_path(india: India, gateway: str) -> str:
    return httpx.URL(india.report_urls[gateway]).path


def test_an_otp_goes_through_the_first_gateway_under_its_template_and_confirms(india):
    segments = 'kyvs_sms_segments_total{encoding="ucs2",language="hi"}'
    cost = 'kyvs_sms_estimated_cost_inr_total{gateway="gupshup"}'
    delivered = 'kyvs_sms_delivery_reports_total{gateway="gupshup",state="delivered"}'
    before = {name: india.metric(name) for name in (segments, cost, delivered)}
    taken, by_kaleyra = len(india.gupshup.taken), len(india.kaleyra.received)
    txn_id = start(india)
    wait_for(lambda: len(india.gupshup.taken) > taken, "an SMS")
    (message_id, text) = list(india.gupshup.taken.items())[-1]
    assert text.startswith("Yatra Travels ने यात्रा के लिए आपकी टीकाकरण स्थिति माँगी है।")
    sent = india.gupshup.received[-1].form()
    assert (sent["msg_type"], sent["mask"], sent["principalEntityId"]) == (
        "Unicode_text",
        "KYVSOT",
        "1101000000000000000",
    )
    assert len(india.kaleyra.received) == by_kaleyra
    answer = confirm(india, txn_id, otp_in(text))
    assert answer.status_code == 200, answer.text
    assert answer.json()["vaccination_status"] == 1  # one dose of two
    # Gupshup calls the report URL with the report in its query.
    reported = india.client.get(
        report_path(india, "gupshup"), params={"externalId": message_id, "status": "SUCCESS"}
    )
    assert reported.status_code == 200 and reported.json() == {"received": 1}
    assert india.delivery(txn_id) == "delivered"
    assert india.metric(segments) - before[segments] == 2
    assert india.metric(cost) - before[cost] == pytest.approx(0.4)
    assert india.metric(delivered) - before[delivered] == 1


def test_a_failing_gateway_hands_the_otp_to_the_next_one(india):
    handovers = 'kyvs_sms_gateway_handovers_total{gateway="gupshup"}'
    failures = 'kyvs_sms_gateway_failures_total{gateway="gupshup"}'
    before = {name: india.metric(name) for name in (handovers, failures)}
    by_gupshup = len(india.gupshup.taken)
    india.gupshup.script = [503]
    txn_id = start(india, language="en")
    (text,) = wait_for(lambda: list(india.kaleyra.taken.values()), "an SMS by Kaleyra")
    assert len(india.gupshup.taken) == by_gupshup
    assert confirm(india, txn_id, otp_in(text)).status_code == 200
    assert india.metric(handovers) - before[handovers] == 1
    assert india.metric(failures) - before[failures] == 1


def test_a_report_that_the_number_was_unreachable_reaches_the_citizens_access_log(india):
    taken = len(india.gupshup.taken)
    txn_id = start(india)
    wait_for(lambda: len(india.gupshup.taken) > taken, "an SMS")
    message_id = list(india.gupshup.taken)[-1]
    reported = india.client.get(
        report_path(india, "gupshup"),
        params={"externalId": message_id, "status": "FAILURE", "cause": "ABSENT_SUBSCRIBER"},
    )
    assert reported.status_code == 200
    assert india.delivery(txn_id) == "failed"
    assert india.access_outcomes(txn_id) == ["requested", "undelivered"]
    # The provider's view of the txn says nothing of it.
    view = india.client.get(f"/api/v1/verifications/{txn_id}").json()
    assert "delivery" not in view and view.get("sms_failing") is False


def test_a_report_url_with_a_wrong_token_is_not_found_and_a_garbled_report_is_refused(india):
    wrong = india.client.get(
        "/sms/reports/gupshup/not-the-token", params={"externalId": "1", "status": "SUCCESS"}
    )
    assert wrong.status_code == 404
    assert wrong.headers["content-type"].startswith("application/problem+json")
    kaleyra_for_gupshup = india.client.get(
        report_path(india, "kaleyra").replace("/kaleyra/", "/gupshup/")
    )
    assert kaleyra_for_gupshup.status_code == 404
    garbled = india.client.post(report_path(india, "gupshup"), content=b"\xff not a report")
    assert garbled.status_code == 400
    assert garbled.json()["type"] == PROBLEMS + "sms-report-invalid"
    assert "not a report" not in garbled.text


def test_the_operator_is_warned_that_the_example_templates_are_placeholders(india):
    (log,) = india.folder.glob("server-*.log")
    assert "the packaged example templates" in log.read_text()
    assert "KYVS_SMS_TEMPLATES" in log.read_text()
