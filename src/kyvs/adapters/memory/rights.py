"""Consent withdrawals and grievances in memory: the test double of `SqlRightsStore`."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from kyvs.domain.rights import Grievance, Withdrawal


@dataclass
class MemoryRightsStore:
    """Withdrawals by consent id, grievances by id."""

    withdrawals: dict[str, Withdrawal] = field(default_factory=dict)
    filed: dict[str, Grievance] = field(default_factory=dict)

    async def withdraw(self, withdrawal: Withdrawal) -> None:
        """Record a withdrawal (a repeat keeps the first time)."""
        self.withdrawals.setdefault(withdrawal.consent_id, withdrawal)

    async def withdrawn(self, txn_id: str) -> bool:
        """True when the consent of `txn_id`'s disclosure was withdrawn."""
        return any(w.txn_id == txn_id for w in self.withdrawals.values())

    async def withdrawals_for(self, refs: Collection[str]) -> list[Withdrawal]:
        """These people's withdrawals."""
        return [w for w in self.withdrawals.values() if w.beneficiary_ref in refs]

    async def add_grievance(self, grievance: Grievance) -> None:
        """Store a new grievance."""
        self.filed[grievance.grievance_id] = grievance

    async def grievances_for(self, mobile_key: str) -> list[Grievance]:
        """The grievances filed for a mobile, newest first."""
        found = [g for g in self.filed.values() if g.mobile_key == mobile_key]
        return sorted(found, key=lambda g: g.filed_at, reverse=True)
