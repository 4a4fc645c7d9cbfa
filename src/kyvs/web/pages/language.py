"""The page language: the switcher's cookie first, then `Accept-Language`, then English."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse

from kyvs.i18n import SUPPORTED_LANGUAGES, negotiate_language, normalise_language

COOKIE = "kyvs_lang"
router = APIRouter(include_in_schema=False)


def page_language(request: Request) -> str:
    """The language to render this request's page in."""
    chosen = normalise_language(request.cookies.get(COOKIE))
    if chosen in SUPPORTED_LANGUAGES:
        return chosen
    return negotiate_language(request.headers.get("accept-language"))


def safe_next(path: str | None) -> str:
    """A same-site path to go back to (never another site: no open redirect)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


@router.get("/lang/{code}")
async def switch_language(
    code: str, request: Request, next_path: Annotated[str | None, Query(alias="next")] = None
) -> RedirectResponse:
    """Remember the chosen language for a year and go back to the page."""
    response = RedirectResponse(safe_next(next_path), status_code=303)
    language = normalise_language(code)
    if language in SUPPORTED_LANGUAGES:
        response.set_cookie(
            COOKIE,
            language,
            max_age=365 * 86400,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
    return response
