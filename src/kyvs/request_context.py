"""The request being served, for log lines: its id and, once answered, its route template.

Set by the web's audit middleware. Context variables, so background work started while serving
a request inherits its id, and the access log line (written by the server as the answer starts)
names the route (`/hosted/{session_id}`), never the ids in the path, which open what they name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

REQUEST_ID: ContextVar[str | None] = ContextVar("kyvs_request_id", default=None)
UNMATCHED = "(unmatched)"  # the route of a request no route answered
ROUTE: ContextVar[str | None] = ContextVar("kyvs_route", default=None)


def route_template(scope: Mapping[str, Any]) -> str:
    """The template of the route that matched an ASGI request's `scope`, or `(unmatched)`."""
    return str(getattr(scope.get("route"), "path", None) or UNMATCHED)


def log_reference(capability_id: str) -> str:
    """How a log line names a txn or session: a digest that tells entries of one apart, and
    that an operator can compute from the id, but that opens nothing (the id itself does)."""
    return hashlib.sha256(capability_id.encode()).hexdigest()[:12]
