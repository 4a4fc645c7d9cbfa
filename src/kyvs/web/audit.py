"""Audit of every API call, without personal data.

An entry notes the route *template* (`/api/v1/verifications/{txn_id}`, never the path with its
ids), the status, the provider and the duration. `kyvs.web.edge` queues one for every request; a
background task writes queued entries in batches, so no request waits on the audit table.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

from starlette.types import Scope

from kyvs.ports import AuditEntry, AuditTrail, BackgroundFailures
from kyvs.request_context import route_template

log = logging.getLogger("kyvs.audit")
MAX_QUEUED = 50_000
FLUSH_EVERY_S = 1.0
BATCH = 1000


class AuditQueue:
    """Entries waiting to be written, flushed by `run()` until cancelled."""

    def __init__(self, trail: AuditTrail, failures: BackgroundFailures | None = None) -> None:
        self.trail = trail
        self.failures = failures
        self.entries: list[AuditEntry] = []
        self.dropped = 0

    def put(self, entry: AuditEntry) -> None:
        """Queue one entry (beyond `MAX_QUEUED`, count it as dropped instead of growing)."""
        if len(self.entries) >= MAX_QUEUED:
            self.dropped += 1
            return
        self.entries.append(entry)

    async def flush(self) -> None:
        """Write everything queued, in batches."""
        while self.entries:
            batch, self.entries = self.entries[:BATCH], self.entries[BATCH:]
            try:
                await self.trail.write(batch)
            except Exception:  # the audit must never take the API down
                log.exception("audit batch of %d entries not written", len(batch))
                self.dropped += len(batch)
                if self.failures is not None:
                    self.failures.background_failed("audit")

    async def run(self) -> None:
        """Flush every second until cancelled, then once more."""
        try:
            while True:
                await asyncio.sleep(FLUSH_EVERY_S)
                await self.flush()
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(self.flush())


def audit_entry(scope: Scope, request_id: str, status: int, seconds: float) -> AuditEntry:
    """The audit entry of the request of `scope`, answered with `status` in `seconds`."""
    state = scope.get("state") or {}
    return AuditEntry(
        at=dt.datetime.now(dt.UTC),
        request_id=request_id,
        method=str(scope.get("method", ""))[:8],
        route=route_template(scope)[:120],
        status=status,
        provider_id=state.get("provider_id"),
        duration_ms=int(seconds * 1000),
    )
