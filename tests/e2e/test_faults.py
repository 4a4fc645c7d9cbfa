"""Faults: Redis down mid-flow, PostgreSQL restarted between generate and confirm. Every request
during an outage is a quick 503 problem with `Retry-After` (a page for people), never a 500 or
a hang; afterwards the flow continues, and nothing is lost or written twice.

Workers SIGKILLed under load are in `test_faults_load.py`.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import redis

from kyvs.adapters.redis.client import make_redis
from kyvs.adapters.redis.verifications import RedisVerificationStore
from kyvs.adapters.sql import migrate
from kyvs.adapters.sql.engine import make_engine
from kyvs.adapters.sql.units import make_units
from kyvs.adapters.sql.verifications import SqlAccessLog
from tests.e2e.conftest import Cli, environment, running_server
from tests.e2e.faults import private_postgres, private_redis, ready, wait_for
from tests.integration.test_redis_adapters import FailingLog
from tests.integration.test_verification_store_contract import a_txn, an_entry, verified

NAME, MOBILE = "Asha Patel", "9400000001"
OUTAGE_ANSWER_S = 5.0  # a request during an outage answers well within this
SERVICE_UNAVAILABLE = "https://kyvs.dev/problems/service-unavailable"


def sql(database_url: str, query: str, *params: object) -> list[tuple[Any, ...]]:
    """Rows of `query` (`?` placeholders) read straight from the app's database."""
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
            return list(connection.execute(query, params))
    with psycopg.connect(database_url, autocommit=True) as connection:
        return list(connection.execute(query.replace("?", "%s"), params))


def onboard(env: dict[str, str], folder: Path) -> tuple[Cli, str]:
    """A migrated database with one person and one provider; the provider's API key."""
    cli = Cli(env, folder)
    cli.run("db", "upgrade")
    cli.run(
        *("registry", "add", "--name", NAME, "--mobile", MOBILE),
        *("--birth-year", "1988", "--gender", "F"),
    )
    key = cli.json(
        *("provider", "create", "--name", "Yatra Travels", "--category", "travel"),
        *("--scopes", "status", "--purposes", "travel"),
    )["api_key"]
    return cli, str(key)


def read_otp(database_url: str, mobile: str) -> str:
    """The OTP of the newest message to `mobile` in the outbox SMS carrier's table."""
    query = "SELECT text FROM sms_outbox WHERE to_mobile = ? ORDER BY id DESC LIMIT 1"
    found: list[tuple[Any, ...]] = []
    wait_for(lambda: bool(found.extend(sql(database_url, query, mobile)) or found), "an OTP")
    otp = re.search(r"(?<!\d)(\d{6})(?!\d)", found[0][0])
    assert otp is not None
    return otp.group(1)


def verified_entries(database_url: str, txn_id: str) -> int:
    query = "SELECT count(*) FROM access_log WHERE txn_id = ? AND outcome = 'verified'"
    return int(sql(database_url, query, txn_id)[0][0])


class Api:
    """The requests a provider (and a citizen's browser) makes, timed."""

    def __init__(self, base: str, key: str) -> None:
        self.base, self.headers = base, {"X-Api-Key": key}
        self.answers: list[tuple[str, httpx.Response, float]] = []

    def call(self, what: str, method: str, path: str, **options: Any) -> httpx.Response:
        began = time.monotonic()
        answer = httpx.request(
            method, self.base + path, headers=self.headers, timeout=30, **options
        )
        self.answers.append((what, answer, time.monotonic() - began))
        return answer

    def start(self) -> httpx.Response:
        body = {"full_name": NAME, "mobile_number": MOBILE, "purpose": "travel"}
        return self.call("start", "POST", "/api/v1/verifications", json=body)

    def confirm(self, txn_id: str, otp: str) -> httpx.Response:
        path = f"/api/v1/verifications/{txn_id}/confirm"
        return self.call("confirm", "POST", path, json={"otp": otp})

    def state(self, txn_id: str) -> httpx.Response:
        return self.call("state", "GET", f"/api/v1/verifications/{txn_id}")

    def during_outage(self, txn_id: str, otp: str) -> list[tuple[str, httpx.Response, float]]:
        """Every kind of call once, while a backing service is down."""
        self.answers = []
        self.start()
        self.confirm(txn_id, otp)
        self.state(txn_id)
        self.call("resend", "POST", f"/api/v1/verifications/{txn_id}/resend")
        self.call(
            "cowin generateOTP",
            "POST",
            "/api/v3/vaccination/generateOTP",
            json={"mobile_number": MOBILE, "full_name": NAME},
        )
        self.call("citizen login", "POST", "/api/v1/citizen/login", json={"mobile_number": MOBILE})
        return self.answers


def assert_unavailable(answers: list[tuple[str, httpx.Response, float]]) -> None:
    for what, answer, seconds in answers:
        assert answer.status_code == 503, (what, answer.status_code, answer.text)
        assert answer.headers["content-type"] == "application/problem+json", what
        assert answer.json()["type"] == SERVICE_UNAVAILABLE, what
        assert int(answer.headers["retry-after"]) > 0, what
        assert seconds < OUTAGE_ANSWER_S, (what, seconds)


def citizen_page_login(base: str) -> httpx.Response:
    """A citizen asks for a login OTP on the `/me` page (a form post with its CSRF token)."""
    with httpx.Client(base_url=base, timeout=30) as browser:
        page = browser.get("/me")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None
        return browser.post("/me/login", data={"mobile_number": MOBILE, "csrf": csrf.group(1)})


def readiness(base: str) -> httpx.Response:
    return httpx.get(f"{base}/readyz", timeout=10)


def report(fault: str, answers: list[tuple[str, httpx.Response, float]]) -> None:
    """A line for the README's Reliability figures (shown with `pytest -s`)."""
    statuses = Counter(answer.status_code for _, answer, _ in answers)
    slowest = max(seconds for *_, seconds in answers)
    print(  # noqa: T201 - the README's Reliability figures, shown with `pytest -s`
        f"\n[faults] {fault}: {len(answers)} requests during the outage -> {dict(statuses)}, "
        f"slowest {slowest:.2f} s"
    )


def test_redis_down_mid_flow_answers_503_and_the_txn_confirms_after(tmp_path, sqlite_url):
    with private_redis(tmp_path) as redis_server:
        env = environment(
            sqlite_url, KYVS_DEMO="1", KYVS_REDIS_URL=redis_server.url, KYVS_REDIS_TIMEOUT_S="1"
        )
        _, key = onboard(env, tmp_path)
        with running_server(env, tmp_path) as base:
            api = Api(base, key)
            txn_id = api.start().json()["txn_id"]
            otp = read_otp(sqlite_url, MOBILE)

            redis_server.crash()
            answers = api.during_outage(txn_id, otp)
            assert_unavailable(answers)
            page = citizen_page_login(base)
            assert page.status_code == 503
            assert page.headers["content-type"].startswith("text/html")
            assert page.headers["retry-after"]
            not_ready = readiness(base)
            assert not_ready.status_code == 503
            assert not_ready.json()["failing"] == ["redis"]
            assert httpx.get(f"{base}/healthz").status_code == 200
            report("Redis SIGKILLed", [*answers, ("page", page, 0.0)])

            redis_server.start()  # the same folder: the AOF brings the txn back
            wait_for(lambda: ready(base), "/readyz after Redis is back")
            confirmed = api.confirm(txn_id, otp)
            assert confirmed.status_code == 200, confirmed.text
            assert api.state(txn_id).json()["state"] == "verified"
        assert verified_entries(sqlite_url, txn_id) == 1
        with redis.Redis.from_url(redis_server.url) as client:
            assert not client.keys("kyvs:{txn:*}:access")  # the outbox is empty


def test_postgresql_restart_between_generate_and_confirm(tmp_path):
    with private_postgres() as postgres:
        env = environment(postgres.url, KYVS_DEMO="1", KYVS_DATABASE_TIMEOUT_S="2")
        _, key = onboard(env, tmp_path)
        with running_server(env, tmp_path) as base:
            api = Api(base, key)
            txn_id = api.start().json()["txn_id"]
            otp = read_otp(postgres.url, MOBILE)

            # Every connection of the app's pools dies (a failover, a proxy restart): the next
            # requests get fresh connections, no error.
            killed = sql(
                postgres.url,
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
            )[0][0]
            assert killed >= 1
            assert api.state(txn_id).json()["state"] == "pending"

            postgres.stop("fast")
            answers = api.during_outage(txn_id, otp)
            assert_unavailable(answers)
            assert readiness(base).json()["failing"] == ["database"]
            report("PostgreSQL stopped", answers)

            postgres.start()
            wait_for(lambda: ready(base), "/readyz after PostgreSQL is back")
            confirmed = api.confirm(txn_id, otp)
            assert confirmed.status_code == 200, confirmed.text
            assert api.state(txn_id).json()["state"] == "verified"
        assert verified_entries(postgres.url, txn_id) == 1
        assert sql(postgres.url, "SELECT count(*) FROM verifications")[0][0] == 1


@pytest.mark.anyio
async def test_an_access_entry_in_the_redis_outbox_survives_a_redis_crash(tmp_path, sqlite_url):
    """The SQL log failed after the swap, then Redis died: its AOF keeps the entry, and the
    replay records it once Redis is back."""
    engine = make_engine(sqlite_url)
    migrate.upgrade(engine)
    engine.dispose()
    database = make_units(sqlite_url)
    log = SqlAccessLog(database)
    with private_redis(tmp_path) as redis_server:
        client = make_redis(redis_server.url)
        txn, down = a_txn(), RedisVerificationStore(client, access_log=FailingLog())
        await down.create(txn)
        assert await down.replace(verified(txn), expected_version=0, access=an_entry(txn))
        await client.aclose()

        redis_server.crash()
        redis_server.start()
        client = make_redis(redis_server.url)
        store = RedisVerificationStore(client, access_log=log)
        assert await store.get(txn.txn_id) == verified(txn)
        later = an_entry(txn).at + dt.timedelta(minutes=10)
        assert await store.replay_access(now=later) == 1
        assert await store.replay_access(now=later) == 0
        await client.aclose()
    assert verified_entries(sqlite_url, txn.txn_id) == 1
    await database.aclose()
