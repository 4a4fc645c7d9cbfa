"""A running server deletes expired rate-limit counters from the database.

Found by the soak: every verification start writes per-mobile counters (an hour and a day
window), and nothing ever deleted them, so `rate_counters` grew by two rows per mobile ever
checked, forever. Redis expires its own counters; the database needs the purge job.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from kyvs.adapters.sql import migrate
from kyvs.adapters.sql.engine import make_engine
from kyvs.adapters.sql.tables import rate_counters
from kyvs.adapters.sql.verifications import SqlRateLimiter
from kyvs.bootstrap import bootstrap
from kyvs.domain.limits import Limit
from kyvs.settings import Settings
from kyvs.web import app as web_app
from tests.integration.test_rate_limiter_contract import (
    START,
    WINDOW,
    admitted,
    migrated_sql_limiter,
)

pytestmark = pytest.mark.anyio
HOUR_S = 3600


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def sql_limiter(request) -> AsyncIterator[SqlRateLimiter]:
    async with migrated_sql_limiter(request.getfixturevalue(f"{request.param}_url")) as found:
        yield found


async def counters(wired) -> int:
    """Rows in `rate_counters` (`wired`: anything with `units` or `sql_units`)."""
    units = getattr(wired, "sql_units", None) or wired.units
    query = select(func.count()).select_from(rate_counters)
    return int(await units.read(lambda connection: connection.execute(query).scalar_one()))


async def test_purging_deletes_only_counters_no_limit_reads_any_more(sql_limiter):
    old = Limit("mobile-h:m1", 4, WINDOW)
    assert await admitted(sql_limiter, [old], START + 50, 4) == 4
    recent = Limit("mobile-h:m2", 4, WINDOW)
    assert await admitted(sql_limiter, [recent], START + 2 * WINDOW + 50, 4) == 4

    # One window on, m2's window still weighs on its sliding limit; m1's two windows back do not.
    now = START + 3 * WINDOW + 15
    assert await sql_limiter.purge(now_s=now) == 1
    assert await counters(sql_limiter) == 1
    assert await admitted(sql_limiter, [recent], now, 5) == 1  # 4 * 0.75 = 3 still counted
    assert await admitted(sql_limiter, [old], now, 6) == 4


async def test_the_server_purges_counters_whose_windows_have_passed(sqlite_url, monkeypatch):
    engine = make_engine(sqlite_url)
    migrate.upgrade(engine)
    engine.dispose()
    wired = bootstrap(Settings(database_url=sqlite_url, demo=True))
    now = wired.clock.now().timestamp()
    limiter = wired.rate_limiter
    long_ago = Limit("mobile-h:gone", 5, HOUR_S)
    assert await limiter.acquire([long_ago], now_s=now - 3 * HOUR_S) is None
    assert await limiter.acquire([Limit("mobile-h:live", 5, HOUR_S)], now_s=now) is None
    assert await counters(wired) == 2

    monkeypatch.setattr(web_app, "COUNTER_PURGE_S", 0.05)
    app = web_app.create_app(container=wired)
    async with app.router.lifespan_context(app):
        for _ in range(100):
            if await counters(wired) == 1:
                break
            await asyncio.sleep(0.05)
        assert await counters(wired) == 1  # the live window stays
