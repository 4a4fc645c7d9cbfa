"""The API audit trail in SQL: batches of entries without personal data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from kyvs.adapters.sql.tables import api_audit
from kyvs.ports import AuditEntry


class SqlAuditTrail:
    """Appends audit entries to `api_audit` in one statement per batch."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def write(self, entries: Sequence[AuditEntry]) -> None:
        """Store a batch of entries."""
        if entries:
            async with self.engine.begin() as connection:
                await connection.execute(insert(api_audit), [asdict(e) for e in entries])
