"""Records with a retention moment, in a dict: the retention store's test double."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field

from kyvs.domain.retention import RecordKind


@dataclass
class MemoryRetentionStore:
    """Each record is a kind and the moment its retention period runs from; erasing removes it.

    A lock makes a batch atomic, as a transaction is, so concurrent purgers never count a
    record twice."""

    records: dict[RecordKind, list[dt.datetime]] = field(default_factory=dict)
    batches: int = 0  # how many batches erased something (tests read it)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, kind: RecordKind, since: dt.datetime, count: int = 1) -> None:
        """Keep `count` records of `kind` whose period runs from `since`."""
        self.records.setdefault(kind, []).extend([since] * count)

    def due(self, kind: RecordKind, cutoff: dt.datetime) -> int:
        """How many records of `kind` started before `cutoff`."""
        return sum(since < cutoff for since in self.records.get(kind, []))

    def erase_batch(self, kind: RecordKind, cutoff: dt.datetime, *, limit: int) -> int:
        """Remove at most `limit` records of `kind` that started before `cutoff`."""
        with self._lock:
            kept, erased = [], 0
            for since in self.records.get(kind, []):
                if since < cutoff and erased < limit:
                    erased += 1
                else:
                    kept.append(since)
            self.records[kind] = kept
            self.batches += erased > 0
            return erased
