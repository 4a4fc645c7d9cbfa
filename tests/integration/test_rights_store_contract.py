"""Every RightsStore keeps the same promises (memory, SQLite, PostgreSQL): a withdrawal is kept
once with its first time and stops the txn's result; grievances are found by the mobile's keyed
hash, newest first; the operator's desk lists them oldest first and one answer wins."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator

import pytest

from kyvs.adapters.memory.rights import MemoryRightsStore
from kyvs.adapters.sql import migrate
from kyvs.adapters.sql.engine import make_engine
from kyvs.adapters.sql.rights import SqlGrievanceDesk, SqlRightsStore
from kyvs.adapters.sql.units import make_units
from kyvs.domain.rights import Grievance, GrievanceSubject, Withdrawal
from kyvs.ports import RightsStore

pytestmark = pytest.mark.anyio

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
ASHA, MEERA = "12345678901234", "23456789012345"


def a_grievance(number: int, *, mobile_key: str = "key-a", days_ago: int = 0) -> Grievance:
    return Grievance(
        grievance_id=f"00000000-0000-0000-0000-{number:012d}",
        mobile_key=mobile_key,
        mobile_masked="XXXXXX3210",
        subject=GrievanceSubject.DISCLOSURE,
        text=f"Grievance {number}: I did not agree.",
        reference=None,
        filed_at=NOW - dt.timedelta(days=days_ago),
    )


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def store(request) -> AsyncIterator[RightsStore]:
    if request.param == "memory":
        yield MemoryRightsStore()
        return
    url = request.getfixturevalue(f"{request.param}_url")
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    units = make_units(url)
    yield SqlRightsStore(units)
    await units.aclose()


async def test_a_withdrawal_stops_its_txn_only_and_a_repeat_keeps_the_first_time(store):
    await store.withdraw(Withdrawal("c-1", ASHA, "txn-1", NOW))
    await store.withdraw(Withdrawal("c-1", ASHA, "txn-1", NOW + dt.timedelta(hours=1)))

    assert await store.withdrawn("txn-1") is True
    assert await store.withdrawn("txn-2") is False
    assert await store.withdrawals_for([ASHA]) == [Withdrawal("c-1", ASHA, "txn-1", NOW)]
    assert await store.withdrawals_for([MEERA]) == []


async def test_grievances_are_found_by_the_mobile_s_key_newest_first(store):
    older, newer = a_grievance(1, days_ago=3), a_grievance(2)
    for grievance in (older, newer, a_grievance(3, mobile_key="key-b")):
        await store.add_grievance(grievance)

    assert await store.grievances_for("key-a") == [newer, older]
    assert await store.grievances_for("key-nobody") == []


@pytest.fixture
def desk_and_store(database_url) -> Iterator[tuple[SqlGrievanceDesk, SqlRightsStore]]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    units = make_units(database_url)
    yield SqlGrievanceDesk(engine), SqlRightsStore(units)
    engine.dispose()


async def test_the_desk_lists_oldest_first_and_the_first_answer_closes_it(desk_and_store):
    desk, store = desk_and_store
    for grievance in (a_grievance(1), a_grievance(2, days_ago=100)):
        await store.add_grievance(grievance)
    await store.units.aclose()
    old = desk.grievances(open_only=True)
    assert [g.grievance_id for g in old] == [
        a_grievance(2).grievance_id,
        a_grievance(1).grievance_id,
    ]

    answered = old[0].answered("We looked into it.", NOW)
    assert desk.save_answer(answered) is True
    assert desk.save_answer(answered) is False

    assert desk.get(answered.grievance_id) == answered
    assert [g.grievance_id for g in desk.grievances(open_only=True)] == [
        a_grievance(1).grievance_id
    ]
    assert len(desk.grievances(open_only=False)) == 2
