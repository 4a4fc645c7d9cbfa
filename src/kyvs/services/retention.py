"""The retention engine: erase every kind of record its policy says is past its period."""

from __future__ import annotations

import datetime as dt
import logging

from kyvs.domain.retention import RecordKind, RetentionPolicy
from kyvs.ports import Clock, RetentionMetrics, RetentionStore

log = logging.getLogger("kyvs.retention")


class Retention:
    """Purges records past their retention period, in batches (several workers may run it)."""

    def __init__(
        self,
        store: RetentionStore,
        policy: RetentionPolicy,
        clock: Clock,
        metrics: RetentionMetrics,
        *,
        batch_size: int = 1000,
    ) -> None:
        self.store = store
        self.policy = policy
        self.clock = clock
        self.metrics = metrics
        self.batch_size = batch_size

    def purge(self, *, dry_run: bool = False) -> dict[RecordKind, int]:
        """Erase what the policy says is due now; how many records of each kind this call
        erased (with `dry_run`, how many are due, and nothing changes)."""
        cutoffs = self.policy.cutoffs(self.clock.now())
        if dry_run:
            return {kind: self.store.due(kind, cutoff) for kind, cutoff in cutoffs.items()}
        erased = {kind: self._purge_kind(kind, cutoff) for kind, cutoff in cutoffs.items()}
        if any(erased.values()):
            shown = ", ".join(f"{kind.value}={n}" for kind, n in erased.items() if n)
            log.info("retention purge erased %d records (%s)", sum(erased.values()), shown)
        return erased

    def _purge_kind(self, kind: RecordKind, cutoff: dt.datetime) -> int:
        """Batches until one comes back short: what is left, if anything, is being erased by
        another purger (PostgreSQL's workers skip each other's rows)."""
        total = 0
        while True:
            erased = self.store.erase_batch(kind, cutoff, limit=self.batch_size)
            if erased:
                self.metrics.retention_purged(kind.value, erased)
            total += erased
            if erased < self.batch_size:
                return total
