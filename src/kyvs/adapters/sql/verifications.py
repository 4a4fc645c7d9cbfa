"""Verification txns, rate-limit counters, the access log and async registry reads, in SQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from kyvs.adapters.sql import rows
from kyvs.adapters.sql.tables import (
    access_log,
    beneficiaries,
    doses,
    rate_counters,
    verifications,
)
from kyvs.domain.limits import Limit, estimated, retry_after_s
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.people import Registration
from kyvs.domain.verification import Delivery, TxnState, VerificationTxn
from kyvs.ports import AccessEntry, Denied


def _txn_row(txn: VerificationTxn) -> dict[str, Any]:
    return {
        "txn_id": txn.txn_id,
        "provider_id": txn.provider_id,
        "purpose": txn.purpose,
        "language": txn.language,
        "mobile_key": txn.mobile_key,
        "beneficiary_ref": txn.beneficiary_ref,
        "otp_hash": txn.otp_hash,
        "created_at": txn.created_at,
        "expires_at": txn.expires_at,
        "last_sent_at": txn.last_sent_at,
        "state": txn.state.value,
        "attempts": txn.attempts,
        "resends": txn.resends,
        "version": txn.version,
        "result": txn.result,
        "delivery": txn.delivery.value,
    }


def _to_txn(row: Mapping[Any, Any]) -> VerificationTxn:
    values = dict(row)
    values["state"] = TxnState(values["state"])
    values["delivery"] = Delivery(values["delivery"])
    for moment in ("created_at", "expires_at", "last_sent_at"):
        values[moment] = rows.as_utc(values[moment])
    return VerificationTxn(**values)


def _access_row(entry: AccessEntry) -> dict[str, Any]:
    return {
        "beneficiary_ref": entry.beneficiary_ref,
        "provider_id": entry.provider_id,
        "provider_name": entry.provider_name,
        "purpose": entry.purpose,
        "scopes": ",".join(sorted(entry.scopes)),
        "outcome": entry.outcome,
        "txn_id": entry.txn_id,
        "at": entry.at,
    }


class SqlVerificationStore:
    """Txns in the `verifications` table; compare-and-set on `version`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def create(self, txn: VerificationTxn) -> None:
        """Store a new txn."""
        async with self.engine.begin() as connection:
            await connection.execute(insert(verifications), _txn_row(txn))

    async def get(self, txn_id: str) -> VerificationTxn | None:
        """A txn by id."""
        query = select(verifications).where(verifications.c.txn_id == txn_id)
        async with self.engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        return _to_txn(row) if row else None

    async def recent(self, provider_id: str, limit: int) -> list[VerificationTxn]:
        """A provider's latest txns, newest first (uses the provider/created index)."""
        query = (
            select(verifications)
            .where(verifications.c.provider_id == provider_id)
            .order_by(verifications.c.created_at.desc())
            .limit(limit)
        )
        async with self.engine.connect() as connection:
            return [_to_txn(row) for row in (await connection.execute(query)).mappings()]

    async def replace(
        self, txn: VerificationTxn, *, expected_version: int, access: AccessEntry | None = None
    ) -> bool:
        """Compare-and-set the txn, and record `access` in the same database transaction."""
        statement = (
            update(verifications)
            .where(
                verifications.c.txn_id == txn.txn_id,
                verifications.c.version == expected_version,
            )
            .values(_txn_row(txn))
        )
        async with self.engine.begin() as connection:
            done = await connection.execute(statement)
            if done.rowcount != 1:
                return False
            if access is not None:
                await connection.execute(_insert_once(connection), _access_row(access))
        return True


class SqlAccessLog:
    """The citizens' access log table."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def record(self, entry: AccessEntry) -> None:
        """Append one entry; an entry of the same txn and outcome is recorded once only."""
        async with self.engine.begin() as connection:
            await connection.execute(_insert_once(connection), _access_row(entry))


def _insert_once(connection: AsyncConnection) -> Any:
    """An access-log insert that skips an entry already there (same txn, same outcome)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(access_log).on_conflict_do_nothing(index_elements=["txn_id", "outcome"])


class SqlRateLimiter:
    """Window counters in `rate_counters`; all limits counted in one transaction or none.

    Two statements whatever the number of limits: one upsert counts the event in every
    current window, one select reads the sliding limits' previous windows.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def acquire(self, limits: Sequence[Limit], *, now_s: float) -> Denied | None:
        """Count one event against every limit, or roll back if any is full."""
        if not limits:
            return None
        async with self.engine.connect() as connection:
            transaction = await connection.begin()
            current = await self._increment(connection, limits, now_s)
            previous = await self._previous(connection, limits, now_s)
            for limit in limits:
                here, before = current[limit.key], previous.get(limit.key, 0)
                if estimated(limit, now_s, here, before) > limit.count:
                    await transaction.rollback()
                    return Denied(limit, retry_after_s(limit, now_s, here - 1, before))
            await transaction.commit()
        return None

    async def full(self, limit: Limit, *, now_s: float) -> bool:
        """Whether one more event would be refused (reads the two windows, counts nothing)."""
        start = limit.window_start(now_s)
        query = select(rate_counters.c.window_start, rate_counters.c.count).where(
            rate_counters.c.key == limit.key,
            rate_counters.c.window_start.in_([start, start - limit.window_s]),
        )
        async with self.engine.connect() as connection:
            counts = {int(at): int(count) for at, count in await connection.execute(query)}
        previous = counts.get(start - limit.window_s, 0) if limit.sliding else 0
        return estimated(limit, now_s, counts.get(start, 0) + 1, previous) > limit.count

    async def purge(self, *, now_s: float) -> int:
        """Delete the counters no limit reads any more (`expires_at` passed); how many.

        Without it the table keeps two rows per mobile ever checked, forever."""
        expired = delete(rate_counters).where(rate_counters.c.expires_at < int(now_s))
        async with self.engine.begin() as connection:
            return int((await connection.execute(expired)).rowcount)

    @staticmethod
    async def _increment(
        connection: AsyncConnection, limits: Sequence[Limit], now_s: float
    ) -> dict[str, int]:
        """Add one to each limit's current window; the new counts by key."""
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        values = [
            {
                "key": limit.key,
                "window_start": limit.window_start(now_s),
                "count": 1,
                "expires_at": limit.window_start(now_s) + 2 * limit.window_s,
            }
            for limit in limits
        ]
        upsert = dialect.insert(rate_counters).values(values)
        upsert = upsert.on_conflict_do_update(
            index_elements=["key", "window_start"],
            set_={"count": rate_counters.c.count + 1},
        ).returning(rate_counters.c.key, rate_counters.c.count)
        return {key: int(count) for key, count in await connection.execute(upsert)}

    @staticmethod
    async def _previous(
        connection: AsyncConnection, limits: Sequence[Limit], now_s: float
    ) -> dict[str, int]:
        """The previous window's count of each sliding limit (absent: 0)."""
        windows = [
            (limit.key, limit.window_start(now_s) - limit.window_s)
            for limit in limits
            if limit.sliding
        ]
        if not windows:
            return {}
        query = select(rate_counters.c.key, rate_counters.c.count).where(
            tuple_(rate_counters.c.key, rate_counters.c.window_start).in_(windows)
        )
        return {key: int(count) for key, count in await connection.execute(query)}


class SqlRegistryReader:
    """Asynchronous registry reads for the verification hot path."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def names_on_mobile(self, mobile: MobileNumber) -> list[tuple[str, str]]:
        """(reference id, full name) of everyone on a mobile (uses the mobile index)."""
        query = select(beneficiaries.c.reference_id, beneficiaries.c.full_name).where(
            beneficiaries.c.mobile == mobile.national
        )
        async with self.engine.connect() as connection:
            return [(ref, name) for ref, name in await connection.execute(query)]

    async def registration(self, reference_id: str) -> Registration | None:
        """A person with their doses."""
        async with self.engine.connect() as connection:
            person = (
                (
                    await connection.execute(
                        select(beneficiaries).where(beneficiaries.c.reference_id == reference_id)
                    )
                )
                .mappings()
                .first()
            )
            if person is None:
                return None
            found = await connection.execute(
                select(doses)
                .where(doses.c.reference_id == reference_id)
                .order_by(doses.c.dose_number)
            )
            given = tuple(rows.to_dose(row) for row in found.mappings())
        return Registration(rows.to_beneficiary(person), given)
