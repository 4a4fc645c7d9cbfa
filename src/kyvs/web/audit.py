"""Audit of every API call (no personal data) and a request id on every response.

A pure ASGI middleware: it notes the route *template* (`/api/v1/verifications/{txn_id}`, never
the path with its ids), the status, the provider and the duration, and queues the entry; a
background task writes queued entries in batches, so no request waits on the audit table.
The same hook feeds the HTTP metrics (by route template) and puts the request id in the logs.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
import uuid
from typing import Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kyvs.ports import AuditEntry, AuditTrail, BackgroundFailures
from kyvs.request_context import REQUEST_ID, ROUTE, route_template

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


class HttpMetrics(Protocol):
    """Where answered requests are counted (route templates only)."""

    def observe_request(self, *, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request."""


class AuditMiddleware:
    """Adds `X-Request-Id` (also to the logs) and queues an `AuditEntry` for every HTTP request."""

    def __init__(self, app: ASGIApp, queue: AuditQueue, metrics: HttpMetrics | None = None) -> None:
        self.app = app
        self.queue = queue
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = str(uuid.uuid4())
        token = REQUEST_ID.set(request_id)  # background jobs started here inherit it
        route_token = ROUTE.set(None)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                ROUTE.set(route_template(scope))  # for the server's access log line, written next
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            entry = _entry(scope, request_id, status, started)
            self.queue.put(entry)
            if self.metrics is not None:
                seconds = time.perf_counter() - started
                self.metrics.observe_request(
                    method=entry.method, route=entry.route, status=status, seconds=seconds
                )
            REQUEST_ID.reset(token)
            ROUTE.reset(route_token)


def _entry(scope: Scope, request_id: str, status: int, started: float) -> AuditEntry:
    template = route_template(scope)
    state = scope.get("state") or {}
    return AuditEntry(
        at=dt.datetime.now(dt.UTC),
        request_id=request_id,
        method=str(scope.get("method", ""))[:8],
        route=str(template)[:120],
        status=status,
        provider_id=state.get("provider_id"),
        duration_ms=int((time.perf_counter() - started) * 1000),
    )
