"""The API audit trail in SQL: batches of entries without personal data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from sqlalchemy import insert

from kyvs.adapters.sql.tables import api_audit
from kyvs.adapters.sql.units import SqlUnits
from kyvs.ports import AuditEntry


class SqlAuditTrail:
    """Appends audit entries to `api_audit` in one statement per batch."""

    def __init__(self, units: SqlUnits) -> None:
        self.units = units

    async def write(self, entries: Sequence[AuditEntry]) -> None:
        """Store a batch of entries."""
        if entries:
            batch = [asdict(e) for e in entries]
            await self.units.write(lambda connection: connection.execute(_INSERT, batch))


_INSERT = insert(api_audit)
