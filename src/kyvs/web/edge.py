"""The edge every HTTP request passes: one pure ASGI middleware, outside everything else.

For each request, in this order, it
- gives the request an id: `X-Request-Id` on the answer, `request_id` in every log line meanwhile;
- refuses a host the deployment does not serve (`kyvs.web.trusted_hosts`);
- admits the body, if any, within the limits (`kyvs.web.request_limits`);
- says `Cache-Control: no-store` on the answer, off the public paths (`kyvs.web.caching`);
- writes the request log line as the answer starts, and once it is sent, queues the audit entry
  (`kyvs.web.audit`) and counts the answer in the HTTP metrics, all by route template.

The rules live in those modules; this one runs them with a single wrapper around `send`, since
every layer of middleware costs a little on every request. It sits outside Starlette's outermost
middleware, the one that answers 500 to an unexpected error: that answer gets an id and
`no-store` too, and is logged, audited and counted as a 500.
"""

from __future__ import annotations

import time
from typing import Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kyvs.request_context import REQUEST_ID, new_request_id, route_template
from kyvs.web.audit import AuditQueue, audit_entry
from kyvs.web.caching import is_public, no_store, route_path
from kyvs.web.request_limits import RequestLimits
from kyvs.web.trusted_hosts import TrustedHosts

REQUEST_ID_HEADER = b"x-request-id"


class HttpMetrics(Protocol):
    """Where answered requests are counted (route templates only)."""

    def observe_request(self, *, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request."""


class RequestLog(Protocol):
    """Where the server writes one line per answer."""

    def answered(
        self, *, method: str, path: str, route: str | None, status: int, http_version: str
    ) -> None:
        """Log one answer (`route`: the template of the route that answered, if any)."""


class Edge:
    """The per-request rules of `kyvs.web.edge` around `app`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        hosts: TrustedHosts,
        limits: RequestLimits,
        audit: AuditQueue,
        metrics: HttpMetrics,
        requests: RequestLog,
    ) -> None:
        self.app = app
        self.hosts = hosts
        self.limits = limits
        self.audit = audit
        self.metrics = metrics
        self.requests = requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_request_id()
        token = REQUEST_ID.set(request_id)  # background jobs started from here inherit it
        started = time.perf_counter()
        path = route_path(scope)
        stamp = (REQUEST_ID_HEADER, request_id.encode("ascii"))
        public = is_public(path)
        status = 500  # what the audit notes when no answer was sent

        async def send_answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [*message.get("headers", ()), stamp]
                message = {**message, "headers": headers if public else no_store(headers)}
                self._log(scope, status)
            await send(message)

        try:
            if not self.hosts.allows(scope, path):
                await self.hosts.refuse(scope, receive, send_answer)
                return
            admitted = await self.limits.admit(scope, receive, send_answer)
            if admitted is not None:
                await self.app(scope, admitted, send_answer)
        finally:
            self._answered(scope, request_id, status, time.perf_counter() - started)
            REQUEST_ID.reset(token)

    def _log(self, scope: Scope, status: int) -> None:
        self.requests.answered(
            method=scope["method"],
            path=scope.get("root_path", "") + scope["path"],
            route=route_template(scope),
            status=status,
            http_version=scope.get("http_version", "1.1"),
        )

    def _answered(self, scope: Scope, request_id: str, status: int, seconds: float) -> None:
        entry = audit_entry(scope, request_id, status, seconds)
        self.audit.put(entry)
        self.metrics.observe_request(
            method=entry.method, route=entry.route, status=status, seconds=seconds
        )
