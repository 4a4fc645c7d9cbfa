"""The CoWIN-compatible facade: CoWIN's KYC-VS and public-auth shapes on the kyvs engine.

Existing CoWIN clients change only their base URL. Bodies and errors follow CoWIN's style:
`{"errorCode": "USRAUT0014", "error": "Invalid OTP"}` where CoWIN had a code, `KYVS_<TYPE>`
codes for the limits CoWIN did not document.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from kyvs.domain.errors import ChallengeRequired, DomainError, RetryLater, SmsUnavailable
from kyvs.i18n import negotiate_language
from kyvs.web.deps import AnonymousClient, CurrentProvider, VerifierDep, container
from kyvs.web.problem_catalogue import cowin_example, http_status, problem_type
from kyvs.web.problems import RETRY_AFTER, field_errors, problem_response, problem_responses

_SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")
INVALID_OTP = "USRAUT0014"


class CowinError(Exception):
    """An error answered in CoWIN's body shape."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        retry_after_s: int | None = None,
        challenge: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after_s = (
            status,
            code,
            message,
            retry_after_s,
        )
        self.challenge = challenge

    def response(self) -> JSONResponse:
        """`{"errorCode", "error"}` with the status (and `Retry-After` for limits; the
        challenge to solve for `KYVS_CHALLENGE_REQUIRED`)."""
        headers = {"Retry-After": str(self.retry_after_s)} if self.retry_after_s else None
        extra = {"challenge": self.challenge} if self.challenge else {}
        return JSONResponse(
            {"errorCode": self.code, "error": self.message, **extra},
            status_code=self.status,
            headers=headers,
        )


class CowinErrorBody(BaseModel):
    """CoWIN's error shape."""

    errorCode: str = Field(examples=[INVALID_OTP])  # noqa: N815 - CoWIN's field name
    error: str = Field(examples=["Invalid OTP"])


def cowin_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for CoWIN-style error bodies, and the 503 every operation may answer
    (a problem document that also carries `errorCode`: `KYVS_SERVICE_UNAVAILABLE`, or
    `KYVS_SMS_UNAVAILABLE` when OTPs cannot be sent)."""
    return problem_responses(503) | {
        status: {
            "model": CowinErrorBody,
            **(RETRY_AFTER if status == 429 else {}),
            "description": "CoWIN-style error (`KYVS_*` codes where CoWIN had none)",
            "content": {
                "application/json": {
                    "example": dict(zip(("errorCode", "error"), cowin_example(status), strict=True))
                }
            },
        }
        for status in statuses
    }


def _cowin(error: DomainError) -> CowinError:
    kind = problem_type(error.slug)
    retry = error.retry_after_s if isinstance(error, RetryLater) else None
    message = kind.cowin_message or error.detail
    challenge = error.challenge if isinstance(error, ChallengeRequired) else None
    return CowinError(kind.facade_status, kind.facade_code, message, retry, challenge)


class CowinRoute(APIRoute):
    """A facade route: every error, from a bad body to a bad API key, in CoWIN's shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, answering its errors as `{"errorCode", "error"}`."""
        handle = super().get_route_handler()

        async def in_cowin_shape(request: Request) -> Response:
            try:
                return await handle(request)
            except SmsUnavailable as error:  # a 503: the problem document every route may send
                return problem_response(
                    http_status(error),
                    error.slug,
                    error.title,
                    error.detail,
                    headers={"Retry-After": str(error.retry_after_s)},
                    retry_after_s=error.retry_after_s,
                    errorCode="KYVS_SMS_UNAVAILABLE",
                    error=error.detail,
                )
            except DomainError as error:
                return _cowin(error).response()
            except RequestValidationError as error:
                return CowinError(422, "KYVS_VALIDATION_ERROR", field_errors(error)[1]).response()
            except HTTPException as error:
                if error.status_code != 400:
                    raise
                return CowinError(400, "KYVS_INVALID_INPUT", "The body is not JSON.").response()

        return in_cowin_shape


router = APIRouter(tags=["CoWIN-compatible facade"], route_class=CowinRoute)


class GenerateOtp(BaseModel):
    """KYC-VS: the person's registered mobile and full name."""

    model_config = ConfigDict(extra="ignore")
    mobile_number: str = Field(max_length=20, examples=["9000000001"])
    full_name: str = Field(max_length=120, examples=["Asha Patel"])


class ConfirmOtp(BaseModel):
    """The SHA-256 hex of the OTP, as CoWIN clients send it."""

    model_config = ConfigDict(extra="ignore")
    otp: str = Field(
        max_length=128,
        examples=["8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92"],
    )
    txnId: str = Field(max_length=64)  # noqa: N815 - CoWIN's field name


class PublicGenerateOtp(BaseModel):
    """Citizen login: the registered mobile."""

    model_config = ConfigDict(extra="ignore")
    mobile: str = Field(max_length=20, examples=["9000000001"])


def _digest(otp: str) -> str:
    if not _SHA256_HEX.match(otp):
        kind = problem_type("otp-not-hashed")
        raise CowinError(kind.facade_status, kind.facade_code, kind.cowin_message or "")
    return otp.lower()


async def _answer(work: Any) -> Any:
    try:
        return await work
    except DomainError as error:
        raise _cowin(error) from None


@router.post(
    "/api/v3/vaccination/generateOTP",
    summary="KYC-VS: send an OTP (CoWIN shape)",
    responses=cowin_responses(400, 401, 403, 422, 429),
)
async def generate_otp(
    body: GenerateOtp, provider: CurrentProvider, verifier: VerifierDep, request: Request
) -> dict[str, str]:
    """`{"txnId"}`, the same whether or not the name/mobile pair exists."""
    started = await _answer(
        verifier.start(
            provider=provider,
            full_name=body.full_name,
            mobile=body.mobile_number,
            purpose=provider.default_purpose(),
            language=negotiate_language(request.headers.get("accept-language")),
        )
    )
    return {"txnId": started.txn_id}


@router.post(
    "/api/v3/vaccination/confirmOTP",
    summary="KYC-VS: confirm with sha256(OTP)",
    responses=cowin_responses(400, 401, 403, 404, 409, 422, 429),
)
async def confirm_otp(
    body: ConfirmOtp, provider: CurrentProvider, request: Request
) -> dict[str, str]:
    """`{"token"}` for the status call; a wrong OTP is `401 USRAUT0014`."""
    token = await _answer(
        container(request).cowin_status.confirm(
            provider=provider, txn_id=body.txnId, otp_digest=_digest(body.otp)
        )
    )
    return {"token": token}


@router.get(
    "/api/v3/vaccination/status",
    summary="KYC-VS: the status (Bearer token)",
    responses=cowin_responses(401, 422),
)
async def vaccination_status(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """`{"vaccination_status": 0/1/2, ...}` plus what the provider's scopes allow."""
    bearer = (authorization or "").removeprefix("Bearer ").strip()
    result = await container(request).cowin_status.status(bearer)
    if result is None:
        raise CowinError(401, "USRAUT0002", "Invalid or expired token")
    return result


@router.post(
    "/api/v2/auth/public/generateOTP",
    summary="Citizen login: send an OTP (CoWIN shape)",
    responses=cowin_responses(400, 403, 422, 429),
)
async def public_generate_otp(
    body: PublicGenerateOtp, request: Request, client: AnonymousClient
) -> dict[str, str]:
    """`{"txnId"}`, the same whether or not the mobile is registered (the limits and the
    challenge of kyvs's own citizen login apply: `403 KYVS_CHALLENGE_REQUIRED`)."""
    language = negotiate_language(request.headers.get("accept-language"))
    started = await _answer(
        container(request).citizen_login.start(mobile=body.mobile, language=language, client=client)
    )
    return {"txnId": started.txn_id}


@router.post(
    "/api/v2/auth/public/confirmOTP",
    summary="Citizen login: confirm with sha256(OTP)",
    responses=cowin_responses(400, 401, 403, 404, 409, 422, 429),
)
async def public_confirm_otp(
    body: ConfirmOtp, request: Request, client: AnonymousClient
) -> dict[str, str]:
    """`{"token"}`; a plain OTP is `400 USRAUT0014`."""
    session = await _answer(
        container(request).citizen_login.confirm(
            txn_id=body.txnId, otp_digest=_digest(body.otp), client=client
        )
    )
    return {"token": session.token}


def install(app: Any) -> None:
    """Answer `CowinError` in CoWIN's shape."""

    async def handler(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, CowinError)  # noqa: S101 - registered for CowinError only
        return error.response()

    app.add_exception_handler(CowinError, handler)
