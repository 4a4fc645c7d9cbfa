"""A worker SIGKILLed under load half-records no verification: clients run full verifications
against `kyvs serve --workers 2` while both original workers are killed in turn (uvicorn starts
new ones); afterwards every txn a client saw confirmed is verified with exactly one `verified`
access-log entry, and every verified txn (seen or not) has exactly one.

On the embedded default (SQLite) and on PostgreSQL + Redis, where the Redis outbox's entries
that a kill left behind are replayed (as the periodic job would) before the check.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg
import pytest
import redis

from kyvs.adapters.redis.client import make_redis
from kyvs.adapters.redis.verifications import RedisVerificationStore
from kyvs.adapters.sql.units import make_units
from kyvs.adapters.sql.verifications import SqlAccessLog
from tests.e2e.conftest import Cli, environment, running_server
from tests.e2e.faults import kill_a_worker, people_csv, private_redis, wait_for
from tests.e2e.test_faults import sql

CLIENTS = 6
PEOPLE = 400
CONFIRMED_BETWEEN_KILLS = 5
OTP_WAIT_S = 4.0
OTP = re.compile(r"(?<!\d)(\d{6})(?!\d)")


class OtpReader:
    """One client's view of the SMS outbox table (its own connection)."""

    def __init__(self, database_url: str) -> None:
        self.sqlite = database_url.startswith("sqlite")
        self.connection: Any = (
            sqlite3.connect(database_url.removeprefix("sqlite:///"))
            if self.sqlite
            else psycopg.connect(database_url, autocommit=True)
        )

    def otp(self, mobile: str) -> str | None:
        """The OTP sent to `mobile`, waiting up to `OTP_WAIT_S` (each person is used once)."""
        query = "SELECT text FROM sms_outbox WHERE to_mobile = ? ORDER BY id DESC LIMIT 1"
        if not self.sqlite:
            query = query.replace("?", "%s")
        deadline = time.monotonic() + OTP_WAIT_S
        while time.monotonic() < deadline:
            row = self.connection.execute(query, (mobile,)).fetchone()
            if row and (found := OTP.search(row[0])):
                return found.group(1)
            time.sleep(0.05)
        return None

    def close(self) -> None:
        self.connection.close()


@dataclass
class Load:
    """Clients each doing full verifications, one person each, until told to stop."""

    base: str
    key: str
    database_url: str
    people: Iterator[tuple[str, str]]
    started: list[str] = field(default_factory=list)
    confirmed: set[str] = field(default_factory=set)
    outcomes: Counter[str] = field(default_factory=Counter)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_person(self) -> tuple[str, str] | None:
        with self.lock:
            return next(self.people, None)

    def note(self, outcome: str, txn_id: str | None = None) -> None:
        with self.lock:
            self.outcomes[outcome] += 1
            if outcome == "confirmed" and txn_id:
                self.confirmed.add(txn_id)

    def client(self) -> None:
        reader = OtpReader(self.database_url)
        headers = {"X-Api-Key": self.key}
        with httpx.Client(base_url=self.base, headers=headers, timeout=15) as http:
            while not self.stop.is_set() and (person := self.next_person()):
                self.one(http, reader, *person)
        reader.close()

    def one(self, http: httpx.Client, reader: OtpReader, name: str, mobile: str) -> None:
        body = {"full_name": name, "mobile_number": mobile, "purpose": "travel"}
        try:
            answer = http.post("/api/v1/verifications", json=body)
        except httpx.TransportError:
            self.note("start: connection lost")
            return
        if answer.status_code != 202:
            self.note(f"start: {answer.status_code}")
            return
        txn_id = answer.json()["txn_id"]
        with self.lock:
            self.started.append(txn_id)
        otp = reader.otp(mobile)
        if otp is None:
            self.note("no OTP (its worker died before sending)")
            return
        try:
            answer = http.post(f"/api/v1/verifications/{txn_id}/confirm", json={"otp": otp})
        except httpx.TransportError:
            self.note("confirm: connection lost")
            return
        if answer.status_code == 200:
            self.note("confirmed", txn_id)
        else:
            self.note(f"confirm: {answer.status_code}")

    def wait_for_more(self, count: int) -> None:
        with self.lock:
            target = len(self.confirmed) + count
        wait_for(lambda: len(self.confirmed) >= target, f"{count} more confirmations", 40)


@contextlib.contextmanager
def backends(request, tmp_path) -> Iterator[tuple[str, str | None]]:
    """(database URL, Redis URL or None) for the parametrised backend."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_url"), None
        return
    database_url = request.getfixturevalue("postgresql_url")
    with private_redis(tmp_path) as redis_server:
        yield database_url, redis_server.url


def onboard(env: dict[str, str], tmp_path) -> tuple[str, list[tuple[str, str]]]:
    cli = Cli(env, tmp_path)
    cli.run("db", "upgrade")
    cli.run("attestation", "rotate")  # the signing key exists before two workers start
    people = people_csv(tmp_path, PEOPLE)
    cli.run("registry", "import", str(tmp_path / "people.csv"))
    provider = cli.json(
        *("provider", "create", "--name", "Yatra Travels", "--category", "travel"),
        *("--scopes", "status", "--purposes", "travel"),
        *("--quota", "1000000", "--rate-limit", "1000000/min"),
    )
    return str(provider["api_key"]), people


def verified_txns(database_url: str, redis_url: str | None) -> set[str]:
    """Every txn whose stored state is `verified`, read straight from its store."""
    if redis_url is None:
        rows = sql(database_url, "SELECT txn_id FROM verifications WHERE state = 'verified'")
        return {row[0] for row in rows}
    found = set()
    with redis.Redis.from_url(redis_url, decode_responses=True) as client:
        for key in client.scan_iter(match="kyvs:{txn:*}:txn", count=1000):
            if client.hget(key, "state") == "verified":
                found.add(client.hget(key, "txn_id"))
    return found


async def replay(database_url: str, redis_url: str) -> int:
    """What the periodic job does 5 minutes later: record entries a kill left in Redis."""
    units = make_units(database_url)
    client = make_redis(redis_url)
    store = RedisVerificationStore(client, access_log=SqlAccessLog(units))
    try:
        now = dt.datetime.now(dt.UTC)
        return await store.replay_access(now=now, older_than=dt.timedelta(0))
    finally:
        await client.aclose()
        await units.aclose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql+redis", marks=pytest.mark.postgres)])
def stores(request, tmp_path) -> Iterator[tuple[str, str | None]]:
    with backends(request, tmp_path) as chosen:
        yield chosen


def test_workers_sigkilled_under_load_half_record_nothing(stores, tmp_path):
    database_url, redis_url = stores
    extra = {"KYVS_REDIS_URL": redis_url} if redis_url else {}
    env = environment(database_url, KYVS_DEMO="1", **extra)
    key, people = onboard(env, tmp_path)
    with running_server(env, tmp_path, "--workers", "2") as base:
        load = Load(base, key, database_url, iter(people))
        clients = [threading.Thread(target=load.client) for _ in range(CLIENTS)]
        for client in clients:
            client.start()
        try:
            load.wait_for_more(CONFIRMED_BETWEEN_KILLS)
            killed = [kill_a_worker(base)]
            load.wait_for_more(CONFIRMED_BETWEEN_KILLS)
            killed.append(kill_a_worker(base))
            load.wait_for_more(CONFIRMED_BETWEEN_KILLS)
        finally:
            load.stop.set()
            for client in clients:
                client.join(timeout=60)
    replayed = asyncio.run(replay(database_url, redis_url)) if redis_url else 0

    verified = verified_txns(database_url, redis_url)
    query = "SELECT txn_id, count(*) FROM access_log WHERE outcome = 'verified' GROUP BY txn_id"
    entries = dict(sql(database_url, query))
    assert load.confirmed <= verified, "a txn a client saw confirmed is not verified"
    assert set(entries) == verified, "a verified txn without its entry, or the reverse"
    assert set(entries.values()) == {1}, "a verification logged twice"
    print(  # noqa: T201 - the README's Reliability figures, shown with `pytest -s`
        f"\n[faults] {'PostgreSQL + Redis' if redis_url else 'SQLite'}, 2 workers, "
        f"{len(killed)} SIGKILLed: {len(load.started)} txns started, {len(load.confirmed)} "
        f"confirmed, {len(verified)} verified, {len(entries)} with one entry, {replayed} "
        f"replayed from the outbox; client outcomes {dict(load.outcomes)}"
    )
