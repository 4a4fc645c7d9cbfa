"""The API audit trail in SQL: batches of entries without personal data."""

from __future__ import annotations

from collections.abc import Sequence

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
            batch = [_row(e) for e in entries]
            await self.units.write(lambda connection: connection.execute(_INSERT, batch))


_INSERT = insert(api_audit)


def _row(entry: AuditEntry) -> dict[str, object]:
    """The entry's columns (`dataclasses.asdict` would deep-copy each value: half the cost of
    auditing a request)."""
    return {
        "at": entry.at,
        "request_id": entry.request_id,
        "method": entry.method,
        "route": entry.route,
        "status": entry.status,
        "provider_id": entry.provider_id,
        "duration_ms": entry.duration_ms,
    }
