"""Hosted sessions in SQL, compare-and-set on `version`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import asdict

from sqlalchemy import insert, select, update

from kyvs.adapters.sql.rows import as_utc
from kyvs.adapters.sql.tables import hosted_sessions
from kyvs.adapters.sql.units import SqlUnits, first_row, written
from kyvs.domain.hosted import HostedSession


class SqlHostedSessionStore:
    """The `hosted_sessions` table."""

    def __init__(self, units: SqlUnits) -> None:
        self.units = units

    async def create(self, session: HostedSession) -> None:
        """Store a new session."""
        await written(self.units, insert(hosted_sessions), asdict(session))

    async def get(self, session_id: str) -> HostedSession | None:
        """A session by id."""
        query = select(hosted_sessions).where(hosted_sessions.c.session_id == session_id)
        row = await first_row(self.units, query)
        if row is None:
            return None
        values = dict(row)
        values["created_at"] = as_utc(values["created_at"])
        values["expires_at"] = as_utc(values["expires_at"])
        if values["result_shown_at"] is not None:
            values["result_shown_at"] = as_utc(values["result_shown_at"])
        return HostedSession(**values)

    async def replace(self, session: HostedSession, *, expected_version: int) -> bool:
        """Compare-and-set."""
        statement = (
            update(hosted_sessions)
            .where(
                hosted_sessions.c.session_id == session.session_id,
                hosted_sessions.c.version == expected_version,
            )
            .values(asdict(session))
        )
        return await written(self.units, statement) == 1

    async def erase_results(self, txn_ids: Collection[str], *, at: dt.datetime) -> int:
        """Erase the results of these txns' sessions and end the sessions at `at`."""
        c = hosted_sessions.c
        statement = (
            update(hosted_sessions)
            .where(c.txn_id.in_(list(txn_ids)), c.result.is_not(None))
            .values(result=None, expires_at=at, version=c.version + 1)
        )
        return await written(self.units, statement)
