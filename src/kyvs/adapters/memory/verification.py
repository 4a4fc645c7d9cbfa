"""In-memory verification adapters for unit tests and one-process demos."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence

from kyvs.domain.limits import Limit, estimated, retry_after_s
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.people import Registration
from kyvs.domain.verification import VerificationTxn
from kyvs.ports import AccessEntry, Denied, Registry


class MemoryVerificationStore:
    """Txns in a dict, compare-and-set on `version`."""

    def __init__(self) -> None:
        self.txns: dict[str, VerificationTxn] = {}
        self.access: list[AccessEntry] = []

    async def create(self, txn: VerificationTxn) -> None:
        """Store a new txn."""
        self.txns[txn.txn_id] = txn

    async def get(self, txn_id: str) -> VerificationTxn | None:
        """A txn by id."""
        return self.txns.get(txn_id)

    async def recent(self, provider_id: str, limit: int) -> list[VerificationTxn]:
        """A provider's latest txns, newest first."""
        mine = [t for t in self.txns.values() if t.provider_id == provider_id]
        return sorted(mine, key=lambda t: t.created_at, reverse=True)[:limit]

    async def replace(
        self, txn: VerificationTxn, *, expected_version: int, access: AccessEntry | None = None
    ) -> bool:
        """Compare-and-set; the access entry goes to `self.access`."""
        stored = self.txns.get(txn.txn_id)
        if stored is None or stored.version != expected_version:
            return False
        self.txns[txn.txn_id] = txn
        if access is not None:
            self.access.append(access)
        return True


class MemoryAccessLog:
    """Access-log entries in a list."""

    def __init__(self, entries: list[AccessEntry] | None = None) -> None:
        self.entries = entries if entries is not None else []

    async def record(self, entry: AccessEntry) -> None:
        """Append one entry; an entry of the same txn and outcome is recorded once only."""
        if not any((e.txn_id, e.outcome) == (entry.txn_id, entry.outcome) for e in self.entries):
            self.entries.append(entry)


class MemoryRateLimiter:
    """Window counters in a dict, all limits or none."""

    def __init__(self) -> None:
        self.counters: dict[tuple[str, int], int] = defaultdict(int)

    async def acquire(self, limits: Sequence[Limit], *, now_s: float) -> Denied | None:
        """Count one event against every limit, or none if any is full."""
        for limit in limits:
            start = limit.window_start(now_s)
            current = self.counters[(limit.key, start)] + 1
            previous = self.counters[(limit.key, start - limit.window_s)] if limit.sliding else 0
            if estimated(limit, now_s, current, previous) > limit.count:
                return Denied(limit, retry_after_s(limit, now_s, current - 1, previous))
        for limit in limits:
            self.counters[(limit.key, limit.window_start(now_s))] += 1
        return None

    async def full(self, limit: Limit, *, now_s: float) -> bool:
        """Whether one more event would be refused."""
        start = limit.window_start(now_s)
        current = self.counters.get((limit.key, start), 0) + 1
        previous = self.counters.get((limit.key, start - limit.window_s), 0) if limit.sliding else 0
        return estimated(limit, now_s, current, previous) > limit.count


class MemoryRegistryReader:
    """The async reader over a synchronous registry (the in-memory one in tests)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    async def names_on_mobile(self, mobile: MobileNumber) -> list[tuple[str, str]]:
        """(reference id, full name) of everyone on a mobile."""
        return [
            (r.beneficiary.reference_id, r.beneficiary.full_name)
            for r in self.registry.on_mobile(mobile)
        ]

    async def registration(self, reference_id: str) -> Registration | None:
        """A person with their doses."""
        return self.registry.get(reference_id)


class InlineDispatcher:
    """Keeps submitted jobs until `run_all()` (tests decide when background work happens)."""

    def __init__(self) -> None:
        self.jobs: list[Callable[[], Awaitable[None]]] = []

    def submit(self, job: Callable[[], Awaitable[None]]) -> None:
        """Queue a job."""
        self.jobs.append(job)

    async def run_all(self) -> None:
        """Run every queued job, in order."""
        while self.jobs:
            await self.jobs.pop(0)()


class MemoryBlockList:
    """Citizens' blocks of providers, in memory (tests)."""

    def __init__(self) -> None:
        self.pairs: set[tuple[str, str]] = set()

    def add(self, beneficiary_ref: str, provider_id: str) -> None:
        """`beneficiary_ref` blocks `provider_id`."""
        self.pairs.add((beneficiary_ref, provider_id))

    async def blocked(self, beneficiary_ref: str, provider_id: str) -> bool:
        """True when `beneficiary_ref` blocked `provider_id`."""
        return (beneficiary_ref, provider_id) in self.pairs
