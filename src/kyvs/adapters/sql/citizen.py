"""Citizens' blocks, corrections, share links and access log in SQL."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import Engine, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from kyvs.adapters.sql import rows
from kyvs.adapters.sql.tables import access_log, blocks, corrections, doses, share_links
from kyvs.adapters.sql.units import SqlUnits, all_rows, written
from kyvs.domain.citizen import (
    Correction,
    CorrectionAction,
    CorrectionStatus,
    ShareLink,
)
from kyvs.domain.doses import Dose, DoseKind
from kyvs.ports import AccessEntry, Block


def _correction_row(c: Correction) -> dict[str, Any]:
    details = {
        "dose_number": c.dose_number,
        "vaccine": c.vaccine,
        "date": c.date.isoformat() if c.date else None,
        "kind": c.kind.value if c.kind else None,
    }
    return {
        "correction_id": c.correction_id,
        "beneficiary_ref": c.beneficiary_ref,
        "action": c.action.value,
        "details": json.dumps(details),
        "note": c.note,
        "status": c.status.value,
        "created_at": c.created_at,
        "decided_at": c.decided_at,
        "decision_note": c.decision_note,
    }


def _to_correction(row: Mapping[Any, Any]) -> Correction:
    details = json.loads(row["details"])
    return Correction(
        correction_id=row["correction_id"],
        beneficiary_ref=row["beneficiary_ref"],
        action=CorrectionAction(row["action"]),
        dose_number=details["dose_number"],
        vaccine=details["vaccine"],
        date=dt.date.fromisoformat(details["date"]) if details["date"] else None,
        kind=DoseKind(details["kind"]) if details["kind"] else None,
        note=row["note"],
        created_at=rows.as_utc(row["created_at"]),
        status=CorrectionStatus(row["status"]),
        decided_at=rows.as_utc(row["decided_at"]) if row["decided_at"] else None,
        decision_note=row["decision_note"],
    )


def _to_link(row: Mapping[Any, Any]) -> ShareLink:
    return ShareLink(
        link_id=row["link_id"],
        beneficiary_ref=row["beneficiary_ref"],
        claim=row["claim"],
        language=row["language"],
        created_at=rows.as_utc(row["created_at"]),
        expires_at=rows.as_utc(row["expires_at"]),
        revoked_at=rows.as_utc(row["revoked_at"]) if row["revoked_at"] else None,
    )


# Asked before every OTP is sent: built once (SQLAlchemy then finds it compiled).
_BLOCKED = select(blocks.c.provider_id).where(
    blocks.c.beneficiary_ref == bindparam("ref"), blocks.c.provider_id == bindparam("provider")
)


class SqlCitizenStore:
    """The citizen tables, asynchronously."""

    def __init__(self, units: SqlUnits) -> None:
        self.units = units

    async def _rows(self, query: Any) -> list[Mapping[Any, Any]]:
        return list(await all_rows(self.units, query))

    async def _run(self, statement: Any, params: Any = None) -> None:
        await written(self.units, statement, params)

    async def blocked(self, beneficiary_ref: str, provider_id: str) -> bool:
        """True when the person blocked the provider."""
        params = {"ref": beneficiary_ref, "provider": provider_id}
        return bool(await all_rows(self.units, _BLOCKED, params))

    async def block(self, entry: Block) -> None:
        """Record a block (a repeat changes nothing)."""
        dialect = postgresql if self.units.dialect == "postgresql" else sqlite
        statement = dialect.insert(blocks).values(
            beneficiary_ref=entry.beneficiary_ref,
            provider_id=entry.provider_id,
            created_at=entry.created_at,
        )
        await self._run(statement.on_conflict_do_nothing())

    async def unblock(self, beneficiary_ref: str, provider_id: str) -> None:
        """Lift a block."""
        await self._run(
            delete(blocks).where(
                blocks.c.beneficiary_ref == beneficiary_ref, blocks.c.provider_id == provider_id
            )
        )

    async def blocks_for(self, refs: Collection[str]) -> list[Block]:
        """The blocks of these people."""
        found = await self._rows(select(blocks).where(blocks.c.beneficiary_ref.in_(list(refs))))
        return [
            Block(r["beneficiary_ref"], r["provider_id"], rows.as_utc(r["created_at"]))
            for r in found
        ]

    async def add_correction(self, correction: Correction) -> None:
        """Store a new correction request."""
        await self._run(insert(corrections), _correction_row(correction))

    async def corrections_for(self, refs: Collection[str]) -> list[Correction]:
        """These people's corrections, newest first."""
        query = (
            select(corrections)
            .where(corrections.c.beneficiary_ref.in_(list(refs)))
            .order_by(corrections.c.created_at.desc())
        )
        return [_to_correction(r) for r in await self._rows(query)]

    async def add_share_link(self, link: ShareLink) -> None:
        """Store a share link."""
        await self._run(
            insert(share_links),
            {
                "link_id": link.link_id,
                "beneficiary_ref": link.beneficiary_ref,
                "claim": link.claim,
                "language": link.language,
                "created_at": link.created_at,
                "expires_at": link.expires_at,
                "revoked_at": link.revoked_at,
            },
        )

    async def share_link(self, link_id: str) -> ShareLink | None:
        """A share link by id."""
        found = await self._rows(select(share_links).where(share_links.c.link_id == link_id))
        return _to_link(found[0]) if found else None

    async def share_links_for(self, refs: Collection[str]) -> list[ShareLink]:
        """These people's share links, newest first."""
        query = (
            select(share_links)
            .where(share_links.c.beneficiary_ref.in_(list(refs)))
            .order_by(share_links.c.created_at.desc())
        )
        return [_to_link(r) for r in await self._rows(query)]

    async def revoke_share_link(self, link_id: str, *, at: dt.datetime) -> None:
        """Revoke a link (the first revocation time is kept)."""
        await self._run(
            update(share_links)
            .where(share_links.c.link_id == link_id, share_links.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    async def delete_share_links(self, refs: Collection[str]) -> int:
        """Delete these people's share links; how many."""
        where = share_links.c.beneficiary_ref.in_(list(refs))
        return await written(self.units, delete(share_links).where(where))

    async def unblock_all(self, refs: Collection[str]) -> int:
        """Lift every block of these people; how many."""
        return await written(
            self.units, delete(blocks).where(blocks.c.beneficiary_ref.in_(list(refs)))
        )

    async def access_log_for(self, refs: Collection[str], limit: int | None) -> list[AccessEntry]:
        """These people's access-log entries, newest first (all when `limit` is None)."""
        query = (
            select(access_log)
            .where(access_log.c.beneficiary_ref.in_(list(refs)))
            .order_by(access_log.c.at.desc())
            .limit(limit)
        )
        return [
            AccessEntry(
                r["beneficiary_ref"],
                r["provider_id"],
                r["provider_name"],
                r["purpose"],
                frozenset(s for s in r["scopes"].split(",") if s),
                r["outcome"],
                r["txn_id"],
                rows.as_utc(r["at"]),
                r["consent_id"],
                r["consent"],
            )
            for r in await self._rows(query)
        ]


class SqlCorrectionDesk:
    """Operators decide corrections; an accepted one rewrites the dose events atomically."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def open_corrections(self) -> list[Correction]:
        """Corrections waiting for a decision, oldest first."""
        query = (
            select(corrections)
            .where(corrections.c.status == CorrectionStatus.OPEN.value)
            .order_by(corrections.c.created_at)
        )
        with self.engine.connect() as connection:
            return [_to_correction(r) for r in connection.execute(query).mappings()]

    def get(self, correction_id: str) -> Correction | None:
        """A correction by id."""
        query = select(corrections).where(corrections.c.correction_id == correction_id)
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return _to_correction(row) if row else None

    def decide(self, correction: Correction, *, new_doses: tuple[Dose, ...] | None) -> None:
        """Store the decision; with `new_doses`, also replace the dose events (one transaction)."""
        with self.engine.begin() as connection:
            connection.execute(
                update(corrections)
                .where(corrections.c.correction_id == correction.correction_id)
                .values(
                    status=correction.status.value,
                    decided_at=correction.decided_at,
                    decision_note=correction.decision_note,
                )
            )
            if new_doses is not None:
                ref = correction.beneficiary_ref
                connection.execute(delete(doses).where(doses.c.reference_id == ref))
                if new_doses:
                    connection.execute(insert(doses), [rows.dose_row(ref, d) for d in new_doses])
