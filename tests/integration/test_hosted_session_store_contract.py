"""Every HostedSessionStore adapter keeps the same promises: in memory, on SQLite and on
PostgreSQL. A session comes back as it was stored, binding, starts, nonce and all, and
compare-and-set on `version` lets one of two racing writes win."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest

from kyvs.adapters.memory.hosted import MemoryHostedSessionStore
from kyvs.adapters.sql import migrate
from kyvs.adapters.sql.engine import make_engine
from kyvs.adapters.sql.hosted import SqlHostedSessionStore
from kyvs.adapters.sql.units import make_units
from kyvs.domain.hosted import HostedSession
from kyvs.ports import HostedSessionStore

pytestmark = pytest.mark.anyio

CREATED = dt.datetime(2026, 12, 7, 10, 0, 0, 123456, tzinfo=dt.UTC)
BROWSER = "s" * 43


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def store(request) -> AsyncIterator[HostedSessionStore]:
    if request.param == "memory":
        yield MemoryHostedSessionStore()
        return
    url = request.getfixturevalue(f"{request.param}_url")
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    units = make_units(url)
    yield SqlHostedSessionStore(units)
    await units.aclose()


def a_session(**changes: object) -> HostedSession:
    return HostedSession(
        session_id=str(uuid.uuid4()),
        provider_id="prv_0123456789abcdef",
        return_url="https://shop.example.com/kyvs/return",
        purpose="travel",
        language="gu",
        created_at=CREATED,
        expires_at=CREATED + dt.timedelta(minutes=15),
        **changes,  # type: ignore[arg-type]
    )


async def test_a_new_session_comes_back_unbound_with_no_starts(store):
    session = a_session(nonce="n" * 128)
    await store.create(session)
    stored = await store.get(session.session_id)
    assert stored == session
    assert (stored.starts, stored.browser_digest, stored.result_shown_at) == (0, None, None)


async def test_starts_binding_and_the_shown_result_are_kept(store):
    session = a_session()
    await store.create(session)
    started = session.with_txn(str(uuid.uuid4()), BROWSER)
    assert await store.replace(started, expected_version=session.version)
    done = started.with_result("header.payload.signature")
    assert await store.replace(done, expected_version=started.version)
    shown = done.result_shown(CREATED + dt.timedelta(minutes=2))
    assert await store.replace(shown, expected_version=done.version)
    stored = await store.get(session.session_id)
    assert stored == shown
    assert stored.belongs_to(BROWSER) and not stored.belongs_to("t" * 43)
    assert stored.result_shown_at == CREATED + dt.timedelta(minutes=2)


async def test_of_two_writes_from_one_version_only_the_first_lands(store):
    session = a_session()
    await store.create(session)
    first = session.with_txn("txn-first", BROWSER)
    second = session.with_txn("txn-second", "t" * 43)
    assert await store.replace(first, expected_version=session.version)
    assert not await store.replace(second, expected_version=session.version)
    assert (await store.get(session.session_id)) == first


async def test_an_unknown_session_is_none(store):
    assert await store.get(str(uuid.uuid4())) is None


async def test_erasing_a_txn_s_result_ends_its_session_and_touches_no_other(store):
    erased_one = a_session(txn_id="txn-1", result="header.payload.signature")
    other = a_session(txn_id="txn-2", result="other.payload.signature")
    for session in (erased_one, other):
        await store.create(session)
    at = CREATED + dt.timedelta(minutes=5)

    assert await store.erase_results(["txn-1"], at=at) == 1
    assert await store.erase_results(["txn-1"], at=at) == 0

    after = await store.get(erased_one.session_id)
    assert (after.result, after.expires_at, after.version) == (None, at, erased_one.version + 1)
    assert await store.get(other.session_id) == other
