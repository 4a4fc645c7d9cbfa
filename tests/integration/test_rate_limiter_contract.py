"""Every RateLimiter adapter keeps the same promises: in memory, on SQLite and on PostgreSQL.

The limits of SECURITY.md (OTPs per mobile, per-key rate, daily quota) are only as good as
these promises, above all under concurrent requests.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from kyvs.adapters.memory.verification import MemoryRateLimiter
from kyvs.adapters.sql import migrate
from kyvs.adapters.sql.engine import make_engine
from kyvs.adapters.sql.units import make_units
from kyvs.adapters.sql.verifications import SqlRateLimiter
from kyvs.domain.limits import Limit
from kyvs.ports import Denied, RateLimiter

pytestmark = pytest.mark.anyio

WINDOW = 60
START = 1_000 * WINDOW  # the start of a fixed window, in epoch seconds


@contextlib.asynccontextmanager
async def migrated_sql_limiter(url: str) -> AsyncIterator[SqlRateLimiter]:
    """A `SqlRateLimiter` on a freshly migrated database at `url`."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    units = make_units(url)
    try:
        yield SqlRateLimiter(units)
    finally:
        await units.aclose()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def limiter(request) -> AsyncIterator[RateLimiter]:
    if request.param == "memory":
        yield MemoryRateLimiter()
        return
    async with migrated_sql_limiter(request.getfixturevalue(f"{request.param}_url")) as found:
        yield found


async def admitted(limiter: RateLimiter, limits: list[Limit], now_s: float, tries: int) -> int:
    """How many of `tries` acquisitions, one after the other, the limiter lets through."""
    results = [await limiter.acquire(limits, now_s=now_s) for _ in range(tries)]
    return sum(result is None for result in results)


@pytest.mark.parametrize("sliding", [True, False], ids=["sliding", "fixed"])
async def test_a_limit_of_n_admits_exactly_n_then_denies(limiter, sliding):
    limit = Limit("key:prv_a", 3, WINDOW, sliding=sliding)
    for _ in range(3):
        assert await limiter.acquire([limit], now_s=START + 10) is None
    denied = await limiter.acquire([limit], now_s=START + 10)
    assert isinstance(denied, Denied)
    assert denied.limit == limit
    assert denied.retry_after_s >= 1


async def test_a_fixed_limit_asks_to_wait_until_the_window_ends(limiter):
    limit = Limit("quota:prv_a", 1, WINDOW, sliding=False)
    assert await limiter.acquire([limit], now_s=START + 15.5) is None
    denied = await limiter.acquire([limit], now_s=START + 15.5)
    assert denied is not None
    assert denied.retry_after_s == 45  # ceil(44.5): the next window starts then


async def test_denials_are_not_counted(limiter):
    limit = Limit("key:prv_a", 2, WINDOW)
    assert await admitted(limiter, [limit], START + 1, 10) == 2
    # Half-way through the next window the previous one weighs 2 * 0.5 = 1, so one more fits;
    # had the 8 denials been counted it would weigh 5 and nothing would.
    assert await admitted(limiter, [limit], START + WINDOW + WINDOW / 2, 5) == 1


async def test_a_denied_second_limit_leaves_the_first_uncounted(limiter):
    wide = Limit("key:prv_a", 5, WINDOW)
    narrow = Limit("mobile-h:m1", 1, WINDOW)
    assert await limiter.acquire([narrow], now_s=START + 1) is None

    for _ in range(3):  # the full limit comes second: the first was already looked at
        denied = await limiter.acquire([wide, narrow], now_s=START + 1)
        assert denied is not None
        assert denied.limit == narrow

    assert await admitted(limiter, [wide], START + 1, 10) == 5


async def test_a_denied_first_limit_leaves_the_second_uncounted(limiter):
    narrow = Limit("quota:prv_a", 1, WINDOW, sliding=False)
    wide = Limit("mobile-h:m1", 3, WINDOW, sliding=False)
    assert await limiter.acquire([narrow], now_s=START + 1) is None
    denied = await limiter.acquire([narrow, wide], now_s=START + 1)
    assert denied is not None
    assert denied.limit == narrow
    assert await admitted(limiter, [wide], START + 1, 10) == 3


async def test_a_fixed_window_resets_at_the_boundary(limiter):
    limit = Limit("quota:prv_a", 2, WINDOW, sliding=False)
    assert await admitted(limiter, [limit], START + WINDOW - 0.1, 5) == 2
    denied = await limiter.acquire([limit], now_s=START + WINDOW - 0.1)
    assert denied is not None
    assert denied.retry_after_s == 1
    assert await admitted(limiter, [limit], START + WINDOW, 5) == 2


async def test_a_sliding_window_remembers_the_previous_window(limiter):
    limit = Limit("mobile-h:m1", 4, WINDOW)
    assert await admitted(limiter, [limit], START + 50, 4) == 4
    # A quarter into the next window the previous one still weighs 4 * 0.75 = 3: one more fits.
    assert await admitted(limiter, [limit], START + WINDOW + 15, 5) == 1


async def test_a_sliding_window_forgets_a_window_two_back(limiter):
    limit = Limit("mobile-h:m1", 4, WINDOW)
    assert await admitted(limiter, [limit], START + 50, 4) == 4
    assert await admitted(limiter, [limit], START + 2 * WINDOW, 6) == 4


async def test_a_sliding_denial_says_honestly_when_to_come_back(limiter):
    limit = Limit("mobile-h:m1", 4, WINDOW)
    assert await admitted(limiter, [limit], START + 10, 4) == 4
    now = START + WINDOW + 30  # the previous window weighs 4 * 0.5 = 2
    assert await admitted(limiter, [limit], now, 2) == 2
    denied = await limiter.acquire([limit], now_s=now)
    assert denied is not None
    assert denied.retry_after_s == 15
    assert await limiter.acquire([limit], now_s=now + denied.retry_after_s - 1) is not None
    assert await limiter.acquire([limit], now_s=now + denied.retry_after_s) is None


async def test_independent_keys_do_not_interfere(limiter):
    first = Limit("key:prv_a", 2, WINDOW)
    second = Limit("key:prv_b", 2, WINDOW)
    assert await admitted(limiter, [first], START + 1, 5) == 2
    assert await admitted(limiter, [second], START + 1, 5) == 2
    together = await limiter.acquire([Limit("key:prv_c", 2, WINDOW), first], now_s=START + 1)
    assert together is not None
    assert together.limit == first
    assert await admitted(limiter, [Limit("key:prv_c", 2, WINDOW)], START + 1, 5) == 2


@pytest.mark.parametrize("sliding", [True, False], ids=["sliding", "fixed"])
async def test_concurrent_acquisitions_never_exceed_the_limit(limiter, sliding):
    limit = Limit("key:prv_a", 10, WINDOW, sliding=sliding)
    results = await asyncio.gather(*(limiter.acquire([limit], now_s=START + 30) for _ in range(30)))
    assert sum(result is None for result in results) == 10
    assert all(r.limit == limit and r.retry_after_s >= 1 for r in results if r is not None)


async def test_concurrent_denials_leave_the_other_limit_uncounted(limiter):
    wide = Limit("key:prv_a", 25, WINDOW)
    narrow = Limit("mobile-h:m1", 10, WINDOW)
    results = await asyncio.gather(
        *(limiter.acquire([wide, narrow], now_s=START + 30) for _ in range(30))
    )
    assert sum(result is None for result in results) == 10
    # Only the 10 admitted events count against `wide`: 15 more fit, not 0.
    assert await admitted(limiter, [wide], START + 30, 20) == 15


async def test_concurrent_acquisitions_on_many_keys_each_stop_at_their_limit(limiter):
    limits = {key: Limit(f"mobile-d:{key}", 3, WINDOW, sliding=False) for key in "abc"}
    results = await asyncio.gather(
        *(limiter.acquire([limits[key]], now_s=START + 1) for key in "abc" * 8)
    )
    per_key = dict.fromkeys("abc", 0)
    for key, result in zip("abc" * 8, results, strict=True):
        per_key[key] += result is None
    assert per_key == {"a": 3, "b": 3, "c": 3}
