"""`Cache-Control` of every answer: nothing personal or per-transaction is kept on the way.

The rule, in one place (`kyvs.web.edge` applies it): every HTTP answer says `Cache-Control:
no-store` (whatever a route set), except the answers on the public paths below. That covers API
answers, pages, redirects (the language switch sets a cookie), share links and their cards (a
person can revoke them at any moment), every error (problem+json, a 404 of an unknown path, a 413
of the body limit, a 500), and health, readiness and metrics (live state a cache must not answer
for).

Public paths are documents that are the same for everyone and say nothing about a person or a
transaction: the static assets (`/static/`), the API description (`/openapi.json`, `/docs`) and the
public signing keys (`/.well-known/jwks.json`, `public, max-age=300` from its route). They keep the
caching headers their route gives. A new route is `no-store` until it is listed here.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import Scope

PUBLIC_PATHS = frozenset(
    {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/.well-known/jwks.json"}
)
PUBLIC_PREFIXES = ("/static/",)
NO_STORE = (b"cache-control", b"no-store")

Headers = list[tuple[bytes, bytes]]


def is_public(path: str) -> bool:
    """Whether answers on `path` (without the root path) are public documents a cache may keep."""
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def no_store(headers: Iterable[tuple[bytes, bytes]]) -> Headers:
    """`headers` with whatever `Cache-Control` a route set replaced by `no-store`."""
    kept = [(name, value) for name, value in headers if name.lower() != b"cache-control"]
    kept.append(NO_STORE)
    return kept


def route_path(scope: Scope) -> str:
    """The path routes match: without the root path a proxy may mount kyvs under."""
    path, root = str(scope.get("path", "")), str(scope.get("root_path", ""))
    return path[len(root) :] if root and path.startswith(root) else path
