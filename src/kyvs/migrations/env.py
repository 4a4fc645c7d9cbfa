"""Alembic environment: runs on the connection `kyvs db upgrade` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from kyvs.adapters.sql.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `kyvs db upgrade`, which provides the connection")
_run(connection)
