"""The retention engine over the memory store: each kind erased past its own cut-off, in
batches, counted once (also with several purgers at once); a dry run only counts."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from kyvs.adapters.clock import FixedClock
from kyvs.adapters.memory.retention import MemoryRetentionStore
from kyvs.domain.retention import RecordKind, RetentionPolicy
from kyvs.services.retention import Retention

NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)
NOTHING = dict.fromkeys(RecordKind, 0)


class Counted:
    """The metrics port, remembering every count."""

    def __init__(self) -> None:
        self.purged: dict[str, int] = {}

    def retention_purged(self, kind: str, count: int) -> None:
        self.purged[kind] = self.purged.get(kind, 0) + count


def engine(store: MemoryRetentionStore, *, batch_size: int = 1000) -> tuple[Retention, Counted]:
    metrics = Counted()
    retention = Retention(store, RetentionPolicy(), FixedClock(NOW), metrics, batch_size=batch_size)
    return retention, metrics


def either_side_of_every_cutoff(store: MemoryRetentionStore, due: int, kept: int) -> None:
    for kind, cutoff in RetentionPolicy().cutoffs(NOW).items():
        store.add(kind, cutoff - SECOND, due)
        store.add(kind, cutoff, kept)  # the period has just run out: not yet


def test_each_kind_is_erased_past_its_own_cutoff_and_nothing_else():
    store = MemoryRetentionStore()
    either_side_of_every_cutoff(store, due=3, kept=2)
    retention, metrics = engine(store)

    assert retention.purge() == dict.fromkeys(RecordKind, 3)
    assert {kind: len(left) for kind, left in store.records.items()} == dict.fromkeys(RecordKind, 2)
    assert metrics.purged == {kind.value: 3 for kind in RecordKind}


def test_a_second_purge_finds_nothing():
    store = MemoryRetentionStore()
    either_side_of_every_cutoff(store, due=3, kept=2)
    retention, metrics = engine(store)
    retention.purge()
    assert retention.purge() == NOTHING
    assert sum(metrics.purged.values()) == 3 * len(RecordKind)


def test_a_dry_run_counts_what_is_due_and_erases_nothing():
    store = MemoryRetentionStore()
    either_side_of_every_cutoff(store, due=3, kept=2)
    retention, metrics = engine(store)
    assert retention.purge(dry_run=True) == dict.fromkeys(RecordKind, 3)
    assert all(len(left) == 5 for left in store.records.values())
    assert metrics.purged == {}


def test_records_go_in_batches_until_a_batch_comes_back_short():
    store = MemoryRetentionStore()
    store.add(RecordKind.API_AUDIT, NOW - dt.timedelta(days=400), 25)
    retention, metrics = engine(store, batch_size=10)
    assert retention.purge()[RecordKind.API_AUDIT] == 25
    assert store.batches == 3  # 10, 10, 5
    assert metrics.purged == {"api_audit": 25}


def test_purgers_running_at_once_count_each_record_once():
    store = MemoryRetentionStore()
    either_side_of_every_cutoff(store, due=200, kept=10)
    purgers = [engine(store, batch_size=7)[0] for _ in range(3)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda retention: retention.purge(), purgers))
    for kind in RecordKind:
        assert sum(result[kind] for result in results) == 200
    assert all(len(left) == 10 for left in store.records.values())


def test_a_purge_that_erased_something_says_how_much_of_each_kind(caplog):
    store = MemoryRetentionStore()
    store.add(RecordKind.SMS_OUTBOX, NOW - dt.timedelta(days=8), 2)
    retention, _ = engine(store)
    with caplog.at_level("INFO", logger="kyvs.retention"):
        retention.purge()
        retention.purge()  # nothing left: nothing said
    assert caplog.messages == ["retention purge erased 2 records (sms_outbox=2)"]
