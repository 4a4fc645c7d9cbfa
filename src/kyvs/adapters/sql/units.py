"""Units of database work for the async hot path: one unit, one hop to the database.

An adapter writes each operation as a plain function of a synchronous `Connection` (its
statements, in order) and runs it as one unit: `await units.write(work)` in one transaction,
`await units.read(work)` for reads.

- **SQLite**: the unit runs whole on a database thread of a small pool, over the synchronous
  driver. Through aiosqlite every statement, cursor, fetch, commit and rollback was its own hop
  to that driver's thread and back (about 77 hops per verification round trip, each waking the
  event loop); now a unit is one hop. A write unit opens with `BEGIN IMMEDIATE`, so it holds
  the write lock from its first statement and never fails halfway to upgrade a read lock; a
  read unit opens a deferred `BEGIN`, so its statements see one snapshot.
- **PostgreSQL**: the unit runs in the async engine's greenlet (`run_sync`), each statement
  awaited on psycopg's async connection as before: no thread is involved.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Engine, RowMapping, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import StaticPool

from kyvs.adapters.sql.engine import make_async_engine, sqlite_pragmas

T = TypeVar("T")
Work = Callable[[Connection], T]
SQLITE_THREADS = 4  # readers in parallel (WAL); writers queue on the database's lock anyway
WRITE = "kyvs_write"


class SqlUnits(Protocol):
    """Runs units of work on the database."""

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        ...

    @property
    def sync_engine(self) -> Engine:
        """The engine the units' statements run on (for event hooks)."""
        ...

    async def write(self, work: Work[T]) -> T:
        """`work(connection)` in one transaction, committed when it returns."""
        ...

    async def read(self, work: Work[T]) -> T:
        """`work(connection)` for reads: one snapshot, nothing committed."""
        ...

    async def aclose(self) -> None:
        """Release the connections (and threads)."""
        ...


class ThreadedSqliteUnits:
    """SQLite units, each run whole on a thread of a small pool (one event-loop wake each)."""

    dialect = "sqlite"

    def __init__(self, url: str, *, threads: int = SQLITE_THREADS) -> None:
        parsed = make_url(url).set(drivername="sqlite+pysqlite")
        in_memory = parsed.database in (None, "", ":memory:")
        options: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
        if in_memory:  # one connection, one thread: the database lives in that connection
            options["poolclass"] = StaticPool
            threads = 1
        else:
            options["pool_size"] = threads
        self.engine: Engine = create_engine(parsed, **options)
        event.listen(self.engine, "connect", _manual_transactions)
        event.listen(self.engine, "begin", _begin)
        self._threads = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="kyvs-sqlite")

    @property
    def sync_engine(self) -> Engine:
        """The synchronous engine the threads use."""
        return self.engine

    async def write(self, work: Work[T]) -> T:
        """`work` in a `BEGIN IMMEDIATE` transaction on a database thread."""
        return await self._run(functools.partial(_in_transaction, self.engine, work, write=True))

    async def read(self, work: Work[T]) -> T:
        """`work` in a deferred transaction (one snapshot), rolled back, on a database thread."""
        return await self._run(functools.partial(_in_transaction, self.engine, work, write=False))

    async def aclose(self) -> None:
        """Finish queued units, then close the connections."""
        await asyncio.to_thread(self._threads.shutdown, wait=True)
        self.engine.dispose()

    async def _run(self, call: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._threads, call)


class AsyncEngineUnits:
    """Units on an async engine's connection (PostgreSQL with psycopg): no thread hops."""

    def __init__(self, engine: AsyncEngine, *, owned: bool = False) -> None:
        self.engine = engine
        self.owned = owned  # disposed by `aclose` (else the engine is its creator's)

    @property
    def dialect(self) -> str:
        """The engine's dialect name."""
        return self.engine.dialect.name

    @property
    def sync_engine(self) -> Engine:
        """The async engine's synchronous core."""
        return self.engine.sync_engine

    async def write(self, work: Work[T]) -> T:
        """`work` in one transaction."""
        async with self.engine.begin() as connection:
            return await connection.run_sync(work)

    async def read(self, work: Work[T]) -> T:
        """`work` on a connection (returned to the pool after)."""
        async with self.engine.connect() as connection:
            return await connection.run_sync(work)

    async def aclose(self) -> None:
        """Dispose of the engine if these units made it."""
        if self.owned:
            await self.engine.dispose()


def make_units(url: str, **engine_options: Any) -> SqlUnits:
    """Units for the database at `url`: threaded for SQLite, an async engine of their own
    (`engine_options` for `make_async_engine`) otherwise; `aclose()` releases either."""
    if make_url(url).get_backend_name() == "sqlite":
        return ThreadedSqliteUnits(url)
    return AsyncEngineUnits(make_async_engine(url, **engine_options), owned=True)


def _in_transaction(engine: Engine, work: Work[T], *, write: bool) -> T:
    with engine.connect() as connection:
        connection.execution_options(**{WRITE: write})
        with connection.begin() as transaction:
            result = work(connection)
            if not write:
                transaction.rollback()
        return result


def _manual_transactions(dbapi_connection: Any, record: Any) -> None:
    """The pragmas, and no implicit BEGIN from the driver: `_begin` says which kind."""
    sqlite_pragmas(dbapi_connection, record)
    dbapi_connection.isolation_level = None


def _begin(connection: Connection) -> None:
    """Open the unit's transaction on the driver (as the driver's own implicit BEGIN was)."""
    kind = "BEGIN IMMEDIATE" if connection.get_execution_options().get(WRITE) else "BEGIN"
    driver: Any = connection.connection.driver_connection
    driver.execute(kind)


async def first_row(units: SqlUnits, query: Any, params: Any = None) -> RowMapping | None:
    """The first row of `query` as a mapping, or None (a read unit)."""
    return await units.read(lambda connection: connection.execute(query, params).mappings().first())


async def all_rows(units: SqlUnits, query: Any, params: Any = None) -> list[RowMapping]:
    """Every row of `query` as mappings (a read unit)."""
    return await units.read(lambda connection: list(connection.execute(query, params).mappings()))


async def written(units: SqlUnits, statement: Any, params: Any = None) -> int:
    """Run one writing statement in its own transaction; the rows it changed."""
    return await units.write(lambda connection: connection.execute(statement, params).rowcount)
