"""The outbox: the demo/dev SMS carrier. Messages are stored in `sms_outbox`, not sent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, Select, insert, select

from kyvs.adapters.clock import SystemClock
from kyvs.adapters.sql.tables import sms_outbox
from kyvs.adapters.sql.units import SqlUnits
from kyvs.domain.mobile import MobileNumber
from kyvs.ports import Clock, OutboxEntry, SmsMessage

__all__ = ["AsyncOutboxReader", "OutboxEntry", "OutboxReader", "OutboxSms", "latest_async"]


class OutboxSms:
    """An `SmsSender` that stores every message in the outbox table (never fails to deliver)."""

    def __init__(self, units: SqlUnits, *, clock: Clock | None = None) -> None:
        self._units = units
        self._clock = clock or SystemClock()

    async def send(self, message: SmsMessage) -> None:
        """Store the message, stamped with the current UTC time."""
        row = {
            "to_mobile": message.to.national,
            "text": message.text,
            "category": message.category,
            "language": message.language,
            "sent_at": self._clock.now().astimezone(dt.UTC),
        }
        await self._units.write(lambda connection: connection.execute(_INSERT, row))


class OutboxReader:
    """Reads the outbox for the CLI (synchronous engine)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def latest(self, limit: int = 20, *, mobile: MobileNumber | None = None) -> list[OutboxEntry]:
        """The newest `limit` messages, newest first, optionally only those to `mobile`."""
        with self._engine.connect() as connection:
            rows = connection.execute(_latest_query(limit, mobile)).mappings().all()
        return [_entry(row) for row in rows]


async def latest_async(
    units: SqlUnits, limit: int = 20, *, mobile: MobileNumber | None = None
) -> list[OutboxEntry]:
    """The newest `limit` messages, newest first, optionally only those to `mobile`."""
    query = _latest_query(limit, mobile)
    rows = await units.read(lambda connection: connection.execute(query).mappings().all())
    return [_entry(row) for row in rows]


class AsyncOutboxReader:
    """Reads the outbox for the demo's `/dev/outbox` page."""

    def __init__(self, units: SqlUnits) -> None:
        self._units = units

    async def latest(self, limit: int) -> list[OutboxEntry]:
        """The newest `limit` messages, newest first."""
        return await latest_async(self._units, limit)


_INSERT = insert(sms_outbox)


def _latest_query(limit: int, mobile: MobileNumber | None) -> Select[Any]:
    # The id grows with every insert and is the primary key: "newest first" is an index scan.
    query = select(sms_outbox).order_by(sms_outbox.c.id.desc()).limit(max(limit, 0))
    if mobile is not None:
        query = query.where(sms_outbox.c.to_mobile == mobile.national)
    return query


def _entry(row: Mapping[Any, Any]) -> OutboxEntry:
    sent_at: dt.datetime = row["sent_at"]
    # SQLite keeps no offset: the stored wall time is UTC, so say so.
    sent_at = sent_at.replace(tzinfo=dt.UTC) if sent_at.tzinfo is None else sent_at
    return OutboxEntry(
        id=row["id"],
        to_mobile=row["to_mobile"],
        text=row["text"],
        category=row["category"],
        language=row["language"],
        sent_at=sent_at.astimezone(dt.UTC),
    )
