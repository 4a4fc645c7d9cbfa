"""The cookie that binds a hosted session to the browser running it.

The session id in the URL is a capability anyone holding the link has; the first start binds the
session to a random secret in this browser's cookie (kyvs keeps only its SHA-256), so a copied
link, a shared screenshot or a second device cannot continue the check or read its result.
"""

from __future__ import annotations

import re
import secrets

from fastapi import Request, Response

from kyvs.web.deps import container

COOKIE = "kyvs_hosted"
_SECRET = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


def browser_secret(request: Request) -> str:
    """This browser's secret: its cookie's, else a new one (the same for the whole request)."""
    sent = request.cookies.get(COOKIE)
    if sent is not None and _SECRET.fullmatch(sent):
        return sent
    made = getattr(request.state, "hosted_browser", None)
    if not isinstance(made, str):
        made = secrets.token_urlsafe(32)
        request.state.hosted_browser = made
    return made


def keep_browser(request: Request, response: Response, *, embedded: bool) -> Response:
    """Give the browser its secret when it came without one (a browser-session cookie).

    Inside a provider's iframe the page is a third party: a Lax cookie would not come back, so
    over HTTPS the cookie is `SameSite=None; Partitioned` (kept apart per embedding site)."""
    made = getattr(request.state, "hosted_browser", None)
    if isinstance(made, str):
        secure = not container(request).settings.demo
        third_party = embedded and secure
        response.set_cookie(
            COOKIE,
            made,
            path="/hosted",
            httponly=True,
            secure=secure,
            samesite="none" if third_party else "lax",
            partitioned=third_party,
        )
    return response
