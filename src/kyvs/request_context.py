"""The request being served, for log lines: its id, and the template of the route it matched.

`kyvs.web.edge` sets the id in a context variable, so every log line written while serving a
request, and background work started then, carries it. Log lines name the route
(`/hosted/{session_id}`), never the ids in the path, which open what they name.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

REQUEST_ID: ContextVar[str | None] = ContextVar("kyvs_request_id", default=None)
UNMATCHED = "(unmatched)"  # the route of a request no route answered


def new_request_id() -> str:
    """A random (version 4) UUID in its usual text form: what `str(uuid.uuid4())` gives, for a
    third of its cost (it is made for every request)."""
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


_VARIANT = {digit: "89ab"[int(digit, 16) % 4] for digit in "0123456789abcdef"}


def route_template(scope: Mapping[str, Any]) -> str:
    """The template of the route that matched an ASGI request's `scope`, or `(unmatched)`."""
    return str(getattr(scope.get("route"), "path", None) or UNMATCHED)


def log_reference(capability_id: str) -> str:
    """How a log line names a txn or session: a digest that tells entries of one apart, and
    that an operator can compute from the id, but that opens nothing (the id itself does)."""
    return hashlib.sha256(capability_id.encode()).hexdigest()[:12]
