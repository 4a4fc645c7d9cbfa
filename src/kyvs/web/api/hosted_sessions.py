"""`/api/v1/hosted-sessions`: a provider's server opens a hosted check and reads its result."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field

from kyvs.domain.hosted import NONCE_PATTERN
from kyvs.i18n import negotiate_language
from kyvs.web.deps import CurrentProvider, container
from kyvs.web.problems import problem_responses
from kyvs.web.public_urls import public_url

router = APIRouter(prefix="/api/v1/hosted-sessions", tags=["hosted flow"])


class CreateHostedSession(BaseModel):
    """Where the browser goes back to (exactly an allow-listed URL), and why the check is made."""

    model_config = ConfigDict(extra="forbid")
    return_url: str = Field(max_length=500, examples=["https://shop.example.com/kyvs/return"])
    purpose: str = Field(max_length=40, examples=["travel"])
    language: str | None = Field(default=None, max_length=16, examples=["gu"])
    nonce: str | None = Field(
        default=None,
        pattern=NONCE_PATTERN,
        examples=["booking-4711-Yx2f"],
        description="Your server's value for this check (1 to 128 of A-Z a-z 0-9 - _), signed "
        "into the attestation as `nonce` beside `hosted_session`, so you can bind a posted "
        "result to your own session.",
    )


class HostedSessionCreated(BaseModel):
    """Send the person's browser to `url` (or embed it in an iframe with `embed_url`)."""

    session_id: str
    url: str
    embed_url: str
    expires_at: dt.datetime
    nonce: str | None = None


class HostedSessionState(BaseModel):
    """The session's step and, once verified, the signed result (compact JWS)."""

    session_id: str
    step: Literal["details", "otp", "done"]
    expires_at: dt.datetime
    result: str | None = None
    nonce: str | None = None


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Open a hosted check for a website",
    responses=problem_responses(400, 401, 403, 422),
    response_model_exclude_none=True,
)
async def create_hosted_session(
    body: CreateHostedSession, provider: CurrentProvider, request: Request
) -> HostedSessionCreated:
    """The browser runs the check on kyvs and comes back to `return_url` with the result."""
    session = await container(request).hosted_flow.create(
        provider=provider,
        return_url=body.return_url,
        purpose=body.purpose,
        language=negotiate_language(body.language),
        nonce=body.nonce,
    )
    url = public_url(request, "hosted_page", session_id=session.session_id)
    return HostedSessionCreated(
        session_id=session.session_id,
        url=url,
        embed_url=f"{url}?embed=1",
        expires_at=session.expires_at,
        nonce=session.nonce,
    )


@router.get(
    "/{session_id}",
    summary="The state and result of a hosted check",
    responses=problem_responses(401, 404, 410),
    response_model_exclude_none=True,
)
async def hosted_session_state(
    session_id: str, provider: CurrentProvider, request: Request
) -> HostedSessionState:
    """Another provider's session answers 404; one whose consent the person withdrew (or
    whose result they had erased) answers `410 consent-withdrawn`."""
    session = await container(request).hosted_flow.result_for(provider, session_id)
    return HostedSessionState(
        session_id=session.session_id,
        step=session.step.value,
        expires_at=session.expires_at,
        result=session.result,
        nonce=session.nonce,
    )
