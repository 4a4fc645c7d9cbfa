"""The signed session cookie (`kyvs_session`) of the pages, and only of the pages.

The pages keep a person's login, a staff login and the CSRF token in it. Machine-facing paths
never read it: the API (a key or a token in a header), the probes, the metrics, the static assets,
the API description and the signing keys. Their requests skip the session middleware, so they
neither pay for decoding a cookie nor get one set. Any other path (a page, a new page route, a
404 error page) keeps the session.
"""

from __future__ import annotations

from typing import Any

from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from kyvs.web.caching import route_path

SESSIONLESS_PATHS = frozenset(
    {"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/docs/oauth2-redirect"}
)
SESSIONLESS_PREFIXES = ("/api/", "/static/", "/.well-known/")


def uses_sessions(path: str) -> bool:
    """Whether requests for `path` (without the root path) may read or set the session."""
    return path not in SESSIONLESS_PATHS and not path.startswith(SESSIONLESS_PREFIXES)


class PageSessions:
    """ASGI middleware: Starlette's `SessionMiddleware` (with `options`) on the paths that use
    sessions; the others go straight to `app`."""

    def __init__(self, app: ASGIApp, /, **options: Any) -> None:
        self.app = app
        self.with_sessions = SessionMiddleware(app, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and uses_sessions(route_path(scope)):
            await self.with_sessions(scope, receive, send)
        else:
            await self.app(scope, receive, send)
