"""Errors on HTML pages are pages too (the API keeps problem+json)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from kyvs.i18n import translator
from kyvs.web.pages.language import page_language
from kyvs.web.pages.messages import slug_text
from kyvs.web.pages.rendering import render
from kyvs.web.pages.security import secure_page

PAGE_PREFIXES = ("/console", "/hosted", "/lang", "/me", "/s/")
# Images under those paths (a share card's PNG) are fetched by an <img> or a link preview, which
# show no error page: their errors stay problem+json.
IMAGE_SUFFIXES = (".png",)


def wants_page(request: Request) -> bool:
    """True for the hosted pages (and `/`), whose errors a person reads in a browser."""
    path = request.url.path
    return (path == "/" or path.startswith(PAGE_PREFIXES)) and not path.endswith(IMAGE_SUFFIXES)


def error_page(request: Request, status: int, slug: str) -> HTMLResponse:
    """A localized error page with a way back."""
    language = page_language(request)
    words = translator(language)
    heading = (
        words.gettext("Page not found") if status == 404 else words.gettext("Something went wrong")
    )
    back = "/console" if request.url.path.startswith("/console") else "/"
    response = render(
        request,
        "error.html",
        status_code=status,
        title=heading,
        heading=heading,
        detail=slug_text(slug, language),
        back=back,
    )
    return secure_page(response)
