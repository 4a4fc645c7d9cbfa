"""Units of database work for the async hot path: one unit, one hop to the database.

An adapter writes each operation as a plain function of a synchronous `Connection` (its
statements, in order) and runs it as one unit: `await units.write(work)` in one transaction,
`await units.read(work)` for reads.

- **SQLite**: the unit runs whole over the synchronous driver, on the event loop when it need
  not wait for a lock and on a thread of a small pool when it must (`SqliteUnits`). Through
  aiosqlite every statement, cursor, fetch, commit and rollback was its own hop to that
  driver's thread and back (about 77 hops per verification round trip, each waking the event
  loop). A write unit opens with `BEGIN IMMEDIATE`, so it holds the write lock from its first
  statement and never fails halfway to upgrade a read lock; a read unit opens a deferred
  `BEGIN`, so its statements see one snapshot.
- **PostgreSQL**: the unit runs in the async engine's greenlet (`run_sync`), each statement
  awaited on psycopg's async connection as before: no thread is involved.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Engine, RowMapping, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import StaticPool

from kyvs.adapters.sql.engine import make_async_engine, sqlite_pragmas

T = TypeVar("T")
Work = Callable[[Connection], T]
SQLITE_THREADS = 4  # units that met a lock wait there (writers queue on the lock anyway)
WRITE = "kyvs_write"
UNIT_CACHE_KIB = 16 * 1024


class SqlUnits(Protocol):
    """Runs units of work on the database."""

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        ...

    @property
    def engines(self) -> tuple[Engine, ...]:
        """Every engine the units' statements run on (for event hooks)."""
        ...

    async def write(self, work: Work[T]) -> T:
        """`work(connection)` in one transaction, committed when it returns."""
        ...

    async def read(self, work: Work[T]) -> T:
        """`work(connection)` for reads: one snapshot, nothing committed."""
        ...

    async def write_idempotent(self, statement: Any, params: Any = None) -> None:
        """One statement that changes nothing when run twice (an insert that skips a row
        already there): a unit of its own, which may run again after a dropped connection."""
        ...

    async def aclose(self) -> None:
        """Release the connections (and threads)."""
        ...


class SqliteUnits:
    """SQLite units: on the event loop when that cannot wait, else whole on a database thread.

    A unit first runs inline, on one connection of its own whose `busy_timeout` is 0: SQLite
    answers from its page cache in microseconds, so a unit costs less than the hop to a thread
    and back (measured: a third of a verification round trip's CPU). Inline it never waits: a
    write whose `BEGIN IMMEDIATE` finds the write lock held (another worker, the CLI, a unit
    already on a thread) and a read that meets a lock go, unstarted, to a thread of the pool,
    where the usual busy timeout waits for the lock. The inline connection checkpoints as
    SQLite does by default (a passive checkpoint by the commit that fills 1000 pages of log),
    which never waits for a lock either: a few milliseconds of writing every few hundred
    verifications. (A checkpoint on a thread, beside inline writers, would race them, and the
    log would not start over while they write.)
    """

    dialect = "sqlite"

    def __init__(self, url: str, *, threads: int = SQLITE_THREADS) -> None:
        parsed = make_url(url).set(drivername="sqlite+pysqlite")
        shared: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
        if parsed.database in (None, "", ":memory:"):
            # The database lives in its one connection: inline and threads share it.
            self.engine = _engine(parsed, poolclass=StaticPool, **shared)
            self._inline_engine = self.engine
            threads = 1
        else:
            Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
            self.engine = _engine(parsed, pool_size=threads, **shared)
            self._inline_engine = _engine(parsed, poolclass=StaticPool, **shared)
            event.listen(self._inline_engine, "connect", _never_wait)
        self._inline: Connection | None = None
        self._threads = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="kyvs-sqlite")

    @property
    def engines(self) -> tuple[Engine, ...]:
        """Every engine units run on (for event hooks that must see every statement)."""
        if self._inline_engine is self.engine:
            return (self.engine,)
        return (self._inline_engine, self.engine)

    async def write(self, work: Work[T]) -> T:
        """`work` in a `BEGIN IMMEDIATE` transaction: inline, or on a thread when locked."""
        return await self._unit(work, write=True)

    async def read(self, work: Work[T]) -> T:
        """`work` in a deferred transaction (one snapshot), rolled back after."""
        return await self._unit(work, write=False)

    async def write_idempotent(self, statement: Any, params: Any = None) -> None:
        """The statement as a write unit (inline its transaction costs nothing)."""
        await self._unit(lambda connection: connection.execute(statement, params), write=True)

    async def aclose(self) -> None:
        """Finish queued units, then close the connections."""
        await asyncio.to_thread(self._threads.shutdown, wait=True)
        if self._inline is not None:
            self._inline.close()
            self._inline = None
        self._inline_engine.dispose()
        self.engine.dispose()

    async def _unit(self, work: Work[T], *, write: bool) -> T:
        try:
            result = _in_transaction(self._inline_connection(), work, write=write)
        except _Locked:
            return await self._on_thread(work, write=write)
        except OperationalError as error:
            if write or not _is_locked(error.orig):
                raise
            return await self._on_thread(work, write=write)  # a read changed nothing
        return result

    async def _on_thread(self, work: Work[T], *, write: bool) -> T:
        def run() -> T:
            with self.engine.connect() as connection:
                return _in_transaction(connection, work, write=write)

        return await asyncio.get_running_loop().run_in_executor(self._threads, run)

    def _inline_connection(self) -> Connection:
        if self._inline is None or self._inline.invalidated or self._inline.closed:
            self._inline = self._inline_engine.connect()
        return self._inline


class AsyncEngineUnits:
    """Units on an async engine's connection (PostgreSQL with psycopg): no thread hops.

    A pooled connection is not pinged before each unit (a round trip to the server for every
    checkout, a third of the hot path's): a unit that finds its connection dropped (a
    database restart, a failover) invalidates the pool's older connections, as SQLAlchemy
    does, and runs again once on a fresh one. A write is run again only when the drop came
    before its commit was sent: the server then rolled it back whole."""

    def __init__(self, engine: AsyncEngine, *, owned: bool = False) -> None:
        self.engine = engine
        self.owned = owned  # disposed by `aclose` (else the engine is its creator's)
        # Reads in autocommit: no BEGIN before and no ROLLBACK after, two round trips to the
        # server fewer per read (the same pool; the level is set on the driver, not sent).
        self._reads = engine.execution_options(isolation_level="AUTOCOMMIT")

    @property
    def dialect(self) -> str:
        """The engine's dialect name."""
        return self.engine.dialect.name

    @property
    def engines(self) -> tuple[Engine, ...]:
        """The async engine's synchronous core."""
        return (self.engine.sync_engine,)

    async def write(self, work: Work[T]) -> T:
        """`work` in one transaction; once more on a fresh connection when the database had
        dropped the first before the commit was sent (nothing of it can have been kept)."""
        for attempt in range(2):
            committing = False

            def unit(connection: Connection) -> T:
                nonlocal committing
                transaction = connection.begin()
                result = work(connection)
                committing = True
                transaction.commit()
                return result

            try:
                async with self.engine.connect() as connection:
                    return await connection.run_sync(unit)
            except DBAPIError as error:
                if attempt or committing or not error.connection_invalidated:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def read(self, work: Work[T]) -> T:
        """`work` on a connection in autocommit (each statement sees the latest commits); once
        more on a fresh connection when the database had dropped the first."""
        for attempt in range(2):
            try:
                async with self._reads.connect() as connection:
                    return await connection.run_sync(work)
            except DBAPIError as error:
                if attempt or not error.connection_invalidated:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def write_idempotent(self, statement: Any, params: Any = None) -> None:
        """The statement in autocommit (atomic on its own: no BEGIN, no COMMIT to send), once
        more on a fresh connection when the database had dropped the first (running it twice
        changes nothing)."""
        await self.read(lambda connection: connection.execute(statement, params))

    async def aclose(self) -> None:
        """Dispose of the engine if these units made it."""
        if self.owned:
            await self.engine.dispose()


def make_units(url: str, **engine_options: Any) -> SqlUnits:
    """Units for the database at `url`: threaded for SQLite, an async engine of their own
    (`engine_options` for `make_async_engine`) otherwise; `aclose()` releases either."""
    if make_url(url).get_backend_name() == "sqlite":
        return SqliteUnits(url)
    return AsyncEngineUnits(make_async_engine(url, **engine_options), owned=True)


def _engine(url: URL, **options: Any) -> Engine:
    engine = create_engine(url, **options)
    event.listen(engine, "connect", _manual_transactions)
    event.listen(engine, "begin", _begin)
    return engine


def _in_transaction(connection: Connection, work: Work[T], *, write: bool) -> T:
    connection.execution_options(**{WRITE: write})
    with connection.begin() as transaction:
        result = work(connection)
        if not write:
            transaction.rollback()
    return result


def _never_wait(dbapi_connection: Any, _record: Any) -> None:
    """The inline connection: a lock is answered at once (the unit moves to a thread)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.close()


class _Locked(Exception):
    """`BEGIN IMMEDIATE` found the write lock taken: nothing of the unit has run."""


def _is_locked(error: BaseException | None) -> bool:
    # The primary code: SQLITE_BUSY_RECOVERY, _SNAPSHOT and _TIMEOUT are kinds of busy too.
    if not isinstance(error, sqlite3.OperationalError):
        return False
    return getattr(error, "sqlite_errorcode", 0) & 0xFF in _BUSY


_BUSY = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


def _manual_transactions(dbapi_connection: Any, record: Any) -> None:
    """The pragmas, and no implicit BEGIN from the driver: `_begin` says which kind. A page
    cache of `UNIT_CACHE_KIB` (not the bulk loads' 64 MiB): the inline connection serves
    nearly every unit, and the operating system caches the file besides."""
    sqlite_pragmas(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA cache_size=-{UNIT_CACHE_KIB}")
    cursor.close()
    dbapi_connection.isolation_level = None


def _begin(connection: Connection) -> None:
    """Open the unit's transaction on the driver (as the driver's own implicit BEGIN was)."""
    kind = "BEGIN IMMEDIATE" if connection.get_execution_options().get(WRITE) else "BEGIN"
    driver: Any = connection.connection.driver_connection
    try:
        driver.execute(kind)
    except sqlite3.OperationalError as error:
        if _is_locked(error):
            raise _Locked from error
        raise


async def first_row(units: SqlUnits, query: Any, params: Any = None) -> RowMapping | None:
    """The first row of `query` as a mapping, or None (a read unit)."""
    return await units.read(lambda connection: connection.execute(query, params).mappings().first())


async def all_rows(units: SqlUnits, query: Any, params: Any = None) -> list[RowMapping]:
    """Every row of `query` as mappings (a read unit)."""
    return await units.read(lambda connection: list(connection.execute(query, params).mappings()))


async def written(units: SqlUnits, statement: Any, params: Any = None) -> int:
    """Run one writing statement in its own transaction; the rows it changed."""
    return await units.write(lambda connection: connection.execute(statement, params).rowcount)
