"""Consent records in SQL: kept in the access log beside the disclosure they prove."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, Select, select

from kyvs.adapters.sql import rows
from kyvs.adapters.sql.tables import access_log
from kyvs.ports import StoredConsent

_COLUMNS = (
    access_log.c.consent_id,
    access_log.c.provider_id,
    access_log.c.at,
    access_log.c.consent,
)


class SqlConsentLedger:
    """The operator's read-only view of consent records (one per disclosure)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def find(self, consent_id: str) -> StoredConsent | None:
        """One record by id."""
        found = self._read(select(*_COLUMNS).where(access_log.c.consent_id == consent_id))
        return found[0] if found else None

    def between(
        self, *, since: dt.datetime, until: dt.datetime, provider_id: str | None = None
    ) -> list[StoredConsent]:
        """The records given in [since, until), oldest first, optionally for one provider."""
        query = select(*_COLUMNS).where(
            access_log.c.consent_id.is_not(None), access_log.c.at >= since, access_log.c.at < until
        )
        if provider_id is not None:
            query = query.where(access_log.c.provider_id == provider_id)
        return self._read(query.order_by(access_log.c.at, access_log.c.entry_id))

    def _read(self, query: Select[tuple[str, str, dt.datetime, str]]) -> list[StoredConsent]:
        with self.engine.connect() as connection:
            return [
                StoredConsent(r.consent_id, r.provider_id, rows.as_utc(r.at), r.consent)
                for r in connection.execute(query)
                if r.consent_id is not None and r.consent is not None
            ]
