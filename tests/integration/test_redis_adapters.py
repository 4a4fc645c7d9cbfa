"""The Redis adapters keep the RateLimiter and VerificationStore contracts, on one Redis
(`KYVS_TEST_REDIS_URL`) and on a 3-master Redis Cluster this module starts on loopback; then
what only Redis has: TTLs, hash tags, script caching, cluster rollback and the access outbox.

The contract tests are imported from their modules and run here against these fixtures.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import redis.exceptions as redis_errors
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis, RedisCluster

from kyvs.adapters.memory.verification import MemoryRateLimiter
from kyvs.adapters.redis.client import make_redis
from kyvs.adapters.redis.limits import RedisRateLimiter
from kyvs.adapters.redis.verifications import (
    PENDING_BUCKETS,
    RedisVerificationStore,
    TxnExists,
)
from kyvs.adapters.sql import migrate
from kyvs.adapters.sql.engine import make_engine
from kyvs.adapters.sql.units import make_units
from kyvs.adapters.sql.verifications import SqlAccessLog
from kyvs.domain.limits import Limit
from kyvs.ports import AccessEntry
from tests.conftest import service_url
from tests.integration import test_rate_limiter_contract as limiter_contract
from tests.integration import test_verification_store_contract as store_contract
from tests.integration.test_verification_store_contract import (
    CREATED,
    Adapters,
    a_txn,
    an_entry,
    sql_entries,
    verified,
)

pytestmark = pytest.mark.anyio

# Every contract test runs here too, with the `limiter` and `adapters` fixtures below.
for _contract in (limiter_contract, store_contract):
    for _name, _test in vars(_contract).items():
        if _name.startswith("test_"):
            globals()[_name] = _test

KINDS = ["redis", "redis-cluster"]
WINDOW = limiter_contract.WINDOW
START = limiter_contract.START


def _unavailable(reason: str) -> None:
    if os.environ.get("KYVS_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}; KYVS_REQUIRE_SERVICES=1 forbids skipping")
    pytest.skip(reason)


def _free_ports(count: int) -> list[int]:
    """Loopback ports free for a node and its cluster bus (the port + 10000)."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port > 55_000 or port in ports:
            continue
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + 10_000))
            except OSError:
                continue
        ports.append(port)
    return ports


def _cli(cli: str, port: int, *args: str) -> str:
    done = subprocess.run(
        [cli, "-p", str(port), *args], capture_output=True, text=True, timeout=10, check=False
    )
    return done.stdout


def _wait(check, what: str, timeout_s: float = 15) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"Redis Cluster: {what} not reached in {timeout_s} s")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def redis_cluster_url(tmp_path_factory) -> Iterator[str]:
    """A fresh 3-master Redis Cluster on loopback for this test session, killed afterwards."""
    server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
    if server is None or cli is None:
        _unavailable("Redis Cluster tests need redis-server and redis-cli on PATH")
    assert server is not None and cli is not None
    ports = _free_ports(3)
    root: Path = tmp_path_factory.mktemp("redis-cluster")
    nodes: list[subprocess.Popen[bytes]] = []
    try:
        for port in ports:
            (root / str(port)).mkdir()
            nodes.append(_start_node(server, port, root / str(port)))
        _wait(lambda: all(_cli(cli, p, "ping").strip() == "PONG" for p in ports), "PONG")
        subprocess.run(
            [
                *(cli, "--cluster", "create"),
                *(f"127.0.0.1:{p}" for p in ports),
                *("--cluster-replicas", "0", "--cluster-yes"),
            ],
            capture_output=True,
            timeout=30,
            check=True,
        )
        _wait(
            lambda: all("cluster_state:ok" in _cli(cli, p, "cluster", "info") for p in ports),
            "cluster_state:ok",
        )
        yield "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in ports)
    finally:
        for node in nodes:
            node.kill()
        for node in nodes:
            node.wait(timeout=10)


def _start_node(server: str, port: int, directory: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            *(server, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory)),
            *("--cluster-enabled", "yes", "--cluster-config-file", str(directory / "nodes.conf")),
            *("--appendonly", "no", "--save", "", "--daemonize", "no"),
            *("--logfile", str(directory / "redis.log")),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _client(request, kind: str) -> AsyncIterator[tuple[Redis | RedisCluster, str]]:
    """A client and a key prefix of this test alone; its keys are deleted afterwards."""
    if kind == "redis":
        url = service_url("KYVS_TEST_REDIS_URL", "Redis")
    else:
        url = request.getfixturevalue("redis_cluster_url")
    client = make_redis(url)
    prefix = f"kyvs-test-{uuid.uuid4().hex[:12]}"
    try:
        yield client, prefix
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*")]
        for key in keys:
            await client.delete(key)
        await client.aclose()


@pytest.fixture(params=KINDS)
async def redis(request) -> AsyncIterator[tuple[Redis | RedisCluster, str]]:
    async for pair in _client(request, request.param):
        yield pair


@pytest.fixture
async def cluster(request) -> AsyncIterator[tuple[Redis | RedisCluster, str]]:
    async for pair in _client(request, "redis-cluster"):
        yield pair


@pytest.fixture(params=KINDS)
async def limiter(request) -> AsyncIterator[RedisRateLimiter]:
    async for client, prefix in _client(request, request.param):
        yield RedisRateLimiter(client, prefix=prefix)


@pytest.fixture
async def sql_log(sqlite_url) -> AsyncIterator[SqlAccessLog]:
    """The access log where it lives in production: the SQL database (SQLite here)."""
    engine = make_engine(sqlite_url)
    migrate.upgrade(engine)
    engine.dispose()
    units = make_units(sqlite_url)
    yield SqlAccessLog(units)
    await units.aclose()


@pytest.fixture(params=KINDS)
async def adapters(request, sql_log) -> AsyncIterator[Adapters]:
    async for client, prefix in _client(request, request.param):
        store = RedisVerificationStore(client, access_log=sql_log, prefix=prefix)
        yield Adapters(store, sql_log, sql_entries(sql_log.units))


@pytest.fixture
def store(adapters) -> RedisVerificationStore:
    assert isinstance(adapters.store, RedisVerificationStore)
    return adapters.store


class FailingLog:
    """An access log whose database is down (or whose process dies before writing)."""

    async def record(self, entry: AccessEntry) -> None:
        raise ConnectionError("the database is unreachable")


# --- TTLs: nothing stays in Redis after it can no longer matter ---------------------------


async def test_a_txn_lives_its_otp_lifetime_plus_a_day(store):
    txn = a_txn()  # a 3-minute OTP
    await store.create(txn)
    day_ms = 24 * 3600 * 1000
    assert day_ms < await store.client.pttl(store.txn_key(txn.txn_id)) <= day_ms + 180_000
    assert await store.replace(verified(txn), expected_version=0)
    assert day_ms < await store.client.pttl(store.txn_key(txn.txn_id)) <= day_ms + 180_000
    assert 0 < await store.client.pttl(store.recent_key(txn.provider_id)) <= day_ms + 180_000


async def test_an_expired_txn_is_gone_and_left_out_of_recent(store):
    first, second = a_txn(), a_txn(created_at=CREATED + dt.timedelta(seconds=1))
    await store.create(first)
    await store.create(second)
    await store.client.pexpire(store.txn_key(second.txn_id), 1)
    await asyncio.sleep(0.01)
    assert await store.get(second.txn_id) is None
    assert not await store.replace(replace(second, version=1), expected_version=0)
    assert await store.recent(first.provider_id, 10) == [first]


async def test_a_counter_lives_until_its_window_stops_counting(redis):
    client, prefix = redis
    limiter = RedisRateLimiter(client, prefix=prefix)
    limit = Limit("key:prv_a", 5, WINDOW)
    assert await limiter.acquire([limit], now_s=START + 10) is None
    ttl_ms = await client.pttl(limiter.counter_key(limit, START))
    assert (2 * WINDOW - 10 - 1) * 1000 < ttl_ms <= (2 * WINDOW - 10) * 1000


limit_shapes = st.tuples(
    st.integers(1, 4), st.sampled_from([10, 60, 3600]), st.booleans()
)  # count, window, sliding
steps = st.lists(
    st.tuples(st.lists(st.integers(0, 2), min_size=1, max_size=3, unique=True), st.floats(0, 40)),
    min_size=1,
    max_size=25,
)  # (which limits, seconds since the step before)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(shapes=st.lists(limit_shapes, min_size=3, max_size=3), steps=steps)
async def test_the_same_answers_as_the_reference_limiter(redis, shapes, steps):
    """Admissions and retry-afters match the in-memory limiter (the arithmetic spelled out)."""
    client, prefix = redis
    example = uuid.uuid4().hex[:8]  # the same Redis serves every example: fresh keys each
    limits = [
        Limit(f"{example}:{i}", count, window, sliding=sliding)
        for i, (count, window, sliding) in enumerate(shapes)
    ]
    reference, limiter = MemoryRateLimiter(), RedisRateLimiter(client, prefix=prefix)
    now = START + 0.25
    for chosen, wait in steps:
        now += wait
        given_limits = [limits[i] for i in chosen]
        expected = await reference.acquire(given_limits, now_s=now)
        assert await limiter.acquire(given_limits, now_s=now) == expected


# --- Txn store: recent, create, the access outbox ------------------------------------------


async def test_recent_lists_a_providers_newest_txns_first(store):
    txns = [a_txn(created_at=CREATED + dt.timedelta(seconds=i)) for i in range(5)]
    other = a_txn(provider_id="prv_fedcba9876543210")
    for txn in [*txns, other]:
        await store.create(txn)
    assert await store.recent(txns[0].provider_id, 3) == txns[::-1][:3]
    assert await store.recent(other.provider_id, 10) == [other]
    assert await store.recent("prv_nobody", 10) == []


async def test_recent_keeps_the_newest_200(store):
    for i in range(205):
        await store.create(a_txn(created_at=CREATED + dt.timedelta(seconds=i)))
    kept = await store.recent(a_txn().provider_id, 500)
    assert len(kept) == 200
    assert kept[0].created_at == CREATED + dt.timedelta(seconds=204)


async def test_a_txn_id_is_created_once(store):
    txn = a_txn()
    await store.create(txn)
    with pytest.raises(TxnExists):
        await store.create(replace(txn, attempts=2))
    assert await store.get(txn.txn_id) == txn


async def test_a_create_retried_after_a_lost_reply_succeeds(store):
    """Regression: the client retries a command whose reply was lost (a reset connection, a
    timeout); the retried create found its own txn and failed the verification's start."""
    txn = a_txn()
    await store.create(txn)
    await store.create(txn)  # the retry: the same txn is already there
    assert await store.get(txn.txn_id) == txn


async def test_a_swap_stands_when_the_log_is_down_and_its_entry_is_replayed(adapters, store):
    txn = a_txn()
    await store.create(txn)
    entry = an_entry(txn)
    down = RedisVerificationStore(store.client, access_log=FailingLog(), prefix=store.prefix)
    assert await down.replace(verified(txn), expected_version=0, access=entry)
    assert await store.get(txn.txn_id) == verified(txn)
    assert await adapters.entries() == []

    # Still on its way (a slow database): not replayed yet.
    assert await store.replay_access(now=entry.at + dt.timedelta(minutes=1)) == 0
    assert await store.replay_access(now=entry.at + dt.timedelta(minutes=10)) == 1
    assert await adapters.entries() == [entry]
    assert await store.replay_access(now=entry.at + dt.timedelta(minutes=20)) == 0
    assert await adapters.entries() == [entry]
    assert not await store.client.exists(store.access_key(txn.txn_id))
    assert not await store.client.zcard(store.pending_key(txn.txn_id))


async def test_an_entry_replayed_by_two_workers_after_a_crash_is_logged_once(adapters, store):
    """Regression: every worker runs the replay, and a crash after the SQL commit leaves the
    entry in Redis too; the access log still holds it once."""
    txn = a_txn()
    await store.create(txn)
    entry = an_entry(txn)
    down = RedisVerificationStore(store.client, access_log=FailingLog(), prefix=store.prefix)
    assert await down.replace(verified(txn), expected_version=0, access=entry)
    await adapters.log.record(entry)  # committed in SQL, then the worker died before cleanup
    other = RedisVerificationStore(store.client, access_log=adapters.log, prefix=store.prefix)
    later = entry.at + dt.timedelta(minutes=10)
    await asyncio.gather(store.replay_access(now=later), other.replay_access(now=later))
    assert await adapters.entries() == [entry]
    assert not await store.client.exists(store.access_key(txn.txn_id))


async def test_a_swap_stands_when_redis_fails_after_the_entry_is_logged(adapters, store):
    """Regression: Redis going away between the SQL log and the outbox cleanup made a
    confirmed verification answer an error, though the txn was verified and logged."""
    txn = a_txn()
    await store.create(txn)
    entry = an_entry(txn)

    async def redis_gone(txn_id: str, entry: str) -> None:
        raise redis_errors.ConnectionError("Connection reset by peer")

    store._settled = redis_gone  # type: ignore[method-assign]
    assert await store.replace(verified(txn), expected_version=0, access=entry)
    del store._settled
    assert await store.replay_access(now=entry.at + dt.timedelta(minutes=10)) == 1
    assert await adapters.entries() == [entry]


async def test_a_delivered_entry_leaves_nothing_to_replay(adapters, store):
    txn = a_txn()
    await store.create(txn)
    entry = an_entry(txn, "locked")
    assert await store.replace(replace(txn, version=1), expected_version=0, access=entry)
    assert not await store.client.exists(store.access_key(txn.txn_id))
    assert not await store.client.zcard(store.pending_key(txn.txn_id))
    assert await store.replay_access(now=entry.at + dt.timedelta(hours=1)) == 0
    assert await adapters.entries() == [entry]


async def test_losers_of_a_race_leave_no_entry_and_the_index_is_swept(adapters, store):
    txn = a_txn()
    await store.create(txn)
    contenders = [replace(txn, attempts=i, version=1) for i in range(1, 11)]
    won = await asyncio.gather(
        *(store.replace(c, expected_version=0, access=an_entry(c, "locked")) for c in contenders)
    )
    assert sum(won) == 1
    assert len(await adapters.entries()) == 1
    await store.replay_access(now=CREATED + dt.timedelta(hours=1))
    buckets = [store.bucket_key(n) for n in range(PENDING_BUCKETS)]
    assert [await store.client.zcard(b) for b in buckets] == [0] * PENDING_BUCKETS
    assert len(await adapters.entries()) == 1


# --- Scripts and the cluster ----------------------------------------------------------------


async def test_scripts_survive_a_flushed_script_cache(redis, sql_log):
    client, prefix = redis
    limiter = RedisRateLimiter(client, prefix=prefix)
    store = RedisVerificationStore(client, access_log=sql_log, prefix=prefix)
    txn = a_txn()
    await store.create(txn)
    await client.script_flush()  # as after a restart or a failover to a fresh replica
    assert await limiter.acquire([Limit("key:prv_a", 1, WINDOW)], now_s=START) is None
    assert await store.replace(verified(txn), expected_version=0, access=an_entry(txn))


async def test_all_keys_of_a_txn_share_one_slot(cluster, sql_log):
    client, prefix = cluster
    store = RedisVerificationStore(client, access_log=sql_log, prefix=prefix)
    txn_ids = [str(uuid.uuid4()) for _ in range(20)]
    slots = set()
    for txn_id in txn_ids:
        txn_slot = await client.cluster_keyslot(store.txn_key(txn_id))
        assert await client.cluster_keyslot(store.access_key(txn_id)) == txn_slot
        slots.add(txn_slot)
    assert len(slots) > 1  # yet txns spread over the cluster


async def test_a_limits_two_windows_share_a_slot_and_limits_spread(cluster):
    client, prefix = cluster
    limiter = RedisRateLimiter(client, prefix=prefix)
    provider, mobile = Limit("key:prv_a", 5, WINDOW), Limit("mobile-h:m1", 5, WINDOW)
    for limit in (provider, mobile):
        current = await client.cluster_keyslot(limiter.counter_key(limit, START))
        previous = await client.cluster_keyslot(limiter.counter_key(limit, START - WINDOW))
        assert current == previous
    # The contract's two-limit tests use these keys: they do exercise the cross-slot path.
    assert await client.cluster_keyslot(
        limiter.counter_key(provider, START)
    ) != await client.cluster_keyslot(limiter.counter_key(mobile, START))


async def test_a_failure_half_way_rolls_back_what_was_counted(cluster):
    client, prefix = cluster
    limiter = RedisRateLimiter(client, prefix=prefix)
    first, second = Limit("key:prv_a", 5, WINDOW), Limit("mobile-h:m1", 5, WINDOW)
    check, calls = limiter._check, []

    async def failing_second(windows, now_s):
        calls.append(windows)
        if len(calls) == 2:
            raise ConnectionError("the node of the second limit went away")
        return await check(windows, now_s)

    limiter._check = failing_second  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        await limiter.acquire([first, second], now_s=START + 1)
    assert await client.get(limiter.counter_key(first, START)) == "0"
    assert not await client.exists(limiter.counter_key(second, START))
