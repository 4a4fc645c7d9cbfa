"""Page security: CSRF tokens in the session, and the headers every HTML page carries."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable

from fastapi import Request
from fastapi.responses import HTMLResponse

from kyvs.domain.errors import DomainError

CSRF_KEY = "csrf"


class CsrfFailed(DomainError):
    """A form came without the token of this session (a forged or stale form)."""

    slug = "csrf-failed"
    title = "This form has expired"


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use)."""
    token = request.session.get(CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_KEY] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse a form whose token is not the session's."""
    expected = request.session.get(CSRF_KEY)
    if (
        not isinstance(expected, str)
        or not submitted
        or not hmac.compare_digest(expected, submitted)
    ):
        raise CsrfFailed("This form has expired; please go back and try again.")


def secure_page(
    response: HTMLResponse,
    *,
    frame_ancestors: Iterable[str] = (),
    form_targets: Iterable[str] = (),
) -> HTMLResponse:
    """Add CSP and the other security headers: scripts and styles only from kyvs itself.

    (`Cache-Control: no-store` comes from `kyvs.web.caching`, for every page and answer.)"""
    ancestors = " ".join(frame_ancestors) or "'none'"
    targets = " ".join(["'self'", *form_targets])
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'; form-action {targets}; frame-ancestors {ancestors}; base-uri 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    if not frame_ancestors:
        response.headers["X-Frame-Options"] = "DENY"
    return response
