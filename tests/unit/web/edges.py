"""`kyvs.web.edge` around a small app, for the unit tests of its rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.types import ASGIApp

from kyvs.adapters.metrics import PrometheusMetrics
from kyvs.ports import AuditEntry
from kyvs.web.audit import AuditQueue
from kyvs.web.edge import Edge
from kyvs.web.request_limits import RequestLimits
from kyvs.web.trusted_hosts import TrustedHosts


class NoTrail:
    async def write(self, entries: Sequence[AuditEntry]) -> None:
        """Keeps nothing."""


class RequestLines:
    """A request log that keeps its lines' fields."""

    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []

    def answered(self, **fields: Any) -> None:
        self.lines.append(fields)


def an_edge(app: ASGIApp, **parts: Any) -> Edge:
    """`Edge` around `app`: every host trusted, 1 MB bodies, a queue that writes nowhere, fresh
    metrics and a request log in memory, unless `parts` says otherwise."""
    defaults: dict[str, Any] = {
        "hosts": TrustedHosts(("*",)),
        "limits": RequestLimits(max_bytes=1_000_000, timeout_s=5),
        "audit": AuditQueue(NoTrail()),
        "metrics": PrometheusMetrics(),
        "requests": RequestLines(),
    }
    return Edge(app, **(defaults | parts))
