"""RFC 9457 problem details: every error the API returns has this shape and a stable `type`."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from kyvs.domain.errors import ChallengeRequired, DomainError, InvalidOtp, RetryLater
from kyvs.ports import Outages
from kyvs.request_context import route_template
from kyvs.web.pages.errors import error_page, wants_page
from kyvs.web.problem_catalogue import http_status, slugs_by_status

PROBLEM_BASE = "https://kyvs.dev/problems/"
MEDIA_TYPE = "application/problem+json"
UNAVAILABLE_RETRY_AFTER_S = 5  # the database or Redis is back within seconds, or alerts fire
COWIN_PREFIXES = ("/api/v2/", "/api/v3/")

log = logging.getLogger("kyvs.web")

SERVICE_UNAVAILABLE = "service-unavailable"

_HTTP_SLUGS = {
    400: "invalid-input",  # FastAPI's "There was an error parsing the body"
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


class FieldError(BaseModel):
    """One input that failed validation."""

    field: str = Field(examples=["mobile_number"])
    message: str = Field(examples=["String should have at most 20 characters"])


class ValidationProblem(Problem):
    """A problem document for a request that failed validation, naming each bad input."""

    errors: list[FieldError]


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
        return error_page(request, http_status(error), error.slug)
    headers: dict[str, str] = {}
    extra: dict[str, Any] = {}
    if isinstance(error, RetryLater):
        headers["Retry-After"] = str(error.retry_after_s)
        extra["retry_after_s"] = error.retry_after_s
    if isinstance(error, InvalidOtp) and error.attempts_left is not None:
        extra["attempts_left"] = error.attempts_left
    if isinstance(error, ChallengeRequired):
        extra["challenge"] = error.challenge
    return problem_response(
        http_status(error),
        error.slug,
        error.title,
        error.detail,
        headers=headers or None,
        **extra,
    )


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)  # noqa: S101 - registered for HTTPException only
    if wants_page(request):
        return error_page(request, error.status_code, _HTTP_SLUGS.get(error.status_code, "error"))
    phrase = HTTPStatus(error.status_code).phrase
    slug = _HTTP_SLUGS.get(error.status_code, phrase.lower().replace(" ", "-"))
    detail = error.detail if isinstance(error.detail, str) and error.detail != phrase else phrase
    return problem_response(error.status_code, slug, phrase, detail, headers=error.headers)


def field_errors(error: RequestValidationError) -> tuple[list[dict[str, str]], str]:
    """Each bad input as `{"field", "message"}`, and one line saying them all."""
    fields = [
        {"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"), "message": e["msg"]}
        for e in error.errors()
    ]
    return fields, "; ".join(f"{f['field'] or 'body'}: {f['message']}" for f in fields)


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)  # noqa: S101 - registered for it only
    if wants_page(request):
        return error_page(request, 400, "invalid-input")
    fields, detail = field_errors(error)
    return problem_response(
        422, "validation-error", "The request is not valid", detail, errors=fields
    )


async def _unexpected_error(request: Request, error: Exception) -> JSONResponse:
    # Log the error class and route only: the message could hold personal data, the path ids.
    log.error(
        "unexpected error %s on %s %s",
        type(error).__name__,
        request.method,
        route_template(request.scope),
    )
    return problem_response(
        500, "internal-error", "Internal error", "Something went wrong on our side; try again."
    )


def _outage_handler(outages: Outages) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def outage(request: Request, error: Exception) -> Response:
        if not outages.is_outage(error):
            raise error  # on to the 500 handler, as any other bug
        return _unavailable(request, error)

    return outage


def _unavailable(request: Request, error: Exception) -> Response:
    """The database or Redis is unreachable: 503 with `Retry-After`, never a 500 (other
    errors of those libraries are bugs and stay 500s)."""
    log.warning(
        "backing service unavailable (%s) on %s %s",
        type(error).__name__,
        request.method,
        route_template(request.scope),
    )
    retry = {"Retry-After": str(UNAVAILABLE_RETRY_AFTER_S)}
    if wants_page(request):
        page = error_page(request, 503, SERVICE_UNAVAILABLE)
        page.headers.update(retry)
        return page
    extra: dict[str, Any] = {"retry_after_s": UNAVAILABLE_RETRY_AFTER_S}
    if route_template(request.scope).startswith(COWIN_PREFIXES):  # CoWIN clients read `errorCode`
        extra |= {"errorCode": "KYVS_SERVICE_UNAVAILABLE", "error": "Service unavailable"}
    return problem_response(
        503,
        SERVICE_UNAVAILABLE,
        "Service unavailable",
        "A backing service is briefly unreachable; nothing was changed. Try again shortly.",
        headers=retry,
        **extra,
    )


def install(app: FastAPI, outages: Outages) -> None:
    """Make every error of `app` a problem+json response; `outages` are answered with 503."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    on_outage = _outage_handler(outages)
    for outage in outages.errors:
        app.add_exception_handler(outage, on_outage)
    app.add_exception_handler(Exception, _unexpected_error)


# The problem types each HTTP status may carry, for the OpenAPI document.
PROBLEM_TYPES: dict[int, tuple[str, ...]] = slugs_by_status()


RETRY_AFTER: dict[str, Any] = {  # the header every limit and every 503 sends
    "headers": {
        "Retry-After": {
            "description": "Seconds until a request may succeed (limits, not attempts; outages).",
            "schema": {"type": "integer", "minimum": 0},
        }
    }
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for these statuses: problem+json with their stable types.

    503 is always in: every operation reads the database (API keys, tokens) or Redis.
    `kyvs.web.openapi` moves the body's schema under `application/problem+json`.
    """
    documented: dict[int | str, dict[str, Any]] = {}
    for status in dict.fromkeys((*statuses, 503)):
        types = PROBLEM_TYPES.get(status, ())
        documented[status] = {
            "model": ValidationProblem if status == 422 else Problem,
            **(RETRY_AFTER if status in (429, 503) else {}),
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
