"""The SMS health log in the `sms_outcomes` table, shared by every worker on the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from kyvs.adapters.sql import rows
from kyvs.adapters.sql.tables import sms_outcomes
from kyvs.adapters.sql.units import SqlUnits
from kyvs.domain.sms_health import HealthView, SmsOutcome

KEEP = dt.timedelta(hours=1)


class SqlSmsHealthLog:
    """One row per delivery outcome; rows older than `keep` are deleted as new ones come."""

    def __init__(self, units: SqlUnits, *, keep: dt.timedelta = KEEP) -> None:
        self.units = units
        self.keep = keep

    async def record(self, outcome: SmsOutcome) -> None:
        """Keep one outcome, and forget the expired ones (an index range delete)."""
        row = {
            "at": outcome.at,
            "ok": outcome.ok,
            "echo": outcome.echo,
            "duration_ms": round(outcome.duration_s * 1000),
        }
        expired = delete(sms_outcomes).where(sms_outcomes.c.at < outcome.at - self.keep)

        def write(connection: Connection) -> None:
            connection.execute(insert(sms_outcomes), row)
            connection.execute(expired)

        await self.units.write(write)

    async def view(self, *, since: dt.datetime, limit: int) -> HealthView:
        """The latest success and real outcome, and the newest `limit` failures since `since`."""
        o = sms_outcomes.c
        last_success = select(func.max(o.at)).where(o.ok.is_(True))
        last_real = (
            select(o.at, o.ok, o.duration_ms)
            .where(o.echo.is_(False))
            .order_by(o.at.desc(), o.outcome_id.desc())
            .limit(1)
        )
        failures = (
            select(o.at).where(o.ok.is_(False), o.at >= since).order_by(o.at.desc()).limit(limit)
        )

        def read(connection: Connection) -> tuple[Any, Any, Sequence[Any]]:
            return (
                connection.execute(last_success).scalar(),
                connection.execute(last_real).first(),
                connection.execute(failures).scalars().all(),
            )

        success_at, real, failed = await self.units.read(read)
        return HealthView(
            last_success_at=rows.as_utc(success_at) if success_at is not None else None,
            last_real=(
                SmsOutcome(rows.as_utc(real.at), real.ok, False, real.duration_ms / 1000)
                if real is not None
                else None
            ),
            failures=tuple(rows.as_utc(at) for at in failed),
        )

    async def failed_between(self, start: dt.datetime, end: dt.datetime) -> bool:
        """True when a failure was recorded from `start` to `end`."""
        o = sms_outcomes.c
        query = select(o.outcome_id).where(o.ok.is_(False), o.at >= start, o.at <= end).limit(1)
        return await self.units.read(
            lambda connection: connection.execute(query).first() is not None
        )
