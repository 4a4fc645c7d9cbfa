"""Rows of every kind the retention engine erases, on both sides of each cut-off, and rows of
tables it must never touch.

`seed(engine, now)` writes them for the default policy and returns what a purge at `now` must
erase: one record of each kind (two share links: one past its expiry, one past its revocation).
Each "kept" twin sits exactly on its cut-off (the period has just run out: not yet due).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, Table, func, insert, select

from kyvs.adapters.sql import tables as t
from kyvs.domain.retention import RecordKind, RetentionPolicy

SECOND = dt.timedelta(seconds=1)
LONG_AGO = dt.timedelta(days=3 * 365)
# What a purge at `now` erases from the seeded rows, by kind.
EXPECTED = dict.fromkeys(RecordKind, 1) | {RecordKind.SHARE_LINKS: 2}


def txn(txn_id: str, expires_at: dt.datetime, **changes: Any) -> dict[str, Any]:
    """A verified txn's row that expired at `expires_at`."""
    return {
        "txn_id": txn_id,
        "provider_id": "prov-yatra",
        "purpose": "travel",
        "language": "en",
        "mobile_key": f"key-{txn_id}",
        "beneficiary_ref": "12345678901234",
        "otp_hash": f"hash-{txn_id}",
        "created_at": expires_at - dt.timedelta(minutes=3),
        "expires_at": expires_at,
        "last_sent_at": expires_at - dt.timedelta(minutes=3),
        "state": "verified",
        "attempts": 1,
        "resends": 0,
        "version": 3,
        "result": '{"vaccination_status": 2, "beneficiary": {"name": "Asha Patel"}}',
        "delivery": "delivered",
    } | changes


def hosted(session_id: str, expires_at: dt.datetime) -> dict[str, Any]:
    """A finished hosted session's row that expired at `expires_at`."""
    return {
        "session_id": session_id,
        "provider_id": "prov-yatra",
        "return_url": "https://yatra.example/return",
        "purpose": "travel",
        "language": "en",
        "created_at": expires_at - dt.timedelta(minutes=15),
        "expires_at": expires_at,
        "txn_id": f"txn-of-{session_id}",
        "result": "eyJhbGciOiJFZERTQSJ9.e30.c2ln",
        "version": 4,
        "starts": 1,
        "browser_digest": "b" * 64,
        "result_shown_at": expires_at - dt.timedelta(minutes=10),
        "nonce": f"nonce-{session_id}",
    }


def access(txn_id: str, at: dt.datetime) -> dict[str, Any]:
    """An access-log entry of a disclosure at `at`, with its consent record."""
    return {
        "consent_id": f"consent-{txn_id}",
        "consent": "eyJhbGciOiJFZERTQSJ9.e30.c2ln",
        "beneficiary_ref": "12345678901234",
        "provider_id": "prov-yatra",
        "provider_name": "Yatra Travels",
        "purpose": "travel",
        "scopes": "status",
        "outcome": "verified",
        "txn_id": txn_id,
        "at": at,
    }


def audit(request_id: str, at: dt.datetime) -> dict[str, Any]:
    """An API audit entry written at `at`."""
    return {
        "at": at,
        "request_id": request_id,
        "method": "POST",
        "route": "/v1/verifications",
        "status": 201,
        "provider_id": "prov-yatra",
        "duration_ms": 12,
    }


def outbox(sent_at: dt.datetime) -> dict[str, Any]:
    """A demo outbox message sent at `sent_at`."""
    return {
        "to_mobile": "9876543210",
        "text": "123456 is your OTP",
        "category": "verification-otp",
        "language": "en",
        "sent_at": sent_at,
    }


def link(
    link_id: str, *, expires_at: dt.datetime, revoked_at: dt.datetime | None = None
) -> dict[str, Any]:
    """A share link that expires (or expired) at `expires_at`."""
    return {
        "link_id": link_id,
        "beneficiary_ref": "12345678901234",
        "claim": "eyJhbGciOiJFZERTQSJ9.e30.c2ln",
        "language": "en",
        "created_at": expires_at - dt.timedelta(days=30),
        "expires_at": expires_at,
        "revoked_at": revoked_at,
    }


def due_and_kept(
    now: dt.datetime, margin: dt.timedelta = dt.timedelta(0)
) -> Iterator[tuple[Table, list[dict[str, Any]]]]:
    """The rows of each purged table: one due (a second before its cut-off), one kept (on it);
    `margin` moves each kept one that much later (a purge by the real clock, a little later)."""
    cut = {
        kind: (cutoff, cutoff + margin) for kind, cutoff in RetentionPolicy().cutoffs(now).items()
    }
    (details, fresh), (rows, year) = (
        cut[RecordKind.VERIFICATION_DETAILS],
        cut[RecordKind.VERIFICATIONS],
    )
    erased: dict[str, Any] = {"mobile_key": "", "otp_hash": "", "beneficiary_ref": None}
    yield (
        t.verifications,
        [
            txn("t-stale", details - SECOND),  # personal fields erased
            txn("t-fresh", fresh),
            txn("t-pending", now + dt.timedelta(minutes=2), state="pending", result=None),
            # Erased long ago and now a year past its expiry: the row goes.
            txn("t-old", rows - SECOND, **erased),
            txn("t-year", year, **erased),
        ],
    )
    due, kept = cut[RecordKind.HOSTED_SESSIONS]
    yield t.hosted_sessions, [hosted("h-due", due - SECOND), hosted("h-kept", kept)]
    due, kept = cut[RecordKind.ACCESS_LOG]
    yield t.access_log, [access("a-due", due - SECOND), access("a-kept", kept)]
    due, kept = cut[RecordKind.API_AUDIT]
    yield t.api_audit, [audit("r-due", due - SECOND), audit("r-kept", kept)]
    due, kept = cut[RecordKind.SMS_OUTBOX]
    yield t.sms_outbox, [outbox(due - SECOND), outbox(kept)]
    due, kept = cut[RecordKind.SHARE_LINKS]
    later = now + dt.timedelta(days=10)
    yield (
        t.share_links,
        [
            link("l-expired", expires_at=due - SECOND),
            link("l-revoked", expires_at=later, revoked_at=due - SECOND),
            link("l-just-expired", expires_at=kept),
            link("l-just-revoked", expires_at=later, revoked_at=kept),
            link("l-live", expires_at=later),
        ],
    )


def untouched_rows(now: dt.datetime) -> Iterator[tuple[Table, list[dict[str, Any]]]]:
    """Years-old rows of the tables no retention rule names."""
    old = now - LONG_AGO
    ref = "12345678901234"
    yield (
        t.beneficiaries,
        [
            {
                "reference_id": ref,
                "full_name": "Asha Patel",
                "birth_year": 1988,
                "gender": "F",
                "mobile": "9876543210",
                "created_at": old,
            }
        ],
    )
    yield (
        t.doses,
        [
            {
                "reference_id": ref,
                "dose_number": 1,
                "vaccine": "COVISHIELD",
                "kind": "primary",
                "given_on": old.date(),
            }
        ],
    )
    yield (
        t.providers,
        [
            {
                "provider_id": "prov-yatra",
                "name": "Yatra Travels",
                "category": "travel",
                "scopes": "status",
                "purposes": "travel",
                "daily_quota": 100,
                "rate_limit_count": 10,
                "rate_limit_window_s": 60,
                "active": True,
                "created_at": old,
            }
        ],
    )
    yield (
        t.staff_accounts,
        [
            {
                "username": "desk",
                "provider_id": "prov-yatra",
                "password_hash": "argon2id$...",
                "created_at": old,
                "disabled": False,
            }
        ],
    )
    yield (
        t.corrections,
        [
            {
                "correction_id": "c-1",
                "beneficiary_ref": ref,
                "action": "add",
                "details": "{}",
                "note": "second dose missing",
                "status": "accepted",
                "created_at": old,
                "decided_at": old,
                "decision_note": "",
            }
        ],
    )
    yield t.blocks, [{"beneficiary_ref": ref, "provider_id": "prov-yatra", "created_at": old}]
    yield t.otp_channels, [{"mobile_key": "k" * 64, "channel": "sms", "updated_at": old}]
    yield (
        t.rate_counters,
        [{"key": "mobile-h:x", "window_start": 0, "count": 1, "expires_at": 0}],
    )
    yield (
        t.sms_receipts,
        [{"gateway": "msg91", "message_id": "m-1", "txn_id": "t-old", "sent_at": old}],
    )
    yield (
        t.sms_outcomes,
        [{"at": old, "ok": True, "echo": False, "duration_ms": 40}],
    )


def seed(
    engine: Engine, now: dt.datetime, margin: dt.timedelta = dt.timedelta(0)
) -> dict[RecordKind, int]:
    """Write every seeded row; what a purge at `now` (up to `margin` later) must erase."""
    with engine.begin() as connection:
        for table, rows in (*untouched_rows(now), *due_and_kept(now, margin)):
            connection.execute(insert(table), rows)
    return dict(EXPECTED)


def seed_many(
    engine: Engine,
    now: dt.datetime,
    *,
    due: int,
    kept: int,
    margin: dt.timedelta = dt.timedelta(0),
) -> None:
    """`due` records of every kind past their cut-off at `now` and `kept` on it (`margin`
    later); of txns, `due` erased long ago and a year past their expiry, `due` stale ones (their
    fields due) and `kept` fresh ones."""
    cut = RetentionPolicy().cutoffs(now)

    def moments(kind: RecordKind) -> list[dt.datetime]:
        return [cut[kind] - SECOND] * due + [cut[kind] + margin] * kept

    erased = {"mobile_key": "", "otp_hash": "", "beneficiary_ref": None}
    old = cut[RecordKind.VERIFICATIONS] - SECOND
    stale = moments(RecordKind.VERIFICATION_DETAILS)
    rows = {
        t.verifications: [txn(f"old-{i}", old, **erased) for i in range(due)]
        + [txn(f"txn-{i}", at) for i, at in enumerate(stale)],
        t.hosted_sessions: [
            hosted(f"h-{i}", at) for i, at in enumerate(moments(RecordKind.HOSTED_SESSIONS))
        ],
        t.access_log: [access(f"a-{i}", at) for i, at in enumerate(moments(RecordKind.ACCESS_LOG))],
        t.api_audit: [audit(f"r-{i}", at) for i, at in enumerate(moments(RecordKind.API_AUDIT))],
        t.sms_outbox: [outbox(at) for at in moments(RecordKind.SMS_OUTBOX)],
        t.share_links: [
            link(f"l-{i}", expires_at=at) for i, at in enumerate(moments(RecordKind.SHARE_LINKS))
        ],
    }
    with engine.begin() as connection:
        for table, batch in rows.items():
            connection.execute(insert(table), batch)


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table."""
    with engine.connect() as connection:
        return {
            table.name: int(
                connection.execute(select(func.count()).select_from(table)).scalar_one()
            )
            for table in t.metadata.sorted_tables
        }


def table_rows(engine: Engine, table: Table) -> dict[Any, dict[str, Any]]:
    """A table's rows by primary key (its first key column)."""
    key = next(iter(table.primary_key.columns))
    with engine.connect() as connection:
        return {row[key.name]: dict(row) for row in connection.execute(select(table)).mappings()}
