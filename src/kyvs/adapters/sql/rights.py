"""Consent withdrawals and grievances in SQL: the citizen's side (async), the operator's (sync)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import Engine, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from kyvs.adapters.sql import rows
from kyvs.adapters.sql.tables import consent_withdrawals, grievances
from kyvs.adapters.sql.units import SqlUnits, all_rows, first_row, written
from kyvs.domain.rights import Grievance, GrievanceSubject, Withdrawal

_w, _g = consent_withdrawals.c, grievances.c
# Asked before every fetch of a stored result: built once.
_WITHDRAWN = select(_w.consent_id).where(_w.txn_id == bindparam("txn_id")).limit(1)


def _grievance_row(g: Grievance) -> dict[str, Any]:
    return {
        "grievance_id": g.grievance_id,
        "mobile_key": g.mobile_key,
        "mobile_masked": g.mobile_masked,
        "subject": g.subject.value,
        "text": g.text,
        "reference": g.reference,
        "filed_at": g.filed_at,
        "answer": g.answer,
        "answered_at": g.answered_at,
    }


def _to_grievance(row: Mapping[Any, Any]) -> Grievance:
    return Grievance(
        grievance_id=row["grievance_id"],
        mobile_key=row["mobile_key"],
        mobile_masked=row["mobile_masked"],
        subject=GrievanceSubject(row["subject"]),
        text=row["text"],
        reference=row["reference"],
        filed_at=rows.as_utc(row["filed_at"]),
        answer=row["answer"],
        answered_at=rows.as_utc(row["answered_at"]) if row["answered_at"] else None,
    )


class SqlRightsStore:
    """The `consent_withdrawals` and `grievances` tables, asynchronously."""

    def __init__(self, units: SqlUnits) -> None:
        self.units = units

    async def withdraw(self, withdrawal: Withdrawal) -> None:
        """Record a withdrawal (a repeat keeps the first time)."""
        dialect = postgresql if self.units.dialect == "postgresql" else sqlite
        statement = dialect.insert(consent_withdrawals).values(
            consent_id=withdrawal.consent_id,
            beneficiary_ref=withdrawal.beneficiary_ref,
            txn_id=withdrawal.txn_id,
            withdrawn_at=withdrawal.withdrawn_at,
        )
        await written(self.units, statement.on_conflict_do_nothing())

    async def withdrawn(self, txn_id: str) -> bool:
        """True when the consent of `txn_id`'s disclosure was withdrawn."""
        return await first_row(self.units, _WITHDRAWN, {"txn_id": txn_id}) is not None

    async def withdrawals_for(self, refs: Collection[str]) -> list[Withdrawal]:
        """These people's withdrawals."""
        query = select(consent_withdrawals).where(_w.beneficiary_ref.in_(list(refs)))
        return [
            Withdrawal(
                r["consent_id"], r["beneficiary_ref"], r["txn_id"], rows.as_utc(r["withdrawn_at"])
            )
            for r in await all_rows(self.units, query)
        ]

    async def add_grievance(self, grievance: Grievance) -> None:
        """Store a new grievance."""
        await written(self.units, insert(grievances), _grievance_row(grievance))

    async def grievances_for(self, mobile_key: str) -> list[Grievance]:
        """The grievances filed for a mobile, newest first."""
        query = select(grievances).where(_g.mobile_key == mobile_key).order_by(_g.filed_at.desc())
        return [_to_grievance(r) for r in await all_rows(self.units, query)]


class SqlGrievanceDesk:
    """Operators read and answer grievances."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def grievances(self, *, open_only: bool) -> list[Grievance]:
        """Grievances (only open ones when `open_only`), oldest first."""
        query = select(grievances).order_by(_g.filed_at, _g.grievance_id)
        if open_only:
            query = query.where(_g.answered_at.is_(None))
        with self.engine.connect() as connection:
            return [_to_grievance(r) for r in connection.execute(query).mappings()]

    def get(self, grievance_id: str) -> Grievance | None:
        """A grievance by id."""
        query = select(grievances).where(_g.grievance_id == grievance_id)
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return _to_grievance(row) if row else None

    def save_answer(self, grievance: Grievance) -> bool:
        """Store the answer of a grievance still open (of two racing answers, one wins)."""
        statement = (
            update(grievances)
            .where(_g.grievance_id == grievance.grievance_id, _g.answered_at.is_(None))
            .values(answer=grievance.answer, answered_at=grievance.answered_at)
        )
        with self.engine.begin() as connection:
            return connection.execute(statement).rowcount == 1
