"""Absolute links from the configured public base URL, never from the request's `Host` header.

A link kyvs hands out (a share page, the QR code on a card, a hosted-session URL) must point at
kyvs wherever the request came from: built from `Host`, a forged header would put an attacker's
address on a card, and every forged host would render and cache a card of its own.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from kyvs.settings import Settings

WILDCARD_BINDS = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 - names, not a bind


def public_base_url(settings: Settings) -> str:
    """The configured public base URL, else the address the server binds to (loopback for a
    wildcard bind: only demo mode serves without one, see `kyvs serve`)."""
    if settings.public_base_url:
        return settings.public_base_url
    host = "127.0.0.1" if settings.host in WILDCARD_BINDS else settings.host
    return f"http://{_bracketed(host)}:{settings.port}"


def public_url(request: Request, route_name: str, **path_params: Any) -> str:
    """The absolute public URL of the named route."""
    settings: Settings = request.app.state.container.settings
    path: str = request.app.url_path_for(route_name, **path_params)
    return public_base_url(settings) + path


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host
