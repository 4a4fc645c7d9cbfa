"""Breaches in SQL: the incidents operators record, and the logs of a breach's window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.sql.elements import ColumnElement

from kyvs.adapters.sql.rows import as_utc
from kyvs.adapters.sql.tables import access_log, api_audit, breaches
from kyvs.domain.breach import Breach, BreachStatus
from kyvs.domain.breach_exposure import AccessRecord, ApiActivity


def _joined(values: Collection[str]) -> str:
    return ",".join(values)


def _split(text: str) -> tuple[str, ...]:
    return tuple(v for v in text.split(",") if v)


def _maybe_utc(moment: dt.datetime | None) -> dt.datetime | None:
    return as_utc(moment) if moment is not None else None


def _row(breach: Breach) -> dict[str, Any]:
    return {
        "breach_id": breach.breach_id,
        "reported_at": breach.reported_at,
        "became_aware_at": breach.became_aware_at,
        "window_start": breach.window_start,
        "window_end": breach.window_end,
        "description": breach.description,
        "data_kinds": _joined(breach.data_kinds),
        "provider_ids": _joined(breach.provider_ids),
        "key_ids": _joined(breach.key_ids),
        "status": breach.status.value,
        "affected_count": breach.affected_count,
        "board_notified_at": breach.board_notified_at,
        "principals_notified_at": breach.principals_notified_at,
        "closed_at": breach.closed_at,
    }


def _to_breach(row: Mapping[Any, Any]) -> Breach:
    return Breach(
        breach_id=row["breach_id"],
        reported_at=as_utc(row["reported_at"]),
        became_aware_at=as_utc(row["became_aware_at"]),
        window_start=as_utc(row["window_start"]),
        window_end=as_utc(row["window_end"]),
        description=row["description"],
        data_kinds=_split(row["data_kinds"]),
        provider_ids=_split(row["provider_ids"]),
        key_ids=_split(row["key_ids"]),
        status=BreachStatus(row["status"]),
        affected_count=row["affected_count"],
        board_notified_at=_maybe_utc(row["board_notified_at"]),
        principals_notified_at=_maybe_utc(row["principals_notified_at"]),
        closed_at=_maybe_utc(row["closed_at"]),
    )


class SqlBreachLedger:
    """Incidents in `breaches`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, breach: Breach) -> None:
        """Store a new incident."""
        with self.engine.begin() as connection:
            connection.execute(insert(breaches).values(_row(breach)))

    def get(self, breach_id: str) -> Breach | None:
        """An incident by id."""
        query = select(breaches).where(breaches.c.breach_id == breach_id)
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return _to_breach(row) if row else None

    def all(self) -> list[Breach]:
        """Every incident, newest report first."""
        query = select(breaches).order_by(breaches.c.reported_at.desc(), breaches.c.breach_id)
        with self.engine.connect() as connection:
            return [_to_breach(r) for r in connection.execute(query).mappings()]

    def save(self, breach: Breach) -> None:
        """Store the incident's status and the times of its steps."""
        values = {
            "status": breach.status.value,
            "board_notified_at": breach.board_notified_at,
            "principals_notified_at": breach.principals_notified_at,
            "closed_at": breach.closed_at,
        }
        statement = update(breaches).where(breaches.c.breach_id == breach.breach_id)
        with self.engine.begin() as connection:
            connection.execute(statement.values(values))


def _window(
    at: Any, provider: Any, start: dt.datetime, end: dt.datetime, provider_ids: Collection[str]
) -> list[ColumnElement[bool]]:
    # Both ends included: a breach's window is where people may have been exposed, and telling
    # one person too many is better than one too few.
    # SQLite keeps times as UTC text without their zone: compare in UTC.
    conditions: list[ColumnElement[bool]] = [at >= as_utc(start), at <= as_utc(end)]
    if provider_ids:
        conditions.append(provider.in_(sorted(provider_ids)))
    return conditions


class SqlBreachLogs:
    """Reads a breach's window from `access_log` and `api_audit`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def access_between(
        self, start: dt.datetime, end: dt.datetime, provider_ids: Collection[str]
    ) -> list[AccessRecord]:
        """Access-log entries in the window (both ends included), oldest first."""
        log = access_log.c
        query = (
            select(log.beneficiary_ref, log.provider_id, log.provider_name, log.scopes)
            .add_columns(log.outcome, log.at, log.consent_id)
            .where(*_window(log.at, log.provider_id, start, end, provider_ids))
            .order_by(log.at, log.entry_id)
        )
        with self.engine.connect() as connection:
            found = connection.execute(query).all()
        return [
            AccessRecord(
                ref, provider, name, frozenset(_split(scopes)), outcome, as_utc(at), consent_id
            )
            for ref, provider, name, scopes, outcome, at, consent_id in found
        ]

    def api_calls_between(
        self, start: dt.datetime, end: dt.datetime, provider_ids: Collection[str]
    ) -> list[ApiActivity]:
        """The API audit in the window summed per caller and route, busiest first."""
        audit = api_audit.c
        calls = func.count().label("calls")
        query = (
            select(audit.provider_id, audit.route, calls, func.min(audit.at), func.max(audit.at))
            .where(*_window(audit.at, audit.provider_id, start, end, provider_ids))
            .group_by(audit.provider_id, audit.route)
            .order_by(calls.desc(), audit.provider_id, audit.route)
        )
        with self.engine.connect() as connection:
            found = connection.execute(query).all()
        return [
            ApiActivity(provider, route, count, as_utc(first), as_utc(last))
            for provider, route, count, first, last in found
        ]
