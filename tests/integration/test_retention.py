"""The retention engine on SQLite and PostgreSQL: exactly what the policy says is erased, and
nothing else, also with several purgers at once; the purge scans use their indexes; an erased
txn cannot be written back; a running server purges on its own and counts its failures."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import insert, select, text

from kyvs.adapters.clock import FixedClock
from kyvs.adapters.sql import migrate
from kyvs.adapters.sql import tables as t
from kyvs.adapters.sql.engine import make_engine
from kyvs.adapters.sql.retention import SqlRetentionStore
from kyvs.adapters.sql.units import make_units
from kyvs.adapters.sql.verifications import SqlVerificationStore
from kyvs.bootstrap import bootstrap
from kyvs.domain.retention import RecordKind, RetentionPolicy
from kyvs.domain.verification import Delivery, after_delivery
from kyvs.services.retention import Retention
from kyvs.settings import Settings
from kyvs.web import app as web_app
from tests.factories import retention as seeded

NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
NOTHING = dict.fromkeys(RecordKind, 0)


class Counted:
    """The metrics port, adding up every count (from any thread)."""

    def __init__(self) -> None:
        self.purged: dict[str, int] = {}
        self._lock = threading.Lock()

    def retention_purged(self, kind: str, count: int) -> None:
        with self._lock:
            self.purged[kind] = self.purged.get(kind, 0) + count


def retention_on(engine, *, batch_size: int = 1000, metrics=None) -> Retention:
    return Retention(
        SqlRetentionStore(engine),
        RetentionPolicy(),
        FixedClock(NOW),
        metrics or Counted(),
        batch_size=batch_size,
    )


def test_a_purge_erases_exactly_what_the_policy_says_and_nothing_else(engine):
    expected = seeded.seed(engine, NOW)
    before = seeded.row_counts(engine)
    metrics = Counted()

    assert retention_on(engine, metrics=metrics).purge() == expected

    after = seeded.row_counts(engine)
    deleted = {
        "verifications": 1,
        "hosted_sessions": 1,
        "access_log": 1,
        "api_audit": 1,
        "sms_outbox": 1,
        "share_links": 2,
    }
    assert {name: before[name] - after[name] for name in before} == dict.fromkeys(
        before, 0
    ) | deleted
    assert metrics.purged == {kind.value: n for kind, n in expected.items()}
    assert set(seeded.table_rows(engine, t.hosted_sessions)) == {"h-kept"}
    assert set(seeded.table_rows(engine, t.share_links)) == {
        "l-just-expired",
        "l-just-revoked",
        "l-live",
    }
    assert [row["txn_id"] for row in seeded.table_rows(engine, t.access_log).values()] == ["a-kept"]


def test_a_stale_txn_keeps_its_check_and_loses_its_personal_fields(engine):
    seeded.seed(engine, NOW)
    before = seeded.table_rows(engine, t.verifications)
    retention_on(engine).purge()
    after = seeded.table_rows(engine, t.verifications)

    assert set(after) == {"t-stale", "t-fresh", "t-pending", "t-year"}
    erased = {"beneficiary_ref": None, "result": None, "mobile_key": "", "otp_hash": ""}
    stale = before["t-stale"] | erased | {"version": before["t-stale"]["version"] + 1}
    assert after["t-stale"] == stale  # provider, purpose, times, state, delivery: kept
    for kept in ("t-fresh", "t-pending", "t-year"):
        assert after[kept] == before[kept]


def test_purging_again_erases_nothing_and_a_dry_run_changes_nothing(engine):
    expected = seeded.seed(engine, NOW)
    before = seeded.row_counts(engine)
    verifications = seeded.table_rows(engine, t.verifications)
    retention = retention_on(engine)

    assert retention.purge(dry_run=True) == expected
    assert seeded.row_counts(engine) == before
    assert seeded.table_rows(engine, t.verifications) == verifications

    assert retention.purge() == expected
    assert retention.purge() == NOTHING
    assert retention.purge(dry_run=True) == NOTHING


def test_several_purgers_at_once_erase_each_record_once(database_url):
    setup = make_engine(database_url)
    migrate.upgrade(setup)
    due, kept = 150, 5
    seeded.seed_many(setup, NOW, due=due, kept=kept)
    # Three workers, each with its own engine (connections), started together.
    engines = [make_engine(database_url) for _ in range(3)]
    start = threading.Barrier(len(engines))

    def purge(engine) -> dict[RecordKind, int]:
        start.wait()
        return retention_on(engine, batch_size=7).purge()

    try:
        with ThreadPoolExecutor(max_workers=len(engines)) as pool:
            results = list(pool.map(purge, engines))
        for kind in RecordKind:
            assert sum(result[kind] for result in results) == due, kind
        assert retention_on(setup).purge(dry_run=True) == NOTHING
        counts = seeded.row_counts(setup)
        for table in (t.access_log, t.api_audit, t.sms_outbox, t.hosted_sessions):
            assert counts[table.name] == kept, table.name
        # `due` erased long ago and deleted; `due` stale and erased; `kept` fresh.
        assert counts["verifications"] == due + kept
    finally:
        for engine in (*engines, setup):
            engine.dispose()


@pytest.mark.parametrize(
    ("kind", "index"),
    [
        (RecordKind.VERIFICATION_DETAILS, "ix_verifications_unerased"),
        (RecordKind.VERIFICATIONS, "ix_verifications_expires_at"),
        (RecordKind.HOSTED_SESSIONS, "ix_hosted_sessions_expires_at"),
        (RecordKind.ACCESS_LOG, "ix_access_log_at"),
        (RecordKind.API_AUDIT, "ix_api_audit_at"),
        (RecordKind.SMS_OUTBOX, "ix_sms_outbox_sent_at"),
        (RecordKind.SHARE_LINKS, "ix_share_links_revoked_at"),
    ],
)
def test_each_purge_scan_reads_its_index(engine, kind, index):
    store = SqlRetentionStore(engine)
    target = store.targets[kind]
    key = target.table.c[target.key]
    query = select(key).where(target.due(NOW)).limit(100)
    compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            plan = connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        else:
            connection.execute(text("SET enable_seqscan = off"))
            plan = connection.execute(text(f"EXPLAIN {compiled}")).all()
    assert index in " ".join(str(row) for row in plan)


@pytest.mark.anyio
async def test_a_txn_read_before_its_erasure_cannot_be_written_back(database_url):
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    seeded.seed(engine, NOW)
    units = make_units(database_url)
    store = SqlVerificationStore(units)
    try:
        read_before = await store.get("t-stale")
        assert read_before is not None
        await asyncio.to_thread(retention_on(engine).purge)
        # A delivery report comes late, for the txn read before the purge.
        late = after_delivery(read_before, Delivery.FAILED)
        assert not await store.replace(late, expected_version=read_before.version)
        erased = await store.get("t-stale")
        assert erased is not None
        assert (erased.beneficiary_ref, erased.result, erased.mobile_key) == (None, None, "")
    finally:
        await units.aclose()
        engine.dispose()


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("interval_s", "first_between_s"),
    [(0.05, web_app.RETENTION_FIRST_S), (3600.0, (0.0, 0.05))],
    ids=["every-interval", "soon-after-starting"],
)
async def test_the_server_purges_on_its_own(sqlite_url, monkeypatch, interval_s, first_between_s):
    monkeypatch.setattr(web_app, "RETENTION_FIRST_S", first_between_s)
    engine = make_engine(sqlite_url)
    migrate.upgrade(engine)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(t.sms_outbox),
            [seeded.outbox(now - dt.timedelta(days=8)), seeded.outbox(now)],
        )
    settings = Settings(database_url=sqlite_url, demo=True, retention_interval_s=interval_s)
    wired = bootstrap(settings)
    app = web_app.create_app(container=wired)
    try:
        async with app.router.lifespan_context(app):
            for _ in range(100):
                if seeded.row_counts(engine)["sms_outbox"] == 1:
                    break
                await asyncio.sleep(0.05)
        assert seeded.row_counts(engine)["sms_outbox"] == 1  # the message of today stays
        purged = wired.metrics.registry.get_sample_value(
            "kyvs_retention_purged_total", {"kind": "sms_outbox"}
        )
        assert purged == 1
    finally:
        engine.dispose()


class BrokenStore:
    """A retention store whose database has gone away."""

    def due(self, kind: RecordKind, cutoff: dt.datetime) -> int:
        raise ConnectionError("the database is unreachable")

    def erase_batch(self, kind: RecordKind, cutoff: dt.datetime, *, limit: int) -> int:
        raise ConnectionError("the database is unreachable")


@pytest.mark.anyio
async def test_a_failing_purge_is_counted_and_the_server_keeps_purging(sqlite_url):
    settings = Settings(database_url=sqlite_url, demo=True, retention_interval_s=0.02)
    engine = make_engine(sqlite_url)
    migrate.upgrade(engine)
    engine.dispose()
    wired = bootstrap(settings, retention_store=BrokenStore())
    app = web_app.create_app(container=wired)

    def failures() -> float:
        found = wired.metrics.registry.get_sample_value(
            "kyvs_background_failures_total", {"job": "retention"}
        )
        return found or 0.0

    async with app.router.lifespan_context(app):
        for _ in range(200):
            if failures() >= 2:  # failed, and tried again
                break
            await asyncio.sleep(0.02)
    assert failures() >= 2


def test_the_settings_make_the_policy_the_server_purges_by(sqlite_url):
    settings = Settings(database_url=sqlite_url, demo=True, retention_sms_outbox_days=2)
    policy = bootstrap(settings).retention.policy
    assert policy == dataclasses.replace(
        RetentionPolicy(),
        periods=dict(RetentionPolicy().periods) | {RecordKind.SMS_OUTBOX: dt.timedelta(days=2)},
    )
