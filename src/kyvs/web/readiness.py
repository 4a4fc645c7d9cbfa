"""`/readyz`: this process can serve: the database, Redis (when configured) and the SMS carrier.

Each check is cheap (`SELECT 1`, `PING`, a look at the SMS gateway's settings: no message is
sent) and bounded by a short timeout; they run together. A failing check is logged by its name
and error class only: error messages can hold a database URL with its password.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import text

from kyvs.bootstrap import Container
from kyvs.web.deps import wired_container
from kyvs.web.problems import MEDIA_TYPE, PROBLEM_BASE, Problem, problem_response

log = logging.getLogger(__name__)
router = APIRouter(tags=["operations"])

CHECK_TIMEOUT_S = 2.0
RETRY_AFTER_S = 5
OK, NOT_CONFIGURED, FAILING = "ok", "not configured", "failing"


class Readiness(BaseModel):
    """The readiness answer: every check and how it went."""

    status: Literal["ready"] = "ready"
    checks: dict[str, str] = Field(examples=[{"database": OK, "redis": NOT_CONFIGURED, "sms": OK}])


async def database_check(wired: Container) -> str:
    """`SELECT 1` the way the hot path reaches the database (its units of work)."""
    await wired.sql_units.read(lambda connection: connection.execute(_SELECT_ONE))
    return OK


_SELECT_ONE = text("SELECT 1")


async def redis_check(wired: Container) -> str:
    """`PING` the container's Redis client, when Redis is configured and wired."""
    client: Any = getattr(wired, "redis", None) if wired.settings.redis_url else None
    if client is None:
        return NOT_CONFIGURED
    answer = client.ping()
    if inspect.isawaitable(answer):
        await answer
    return OK


async def sms_check(wired: Container) -> str:
    """The outbox is the database (checked above); an HTTP gateway needs a usable URL and body
    template. Nothing is sent: a probe every few seconds must not cost an SMS."""
    wired.check_sms_settings()
    return OK


Check = Callable[[Container], Awaitable[str]]
CHECKS: dict[str, Check] = {"database": database_check, "redis": redis_check, "sms": sms_check}


async def run_checks(wired: Container, checks: Mapping[str, Check] | None = None) -> dict[str, str]:
    """Every check's outcome by name: `ok`, `not configured` or `failing`."""
    chosen = CHECKS if checks is None else checks
    outcomes = await asyncio.gather(*(_run(name, check, wired) for name, check in chosen.items()))
    return dict(zip(chosen, outcomes, strict=True))


async def _run(name: str, check: Check, wired: Container) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            return await check(wired)
    except Exception as error:  # any failure means "not ready", never a 500
        log.warning("readiness check %s failed: %s", name, type(error).__name__)
        return FAILING


NOT_READY_RESPONSE: dict[int | str, dict[str, Any]] = {
    503: {
        "model": Problem,
        "description": f"Problem type: `{PROBLEM_BASE}not-ready`, with `failing` (the checks "
        "that failed) and `checks`; `Retry-After` says when to ask again.",
        "content": {
            MEDIA_TYPE: {
                "example": {
                    "type": PROBLEM_BASE + "not-ready",
                    "title": "Not ready",
                    "status": 503,
                    "detail": "Failing checks: database.",
                    "failing": ["database"],
                    "checks": {"database": FAILING, "redis": NOT_CONFIGURED, "sms": OK},
                }
            }
        },
    }
}


@router.get(
    "/readyz",
    summary="Readiness: the database, Redis and the SMS carrier answer",
    response_model=Readiness,
    responses=NOT_READY_RESPONSE,
)
async def readyz(wired: Annotated[Container, Depends(wired_container)]) -> Response:
    """200 when every dependency answers; 503 (problem+json, `Retry-After: 5`) naming the
    failing checks otherwise. Load balancers route traffic only to ready processes."""
    checks = await run_checks(wired)
    failing = [name for name, outcome in checks.items() if outcome == FAILING]
    if failing:
        return problem_response(
            503,
            "not-ready",
            "Not ready",
            f"Failing checks: {', '.join(failing)}.",
            headers={"Retry-After": str(RETRY_AFTER_S)},
            failing=failing,
            checks=checks,
        )
    return JSONResponse(Readiness(checks=checks).model_dump())
