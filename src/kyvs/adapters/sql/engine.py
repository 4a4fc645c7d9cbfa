"""Engines: SQLite in WAL mode (with its folder made) or PostgreSQL, from one URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def make_engine(url: str, *, timeout_s: int | None = None, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout on every connection.

    On PostgreSQL, a pooled connection is pinged before use (one that a database restart
    killed is replaced, not handed out), and `timeout_s` bounds opening a connection and
    waiting for a free one."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True, **_bounded(timeout_s), **kwargs)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, **kwargs)
    event.listen(engine, "connect", sqlite_pragmas)
    return engine


def _bounded(timeout_s: int | None) -> dict[str, Any]:
    """Pool and driver options that bound the waits for a connection (None: the defaults)."""
    if timeout_s is None:
        return {}
    return {"pool_timeout": timeout_s, "connect_args": {"connect_timeout": timeout_s}}


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # NORMAL is durable in WAL mode across application crashes (only power loss can drop
    # the last commits), which is the trade-off SQLite's documentation recommends for WAL.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache: bulk loads and lookups
    cursor.close()


def is_postgresql(engine: Engine) -> bool:
    """True when the engine talks to PostgreSQL."""
    return engine.dialect.name == "postgresql"


def make_async_engine(
    url: str,
    *,
    timeout_s: int | None = None,
    pool_size: int = 20,
    max_overflow: int = 10,
    **kwargs: Any,
) -> AsyncEngine:
    """A PostgreSQL engine on psycopg's async connections for the web's hot path; the bounds of
    the sync engine, but no ping before each checkout: `units.AsyncEngineUnits` runs a unit
    again on a fresh connection when the database had dropped the pooled one. (SQLite's hot
    path is `units.SqliteUnits`, over the synchronous driver.)

    A pool as large as the requests a worker serves at once: connections that overflow a small
    pool are closed on return, and opening a new PostgreSQL session per request costs more
    than the request itself (measured: twice the round trips/s with 20).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"an async engine is for PostgreSQL, not {parsed.get_backend_name()}")
    return create_async_engine(
        parsed.set(drivername="postgresql+psycopg"),
        pool_size=pool_size,
        max_overflow=max_overflow,
        **_bounded(timeout_s),
        **kwargs,
    )
