"""RFC 9457 problem details: every error the API returns has this shape and a stable `type`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from kyvs.domain.errors import DomainError, InvalidOtp, RateLimited
from kyvs.web.pages.errors import error_page, wants_page

PROBLEM_BASE = "https://kyvs.dev/problems/"
MEDIA_TYPE = "application/problem+json"

log = logging.getLogger("kyvs.web")

_HTTP_SLUGS = {
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    413: "payload-too-large",
    415: "unsupported-media-type",
}


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(examples=[PROBLEM_BASE + "invalid-input"])
    title: str = Field(examples=["Invalid input"])
    status: int = Field(examples=[400])
    detail: str = Field(examples=["A mobile number has 10 digits and starts with 6, 7, 8 or 9."])


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response."""
    body = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


async def _domain_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, DomainError)  # noqa: S101 - registered for DomainError only
    if wants_page(request):
        return error_page(request, error.status, error.slug)
    headers: dict[str, str] = {}
    extra: dict[str, Any] = {}
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after_s)
        extra["retry_after_s"] = error.retry_after_s
    if isinstance(error, InvalidOtp):
        extra["attempts_left"] = error.attempts_left
    return problem_response(
        error.status, error.slug, error.title, error.detail, headers=headers or None, **extra
    )


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)  # noqa: S101 - registered for HTTPException only
    if wants_page(request):
        return error_page(request, error.status_code, _HTTP_SLUGS.get(error.status_code, "error"))
    phrase = HTTPStatus(error.status_code).phrase
    slug = _HTTP_SLUGS.get(error.status_code, phrase.lower().replace(" ", "-"))
    detail = error.detail if isinstance(error.detail, str) and error.detail != phrase else phrase
    return problem_response(error.status_code, slug, phrase, detail, headers=error.headers)


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)  # noqa: S101 - registered for it only
    if wants_page(request):
        return error_page(request, 400, "invalid-input")
    fields = [
        {"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"), "message": e["msg"]}
        for e in error.errors()
    ]
    detail = "; ".join(f"{f['field'] or 'body'}: {f['message']}" for f in fields)
    return problem_response(
        422, "validation-error", "The request is not valid", detail, errors=fields
    )


async def _unexpected_error(request: Request, error: Exception) -> JSONResponse:
    # Log the error class and path only: the message could hold personal data.
    log.error(
        "unexpected error %s on %s %s", type(error).__name__, request.method, request.url.path
    )
    return problem_response(
        500, "internal-error", "Internal error", "Something went wrong on our side; try again."
    )


def install(app: FastAPI) -> None:
    """Make every error of `app` a problem+json response."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)


# The problem types each HTTP status may carry, for the OpenAPI document.
PROBLEM_TYPES: dict[int, tuple[str, ...]] = {
    400: ("invalid-input", "invalid-otp", "unknown-vaccine"),
    401: ("invalid-api-key",),
    403: ("provider-suspended", "purpose-not-allowed"),
    404: ("not-found", "txn-not-found"),
    405: ("method-not-allowed",),
    408: ("request-timeout",),
    409: ("txn-already-used",),
    410: ("otp-expired",),
    413: ("payload-too-large",),
    422: ("validation-error",),
    429: (
        "rate-limited",
        "quota-exhausted",
        "too-many-otps-for-mobile",
        "too-many-attempts",
        "resend-too-soon",
        "too-many-resends",
    ),
    500: ("internal-error",),
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for these statuses: problem+json with their stable types."""
    documented: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        types = PROBLEM_TYPES.get(status, ())
        documented[status] = {
            "model": Problem,
            "description": "Problem types: " + ", ".join(f"`{PROBLEM_BASE}{t}`" for t in types),
            "content": {
                MEDIA_TYPE: {
                    "example": {
                        "type": PROBLEM_BASE + (types[0] if types else "error"),
                        "title": HTTPStatus(status).phrase,
                        "status": status,
                        "detail": "What went wrong and what to do about it.",
                    }
                }
            },
        }
    return documented
