"""Which errors mean "a backing service is unreachable for now", not "a bug".

The database (SQLAlchemy over psycopg or sqlite3) and Redis fail in their own words when
they are down, restarting, loading their data or out of time. The web answers these with
`503` and `Retry-After`, a client retries later, and nothing was half-written: every write
of a verification is one database transaction or one Redis script.
"""

from __future__ import annotations

import redis.exceptions as redis_errors
from sqlalchemy import exc as sql_errors

# Redis: refused or reset connections, timeouts, a server still loading its AOF (a
# ConnectionError), a cluster without a majority or with a slot in migration, a replica
# that was just promoted (read-only until then), no reachable cluster node at all.
REDIS_OUTAGES: tuple[type[Exception], ...] = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.ClusterDownError,
    redis_errors.TryAgainError,
    redis_errors.ReadOnlyError,
    redis_errors.RedisClusterException,
)

# SQL: the driver lost or could not open its connection (`OperationalError`,
# `InterfaceError`, or any DBAPI error that invalidated the connection), or the pool found
# no free connection in time.
SQL_OUTAGES: tuple[type[Exception], ...] = (
    sql_errors.OperationalError,
    sql_errors.InterfaceError,
    sql_errors.TimeoutError,
)

OUTAGES: tuple[type[Exception], ...] = (
    *REDIS_OUTAGES,
    *SQL_OUTAGES,
    sql_errors.DBAPIError,
    redis_errors.RedisError,
)  # the base classes are in, so a handler sees them all; `is_outage` then decides


def is_outage(error: BaseException) -> bool:
    """True when `error` says the database or Redis is unreachable (a retry may succeed)."""
    if isinstance(error, sql_errors.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, REDIS_OUTAGES + SQL_OUTAGES)
