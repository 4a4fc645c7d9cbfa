"""The outbox: the demo/dev SMS carrier. Messages are stored in `sms_outbox`, not sent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, Select, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from kyvs.adapters.clock import SystemClock
from kyvs.adapters.sql.tables import sms_outbox
from kyvs.domain.mobile import MobileNumber
from kyvs.ports import Clock, OutboxEntry, SmsMessage

__all__ = ["AsyncOutboxReader", "OutboxEntry", "OutboxReader", "OutboxSms", "latest_async"]


class OutboxSms:
    """An `SmsSender` that stores every message in the outbox table (never fails to deliver)."""

    def __init__(self, engine: AsyncEngine, *, clock: Clock | None = None) -> None:
        self._engine = engine
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
        async with self._engine.begin() as connection:
            await connection.execute(insert(sms_outbox).values(row))


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
    engine: AsyncEngine, limit: int = 20, *, mobile: MobileNumber | None = None
) -> list[OutboxEntry]:
    """The newest `limit` messages, newest first, optionally only those to `mobile`."""
    async with engine.connect() as connection:
        result = await connection.execute(_latest_query(limit, mobile))
        rows = result.mappings().all()
    return [_entry(row) for row in rows]


class AsyncOutboxReader:
    """Reads the outbox for the demo's `/dev/outbox` page (async engine)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def latest(self, limit: int) -> list[OutboxEntry]:
        """The newest `limit` messages, newest first."""
        return await latest_async(self._engine, limit)


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
