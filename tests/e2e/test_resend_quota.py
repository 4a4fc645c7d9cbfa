"""A resend is an SMS: against a real `kyvs serve`, it counts against the provider's daily quota
(and key rate) like a start does, so a key cannot send more OTPs than its quota by resending."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.e2e.conftest import Cli, environment, running_server
from tests.e2e.deployments import Onboarding, Resident, onboard, register, upgrade

MOBILE = "9300000091"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    folder = tmp_path_factory.mktemp("resend-quota")
    database_url = f"sqlite:///{folder / 'kyvs.db'}"
    cli = Cli(environment(database_url, KYVS_DEMO="1", KYVS_OTP_RESEND_AFTER_S="1"), folder)
    upgrade(database_url)
    register(cli, [Resident("Kavya Rao", MOBILE, ("2021-05-01",))])
    key = onboard(database_url, [Onboarding("Small Hotel", daily_quota=2)])["Small Hotel"]
    with running_server(cli.env, folder) as base:
        yield cli, base, {"X-Api-Key": key["api_key"]}


def test_a_resend_uses_the_daily_quota_like_a_start(deployment):
    cli, base, key = deployment
    body = {"full_name": "Kavya Rao", "mobile_number": MOBILE, "purpose": "travel"}
    seen = cli.phones.count(MOBILE)
    started = httpx.post(f"{base}/api/v1/verifications", headers=key, json=body)
    assert started.status_code == 202, started.text
    cli.phones.otp_after(MOBILE, seen)  # the first SMS has left
    time.sleep(1.2)  # the resend cooldown of this deployment

    resent = httpx.post(
        f"{base}/api/v1/verifications/{started.json()['txn_id']}/resend", headers=key
    )
    assert resent.status_code == 202, resent.text
    refused = httpx.post(f"{base}/api/v1/verifications", headers=key, json=body)

    assert refused.status_code == 429
    assert refused.json()["type"].endswith("/quota-exhausted")
