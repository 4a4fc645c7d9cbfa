"""Rendering pages: Jinja2 templates with the shared message catalogs and localized formats."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from babel import localedata
from babel.dates import format_datetime, format_time
from babel.numbers import format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from kyvs.i18n import LANGUAGE_NAMES, SUPPORTED_LANGUAGES, translator
from kyvs.web.pages.language import page_language
from kyvs.web.pages.security import csrf_token

INDIA = ZoneInfo("Asia/Kolkata")


@cache
def environment() -> Environment:
    """The template environment (built once per process)."""
    folder = resources.files("kyvs.web").joinpath("templates")
    return Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(
    request: Request, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render `template` in the request's language, with the CSRF token and helpers."""
    language = context.pop("language", None) or page_language(request)
    words = translator(language)

    html = (
        environment()
        .get_template(template)
        .render(
            request=request,
            lang=language,
            _=words.gettext,
            f=words.format,
            nf=words.nformat,
            **formatters(language),
            languages=[(code, LANGUAGE_NAMES.get(code, code)) for code in SUPPORTED_LANGUAGES],
            csrf=csrf_token(request) if "session" in request.scope else "",
            path=request.url.path,
            **context,
        )
    )
    return HTMLResponse(html, status_code=status_code)


def formatters(language: str) -> dict[str, Callable[..., str]]:
    """The localized formats templates call: `when`, `clock` and `number`."""
    locale = locale_of(language)

    def when(moment: dt.datetime) -> str:
        return format_datetime(moment.astimezone(INDIA), "medium", locale=locale)

    def clock(moment: dt.datetime | str) -> str:
        """The time of day (India), e.g. "10:42 am": when an OTP expires, without JavaScript."""
        if isinstance(moment, str):
            moment = dt.datetime.fromisoformat(moment)
        return format_time(moment.astimezone(INDIA), "short", locale=locale)

    def number(value: float) -> str:
        return format_decimal(value, locale=locale)

    return {"when": when, "clock": clock, "number": number}


def locale_of(language: str) -> str:
    """The Babel locale for a page language (Indian regional variant when Babel has one)."""
    for candidate in (f"{language}_IN", language):
        if localedata.exists(candidate):
            return candidate
    return "en_IN"
