"""The retention purge in SQL: batched deletes and erasures, safe with several workers.

Each batch is one statement in a transaction of its own, `DELETE ... WHERE key IN (SELECT key
... WHERE due LIMIT n)` (or an `UPDATE` that erases fields), so a purge never holds a lock for
long and a crash loses at most one batch, which the next purge does again.

- **PostgreSQL**: the inner select takes `FOR UPDATE SKIP LOCKED`: two workers purging at once
  take different rows instead of waiting for each other, and the outer statement checks the
  condition again, so a row is counted by the one statement that erased it.
- **SQLite**: writers take turns on the database's write lock; a batch that comes second sees
  the first one's rows gone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Table,
    and_,
    delete,
    func,
    null,
    or_,
    select,
    update,
)

from kyvs.adapters.sql.tables import (
    access_log,
    api_audit,
    hosted_sessions,
    share_links,
    sms_outbox,
    verifications,
)
from kyvs.domain.retention import RecordKind

# The erased mobile key and OTP hash (the columns may not be NULL); a txn that still has its
# mobile key is what the partial index `ix_verifications_unerased` holds (`tables.UNERASED`).
ERASED_KEY = ""

Due = Callable[[dt.datetime], ColumnElement[bool]]


@dataclass(frozen=True, slots=True)
class Target:
    """Where one kind of record lives: its table, which rows are due at a cut-off, and what
    erasing them sets (nothing: the row is deleted)."""

    table: Table
    key: str
    due: Due
    erase: Mapping[str, Any] = field(default_factory=dict)


_v = verifications.c
_s = share_links.c

TARGETS: Mapping[RecordKind, Target] = {
    # The console's history keeps provider, purpose, time and outcome; the version is raised
    # so a write of the txn read before the erasure (a late delivery report) cannot restore it.
    RecordKind.VERIFICATION_DETAILS: Target(
        verifications,
        "txn_id",
        lambda cutoff: and_(_v.expires_at < cutoff, _v.mobile_key != ERASED_KEY),
        {
            "beneficiary_ref": null(),
            "result": null(),
            "mobile_key": ERASED_KEY,
            "otp_hash": ERASED_KEY,
            "version": _v.version + 1,
        },
    ),
    RecordKind.VERIFICATIONS: Target(
        verifications, "txn_id", lambda cutoff: _v.expires_at < cutoff
    ),
    RecordKind.HOSTED_SESSIONS: Target(
        hosted_sessions, "session_id", lambda cutoff: hosted_sessions.c.expires_at < cutoff
    ),
    RecordKind.ACCESS_LOG: Target(access_log, "entry_id", lambda cutoff: access_log.c.at < cutoff),
    RecordKind.API_AUDIT: Target(api_audit, "entry_id", lambda cutoff: api_audit.c.at < cutoff),
    RecordKind.SMS_OUTBOX: Target(sms_outbox, "id", lambda cutoff: sms_outbox.c.sent_at < cutoff),
    RecordKind.SHARE_LINKS: Target(
        share_links,
        "link_id",
        lambda cutoff: or_(_s.expires_at < cutoff, _s.revoked_at < cutoff),
    ),
}


class SqlRetentionStore:
    """Records past their retention, erased in batches on the synchronous engine."""

    def __init__(self, engine: Engine, targets: Mapping[RecordKind, Target] = TARGETS) -> None:
        self.engine = engine
        self.targets = targets

    def due(self, kind: RecordKind, cutoff: dt.datetime) -> int:
        """How many records of `kind` are due at `cutoff` (one count over the index)."""
        target = self.targets[kind]
        query = select(func.count()).select_from(target.table).where(target.due(_utc(cutoff)))
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def erase_batch(self, kind: RecordKind, cutoff: dt.datetime, *, limit: int) -> int:
        """Erase (or delete) at most `limit` due records in one transaction; how many."""
        statement = self._batch(self.targets[kind], _utc(cutoff), limit)
        with self.engine.begin() as connection:
            return int(connection.execute(statement).rowcount)

    def _batch(self, target: Target, cutoff: dt.datetime, limit: int) -> Any:
        key = target.table.c[target.key]
        due = target.due(cutoff)
        picked = select(key).where(due).limit(limit)
        if self.engine.dialect.name == "postgresql":
            picked = picked.with_for_update(skip_locked=True)
        chosen = and_(key.in_(picked.scalar_subquery()), due)
        if target.erase:
            return update(target.table).where(chosen).values(dict(target.erase))
        return delete(target.table).where(chosen)


def _utc(moment: dt.datetime) -> dt.datetime:
    """The cut-off in UTC, as the columns hold it (SQLite compares the stored text)."""
    return moment.astimezone(dt.UTC)
