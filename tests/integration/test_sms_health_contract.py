"""Every SmsHealthLog adapter keeps the same promises (memory, SQLite, PostgreSQL, Redis): the
circuit breaker reads the same history whichever worker recorded it."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest

from kyvs.adapters.memory.sms_health import MemorySmsHealthLog
from kyvs.adapters.redis.sms_health import RedisSmsHealthLog
from kyvs.adapters.sql import migrate
from kyvs.adapters.sql.engine import make_engine
from kyvs.adapters.sql.sms_health import SqlSmsHealthLog
from kyvs.adapters.sql.units import make_units
from kyvs.domain.sms_health import HealthView, SmsOutcome
from kyvs.ports import SmsHealthLog
from tests.integration.test_redis_adapters import _client

pytestmark = pytest.mark.anyio

T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
KEEP = dt.timedelta(hours=1)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.fixture(
    params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres), "redis"]
)
async def health_log(request) -> AsyncIterator[SmsHealthLog]:
    if request.param == "memory":
        yield MemorySmsHealthLog(KEEP)
        return
    if request.param == "redis":
        async for client, prefix in _client(request, "redis"):
            yield RedisSmsHealthLog(client, prefix=prefix, keep=KEEP)
        return
    url = request.getfixturevalue(f"{request.param}_url")
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    units = make_units(url)
    yield SqlSmsHealthLog(units, keep=KEEP)
    await units.aclose()


async def test_an_empty_log_knows_nothing(health_log):
    assert await health_log.view(since=T0, limit=10) == HealthView(None, None, ())
    assert not await health_log.failed_between(T0, at(60))


async def test_the_view_has_the_latest_success_real_outcome_and_failures(health_log):
    await health_log.record(SmsOutcome(at(0), ok=True, duration_s=0.25))
    await health_log.record(SmsOutcome(at(10), ok=False, duration_s=4.5))
    await health_log.record(SmsOutcome(at(20), ok=False, echo=True))
    await health_log.record(SmsOutcome(at(30), ok=False, duration_s=1.0))
    view = await health_log.view(since=at(5), limit=10)
    assert view.last_success_at == at(0)
    assert view.last_real == SmsOutcome(at(30), ok=False, echo=False, duration_s=1.0)
    assert view.failures == (at(30), at(20), at(10))
    assert (await health_log.view(since=at(15), limit=1)).failures == (at(30),)


async def test_an_echoed_success_counts_as_a_success_but_not_as_a_real_outcome(health_log):
    await health_log.record(SmsOutcome(at(0), ok=False, duration_s=2.0))
    await health_log.record(SmsOutcome(at(5), ok=True, echo=True))
    view = await health_log.view(since=T0, limit=10)
    assert view.last_success_at == at(5)
    assert view.last_real == SmsOutcome(at(0), ok=False, echo=False, duration_s=2.0)


async def test_failed_between_includes_both_ends(health_log):
    await health_log.record(SmsOutcome(at(10), ok=False))
    await health_log.record(SmsOutcome(at(50), ok=True))
    assert await health_log.failed_between(at(10), at(20))
    assert await health_log.failed_between(at(0), at(10))
    assert not await health_log.failed_between(at(11), at(60))


async def test_outcomes_older_than_the_retention_are_forgotten(health_log):
    await health_log.record(SmsOutcome(at(0), ok=False))
    await health_log.record(SmsOutcome(at(3_601), ok=False))
    assert not await health_log.failed_between(at(-1), at(1))
    assert (await health_log.view(since=T0, limit=10)).failures == (at(3_601),)
