"""The SMS health log in the `sms_outcomes` table, shared by every worker on the database."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from kyvs.adapters.sql import rows
from kyvs.adapters.sql.tables import sms_outcomes
from kyvs.domain.sms_health import HealthView, SmsOutcome

KEEP = dt.timedelta(hours=1)


class SqlSmsHealthLog:
    """One row per delivery outcome; rows older than `keep` are deleted as new ones come."""

    def __init__(self, engine: AsyncEngine, *, keep: dt.timedelta = KEEP) -> None:
        self.engine = engine
        self.keep = keep

    async def record(self, outcome: SmsOutcome) -> None:
        """Keep one outcome, and forget the expired ones (an index range delete)."""
        row = {
            "at": outcome.at,
            "ok": outcome.ok,
            "echo": outcome.echo,
            "duration_ms": round(outcome.duration_s * 1000),
        }
        async with self.engine.begin() as connection:
            await connection.execute(insert(sms_outcomes), row)
            await connection.execute(
                delete(sms_outcomes).where(sms_outcomes.c.at < outcome.at - self.keep)
            )

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
        async with self.engine.connect() as connection:
            success_at = (await connection.execute(last_success)).scalar()
            real = (await connection.execute(last_real)).first()
            failed = (await connection.execute(failures)).scalars().all()
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
        async with self.engine.connect() as connection:
            return (await connection.execute(query)).first() is not None
