"""Only requests for the hosts this deployment serves: any other `Host` header gets `400`.

`kyvs.web.edge` asks `TrustedHosts.allows` of every request. The host is compared without its port,
case-insensitively; a pattern `*.example.org` matches its subdomains and `*` matches any host.
Health, readiness and metrics are exempt: probes and scrapers address a server by its IP. The API
answers problem+json (`untrusted-host`); the pages answer their HTML error page.
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from kyvs.settings import Settings
from kyvs.web.pages.errors import error_page, wants_page
from kyvs.web.problems import problem_response
from kyvs.web.public_urls import public_base_url

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
PROBE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
SLUG = "untrusted-host"


def trusted_host_patterns(settings: Settings) -> tuple[str, ...]:
    """The hosts `settings` lets the server answer for (lower case, without ports)."""
    configured = [part.strip().lower() for part in (settings.trusted_hosts or "").split(",")]
    listed = [host for host in configured if host] or list(LOOPBACK_HOSTS)
    public_host = urlsplit(public_base_url(settings)).hostname
    if public_host and public_host not in listed:
        listed.append(public_host)
    return tuple(listed)


def host_is_trusted(host: str, patterns: tuple[str, ...]) -> bool:
    """Whether the `Host` header value `host` names one of `patterns` (its port is ignored)."""
    name = _without_port(host.strip().lower())
    if not name:
        return False
    for pattern in patterns:
        if pattern in {"*", name}:
            return True
        if pattern.startswith("*.") and name.endswith(pattern[1:]):
            return True
    return False


class TrustedHosts:
    """The hosts a deployment serves (`patterns`) and the answer to a request for any other."""

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self.patterns = patterns

    def allows(self, scope: Scope, path: str) -> bool:
        """Whether the request of `scope` (its route path `path`) may be served."""
        return path in PROBE_PATHS or self._trusted(scope)

    async def refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer `400 untrusted-host` (an error page on the pages)."""
        request = Request(scope, receive)
        response: Response
        if wants_page(request):
            response = error_page(request, 400, SLUG)
        else:
            response = problem_response(
                400,
                SLUG,
                "Unknown host",
                "This server does not serve the host named in the request's Host header "
                "(the operator lists the hosts it serves in KYVS_TRUSTED_HOSTS).",
            )
        await response(scope, receive, send)

    def _trusted(self, scope: Scope) -> bool:
        for name, value in scope.get("headers", ()):
            if name == b"host":
                return self._trusted_name(value)
        return False  # HTTP/1.1 requires Host; uvicorn refuses requests without one anyway

    @functools.lru_cache(maxsize=64)  # noqa: B019 # one object per app; a handful of Host values
    def _trusted_name(self, host: bytes) -> bool:
        return host_is_trusted(host.decode("latin-1"), self.patterns)


def _without_port(host: str) -> str:
    if host.startswith("["):  # [::1]:8000
        return host[1:].partition("]")[0]
    if host.count(":") == 1:
        return host.partition(":")[0]
    return host
