"""The id of the request being served: set by the web's audit middleware, read by log lines.

A context variable, so background work started while serving a request inherits its id.
"""

from __future__ import annotations

from contextvars import ContextVar

REQUEST_ID: ContextVar[str | None] = ContextVar("kyvs_request_id", default=None)
