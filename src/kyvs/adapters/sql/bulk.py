"""Bulk inserts that skip rows already present: executemany on SQLite, COPY on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, text


def insert_missing(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """Insert `rows` into `table`, skipping primary-key conflicts; the number actually inserted."""
    if not rows:
        return 0
    if connection.dialect.name == "postgresql":
        return _copy_then_merge(connection, table, rows)
    if connection.dialect.name != "sqlite":  # pragma: no cover - SQLite and PostgreSQL only
        raise NotImplementedError(connection.dialect.name)
    # Straight to the driver's executemany with tuples: SQLAlchemy's per-row parameter
    # processing would cost more than SQLite's insert itself.
    columns = list(rows[0])
    marks = ", ".join("?" for _ in columns)
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks}) "  # noqa: S608
        "ON CONFLICT DO NOTHING"
    )
    values = [tuple(_sqlite_value(row[c]) for c in columns) for row in rows]
    return connection.exec_driver_sql(sql, values).rowcount


def _copy_then_merge(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    # COPY is PostgreSQL's fastest load path, but it cannot skip conflicts: load a temporary
    # staging table, then merge with ON CONFLICT DO NOTHING in one statement.
    columns = list(rows[0])
    staging = f"staging_{table.name}"
    connection.execute(
        text(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} "
            f"(LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
    )
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    column_list = ", ".join(columns)
    with cursor.copy(f"COPY {staging} ({column_list}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])
    # A textual INSERT: SQLAlchemy's construct reports no rowcount for INSERT ... SELECT here.
    merge = text(
        f"INSERT INTO {table.name} ({column_list}) "  # noqa: S608 - names are our own tables
        f"SELECT {column_list} FROM {staging} ON CONFLICT DO NOTHING"
    )
    inserted = connection.execute(merge).rowcount
    connection.execute(text(f"TRUNCATE {staging}"))
    return inserted


def _sqlite_value(value: Any) -> Any:
    # SQLAlchemy stores dates as ISO text on SQLite; the raw path must do the same.
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
