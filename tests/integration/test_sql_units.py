"""Units of database work on real SQLite and PostgreSQL: all or nothing, and on SQLite never a
blocked event loop (a unit that meets a lock waits on a thread)."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Connection, text

from kyvs.adapters.sql.engine import make_engine
from kyvs.adapters.sql.units import SqlUnits, make_units

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def units(request) -> AsyncIterator[SqlUnits]:
    found = make_units(request.getfixturevalue(f"{request.param}_url"))
    await found.write(lambda c: c.execute(text("DROP TABLE IF EXISTS unit_notes")))
    await found.write(lambda c: c.execute(text("CREATE TABLE unit_notes (note VARCHAR(4000))")))
    yield found
    await found.write(lambda c: c.execute(text("DROP TABLE unit_notes")))
    await found.aclose()


def note(value: str):
    def write(connection: Connection) -> None:
        connection.execute(text("INSERT INTO unit_notes (note) VALUES (:v)"), {"v": value})

    return write


def notes(connection: Connection) -> list[str]:
    return [row[0] for row in connection.execute(text("SELECT note FROM unit_notes ORDER BY 1"))]


async def test_a_write_unit_commits_all_its_statements(units):
    def two(connection: Connection) -> None:
        note("a")(connection)
        note("b")(connection)

    await units.write(two)
    assert await units.read(notes) == ["a", "b"]


async def test_an_idempotent_write_commits_on_its_own(units):
    await units.write_idempotent(text("INSERT INTO unit_notes (note) VALUES (:v)"), {"v": "a"})
    assert await units.read(notes) == ["a"]


async def test_a_unit_that_fails_halfway_leaves_nothing(units):
    def half(connection: Connection) -> None:
        note("a")(connection)
        raise RuntimeError("the second statement never came")

    with pytest.raises(RuntimeError):
        await units.write(half)
    assert await units.read(notes) == []


async def test_a_sqlite_write_meeting_a_held_lock_waits_off_the_event_loop(sqlite_url):
    """Another process holds the write lock for a while: the unit waits for it on a thread
    (no `database is locked`), and the event loop keeps serving meanwhile."""
    units = make_units(sqlite_url)
    await units.write(lambda c: c.execute(text("CREATE TABLE unit_notes (note VARCHAR(4000))")))
    outside = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    outside.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    beat = asyncio.create_task(ticker())
    waiting = asyncio.create_task(units.write(note("after the lock")))
    await asyncio.sleep(0.3)
    assert not waiting.done()
    held_ticks = ticks
    outside.execute("COMMIT")
    await asyncio.wait_for(waiting, timeout=5)
    beat.cancel()
    outside.close()

    assert held_ticks >= 10  # the loop ran while the unit waited for the lock
    assert await units.read(notes) == ["after the lock"]
    await units.aclose()


async def test_sqlite_commits_on_the_event_loop_let_the_log_start_over(sqlite_url):
    """Inline commits checkpoint as SQLite does by default, so the write-ahead log does not
    grow without end: after 600 commits of about 3 pages each, it holds fewer than 1000."""
    units = make_units(sqlite_url)
    await units.write(lambda c: c.execute(text("CREATE TABLE unit_notes (note VARCHAR(4000))")))
    for _ in range(600):
        await units.write(note("x" * 3000))

    outside = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    _, frames_in_log, _ = outside.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    outside.close()
    assert 0 < frames_in_log < 1000
    assert len(await units.read(notes)) == 600
    await units.aclose()


@pytest.mark.postgres
async def test_units_on_connections_postgresql_dropped_run_again_on_fresh_ones(postgresql_url):
    """A failover or restart kills every pooled connection: the next read and the next write
    each run once more on a fresh connection, with no error and no write lost or doubled."""
    name = f"kyvs-units-{uuid.uuid4().hex[:8]}"  # only this test's connections are dropped
    separator = "&" if "?" in postgresql_url else "?"
    units = make_units(f"{postgresql_url}{separator}application_name={name}")
    await units.write(lambda c: c.execute(text("CREATE TABLE unit_notes (note VARCHAR(4000))")))
    await units.write(note("before"))

    def drop_every_other_connection() -> None:
        admin = make_engine(postgresql_url)
        with admin.connect() as connection:
            killed = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :name"
                ),
                {"name": name},
            ).scalar_one()
        admin.dispose()
        assert killed >= 1

    drop_every_other_connection()
    assert await units.read(notes) == ["before"]
    drop_every_other_connection()
    await units.write(note("after"))
    drop_every_other_connection()
    await units.write_idempotent(text("INSERT INTO unit_notes (note) VALUES ('once')"))
    assert await units.read(notes) == ["after", "before", "once"]
    await units.aclose()
