"""Verification txns, rate-limit counters, the access log and async registry reads, in SQL."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from kyvs.adapters.sql import rows
from kyvs.adapters.sql.tables import (
    access_log,
    beneficiaries,
    doses,
    rate_counters,
    verifications,
)
from kyvs.adapters.sql.units import SqlUnits
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
        "consent_id": entry.consent_id,
        "consent": entry.consent,
    }


class SqlVerificationStore:
    """Txns in the `verifications` table; compare-and-set on `version`."""

    def __init__(self, units: SqlUnits) -> None:
        self.units = units

    async def create(self, txn: VerificationTxn) -> None:
        """Store a new txn."""
        row = _txn_row(txn)
        await self.units.write(lambda connection: connection.execute(_INSERT_TXN, row))

    async def get(self, txn_id: str) -> VerificationTxn | None:
        """A txn by id."""

        def read(connection: Connection) -> VerificationTxn | None:
            row = connection.execute(_TXN_BY_ID, {"id": txn_id}).mappings().first()
            return _to_txn(row) if row else None

        return await self.units.read(read)

    async def recent(self, provider_id: str, limit: int) -> list[VerificationTxn]:
        """A provider's latest txns, newest first (uses the provider/created index)."""
        query = (
            select(verifications)
            .where(verifications.c.provider_id == provider_id)
            .order_by(verifications.c.created_at.desc())
            .limit(limit)
        )
        return await self.units.read(
            lambda connection: [_to_txn(row) for row in connection.execute(query).mappings()]
        )

    async def replace(
        self, txn: VerificationTxn, *, expected_version: int, access: AccessEntry | None = None
    ) -> bool:
        """Compare-and-set the txn, and record `access` in the same database transaction."""
        row = _txn_row(txn) | {"expected_txn_id": txn.txn_id, "expected_version": expected_version}
        access_row = _access_row(access) if access is not None else None

        def write(connection: Connection) -> bool:
            if connection.execute(_REPLACE_TXN, row).rowcount != 1:
                return False
            if access_row is not None:
                connection.execute(_insert_once(connection), access_row)
            return True

        return await self.units.write(write)


class SqlAccessLog:
    """The citizens' access log table."""

    def __init__(self, units: SqlUnits) -> None:
        self.units = units

    async def record(self, entry: AccessEntry) -> None:
        """Append one entry; an entry of the same txn and outcome is recorded once only."""
        insert = _ACCESS_ONCE["postgresql" if self.units.dialect == "postgresql" else "sqlite"]
        await self.units.write_idempotent(insert, _access_row(entry))


# Built once: SQLAlchemy compiles a statement object once and finds it in its cache after.
_INSERT_TXN = insert(verifications)
_TXN_BY_ID = select(verifications).where(verifications.c.txn_id == bindparam("id"))
# SET takes every column the parameters name (all of them: `_txn_row`).
_REPLACE_TXN = update(verifications).where(
    verifications.c.txn_id == bindparam("expected_txn_id"),
    verifications.c.version == bindparam("expected_version"),
)
_ACCESS_ONCE = {
    name: dialect.insert(access_log).on_conflict_do_nothing(index_elements=["txn_id", "outcome"])
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def _insert_once(connection: Connection) -> Any:
    """An access-log insert that skips an entry already there (same txn, same outcome)."""
    return _ACCESS_ONCE["postgresql" if connection.dialect.name == "postgresql" else "sqlite"]


class SqlRateLimiter:
    """Window counters in `rate_counters`; all limits counted in one transaction or none.

    Two statements whatever the number of limits: one upsert counts the event in every
    current window, one select reads the sliding limits' previous windows.
    """

    def __init__(self, units: SqlUnits) -> None:
        self.units = units

    async def acquire(self, limits: Sequence[Limit], *, now_s: float) -> Denied | None:
        """Count one event against every limit, or roll back if any is full."""
        if not limits:
            return None

        def count(connection: Connection) -> Denied | None:
            current = self._increment(connection, limits, now_s)
            previous = self._previous(connection, limits, now_s)
            for limit in limits:
                here, before = current[limit.key], previous.get(limit.key, 0)
                if estimated(limit, now_s, here, before) > limit.count:
                    raise _Refused(Denied(limit, retry_after_s(limit, now_s, here - 1, before)))
            return None

        try:
            return await self.units.write(count)
        except _Refused as refused:  # raised inside the unit: its transaction rolled back
            return refused.denied

    async def full(self, limit: Limit, *, now_s: float) -> bool:
        """Whether one more event would be refused (reads the two windows, counts nothing)."""
        start = limit.window_start(now_s)
        query = select(rate_counters.c.window_start, rate_counters.c.count).where(
            rate_counters.c.key == limit.key,
            rate_counters.c.window_start.in_([start, start - limit.window_s]),
        )
        found = await self.units.read(lambda connection: list(connection.execute(query)))
        counts = {int(at): int(count) for at, count in found}
        previous = counts.get(start - limit.window_s, 0) if limit.sliding else 0
        return estimated(limit, now_s, counts.get(start, 0) + 1, previous) > limit.count

    async def purge(self, *, now_s: float) -> int:
        """Delete the counters no limit reads any more (`expires_at` passed); how many.

        Without it the table keeps two rows per mobile ever checked, forever."""
        expired = delete(rate_counters).where(rate_counters.c.expires_at < int(now_s))
        return await self.units.write(lambda connection: int(connection.execute(expired).rowcount))

    @staticmethod
    def _increment(connection: Connection, limits: Sequence[Limit], now_s: float) -> dict[str, int]:
        """Add one to each limit's current window; the new counts by key."""
        values = [
            {
                "key": limit.key,
                "window_start": limit.window_start(now_s),
                "count": 1,
                "expires_at": limit.window_start(now_s) + 2 * limit.window_s,
            }
            for limit in limits
        ]
        # One statement for all limits: the driver's "insertmanyvalues" batches the rows into
        # one multi-row upsert (a statement built with those rows in it would be compiled anew
        # every time: SQLAlchemy caches no multi-row VALUES).
        upsert = _COUNT_UPSERT[
            "postgresql" if connection.dialect.name == "postgresql" else "sqlite"
        ]
        return {key: int(count) for key, count in connection.execute(upsert, values)}

    @staticmethod
    def _previous(connection: Connection, limits: Sequence[Limit], now_s: float) -> dict[str, int]:
        """The previous window's count of each sliding limit (absent: 0)."""
        windows = [
            (limit.key, limit.window_start(now_s) - limit.window_s)
            for limit in limits
            if limit.sliding
        ]
        if not windows:
            return {}
        params = {
            f"{part}_{i}": value
            for i, pair in enumerate(windows)
            for part, value in zip(("key", "start"), pair, strict=True)
        }
        query = _previous_windows(len(windows))
        return {key: int(count) for key, count in connection.execute(query, params)}


@functools.cache
def _previous_windows(count: int) -> Any:
    """The select of `count` (key, window) counters, built once per count: a tuple IN over
    expanding parameters is re-rendered on every call."""
    c = rate_counters.c
    pairs = [
        and_(c.key == bindparam(f"key_{i}"), c.window_start == bindparam(f"start_{i}"))
        for i in range(count)
    ]
    return select(c.key, c.count).where(or_(*pairs))


_COUNT_UPSERT = {
    name: dialect.insert(rate_counters)
    .on_conflict_do_update(
        index_elements=["key", "window_start"], set_={"count": rate_counters.c.count + 1}
    )
    .returning(rate_counters.c.key, rate_counters.c.count)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


class _Refused(Exception):
    """A limit was full: the counting unit rolls back and the refusal is answered."""

    def __init__(self, denied: Denied) -> None:
        super().__init__(denied.limit.key)
        self.denied = denied


class SqlRegistryReader:
    """Asynchronous registry reads for the verification hot path."""

    def __init__(self, units: SqlUnits) -> None:
        self.units = units

    async def names_on_mobile(self, mobile: MobileNumber) -> list[tuple[str, str]]:
        """(reference id, full name) of everyone on a mobile (uses the mobile index)."""
        params = {"mobile": mobile.national}
        return await self.units.read(
            lambda connection: [
                (ref, name) for ref, name in connection.execute(_NAMES_ON_MOBILE, params)
            ]
        )

    async def registration(self, reference_id: str) -> Registration | None:
        """A person with their doses."""

        def read(connection: Connection) -> Registration | None:
            params = {"ref": reference_id}
            person = connection.execute(_PERSON, params).mappings().first()
            if person is None:
                return None
            found = connection.execute(_DOSES, params).mappings()
            given = tuple(rows.to_dose(row) for row in found)
            return Registration(rows.to_beneficiary(person), given)

        return await self.units.read(read)


_NAMES_ON_MOBILE = select(beneficiaries.c.reference_id, beneficiaries.c.full_name).where(
    beneficiaries.c.mobile == bindparam("mobile")
)
_PERSON = select(beneficiaries).where(beneficiaries.c.reference_id == bindparam("ref"))
_DOSES = select(doses).where(doses.c.reference_id == bindparam("ref")).order_by(doses.c.dose_number)
