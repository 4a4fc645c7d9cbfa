"""`/notice`: the privacy notice in the reader's language, and the short links the SMS carry.

`?lang=` picks the language (an SMS's link names its own); else the page language as on every
page (the switcher's cookie, then `Accept-Language`). Plain HTML, no script needed.
`provider_notice` and `general_notice` give the other pages (the OTP screens, `/me`) the notice
they show.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from kyvs.domain.notice import NOTICE_PATH, SHORT_PATH, Notice
from kyvs.i18n import SUPPORTED_LANGUAGES, normalise_language
from kyvs.web.deps import container
from kyvs.web.pages.language import page_language
from kyvs.web.pages.rendering import render
from kyvs.web.pages.security import secure_page

router = APIRouter(include_in_schema=False)


def notice_path(language: str) -> str:
    """The notice page's path in `language`."""
    return f"{NOTICE_PATH}?lang={language}"


@router.get(NOTICE_PATH, response_class=HTMLResponse)
async def notice_page(request: Request, lang: str | None = None) -> HTMLResponse:
    """The general privacy notice: every scope's items, every purpose, how to withdraw and
    complain, in the language asked for (else the page language)."""
    language = _language(lang) or page_language(request)
    notice = container(request).notices.current(language)
    return secure_page(
        render(
            request,
            "notice.html",
            language=language,
            title=notice.title,
            notice=notice,
        )
    )


@router.get(SHORT_PATH)
@router.get(SHORT_PATH + "/{code}")
async def short_link_page(code: str | None = None) -> RedirectResponse:
    """The SMS's short link: on to the notice in the language it names (an unknown one: the
    page language)."""
    language = _language(code)
    return RedirectResponse(notice_path(language) if language else NOTICE_PATH, status_code=302)


def provider_notice(
    request: Request, *, language: str, scopes: Iterable[str], purpose: str
) -> dict[str, Any]:
    """The template values of `_privacy_notice.html` for a provider's check: the items of its
    `scopes` and its `purpose` (a purpose code), in `language`."""
    c = container(request)
    known = c.access.purposes.get(purpose)
    notice = c.notices.for_provider(
        language, scopes=scopes, purpose_label=known.label if known else purpose
    )
    return _context(notice)


def general_notice(request: Request, language: str) -> dict[str, Any]:
    """The template values of `_privacy_notice.html` for the general notice in `language`."""
    return _context(container(request).notices.current(language))


def _context(notice: Notice) -> dict[str, Any]:
    return {"privacy": notice, "privacy_link": notice_path(notice.language)}


def _language(tag: str | None) -> str | None:
    language = normalise_language(tag)
    return language if language in SUPPORTED_LANGUAGES else None
