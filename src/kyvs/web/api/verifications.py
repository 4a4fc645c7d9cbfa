"""`/api/v1/verifications`: start, confirm, resend, state."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from kyvs.i18n import negotiate_language
from kyvs.services.verification import digest_of_plain_otp
from kyvs.web.api.schemas import (
    ConfirmVerification,
    StartVerification,
    VerificationResult,
    VerificationStarted,
    VerificationState,
)
from kyvs.web.deps import CurrentProvider, HeaderLanguage, VerifierDep
from kyvs.web.pages.messages import sms_notice
from kyvs.web.problems import problem_responses

router = APIRouter(prefix="/api/v1/verifications", tags=["verification"])


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Start a verification: an OTP goes to the person's mobile",
    responses=problem_responses(400, 401, 403, 422, 429, 503),
)
async def start_verification(
    body: StartVerification, provider: CurrentProvider, verifier: VerifierDep, lang: HeaderLanguage
) -> VerificationStarted:
    """Always `202` with the same shape and timing, whether or not the name/mobile pair exists.

    `503 sms-unavailable` with `Retry-After` while SMS delivery is failing (for every pair
    alike): no txn is created and no limit is counted."""
    started = await verifier.start(
        provider=provider,
        full_name=body.full_name,
        mobile=body.mobile_number,
        purpose=body.purpose,
        language=negotiate_language(body.language) if body.language else lang,
    )
    return VerificationStarted(
        txn_id=started.txn_id,
        expires_at=started.expires_at,
        otp_length=started.otp_length,
        resend_after_s=started.resend_after_s,
    )


@router.post(
    "/{txn_id}/confirm",
    summary="Confirm with the OTP: the status and what the provider's scopes allow",
    responses=problem_responses(400, 401, 403, 404, 409, 410, 422, 429),
    response_model_exclude_none=True,
)
async def confirm_verification(
    txn_id: str, body: ConfirmVerification, provider: CurrentProvider, verifier: VerifierDep
) -> VerificationResult:
    """A wrong OTP and a name/mobile pair that matched nobody give the same `400 invalid-otp`."""
    result: dict[str, Any] = await verifier.confirm(
        provider=provider,
        txn_id=txn_id,
        otp_digest=digest_of_plain_otp(body.otp),
        channel="api",
    )
    return VerificationResult.model_validate(result)


@router.post(
    "/{txn_id}/resend",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send a fresh OTP after the cooldown",
    responses=problem_responses(401, 403, 404, 409, 410, 429, 503),
)
async def resend_otp(
    txn_id: str, provider: CurrentProvider, verifier: VerifierDep
) -> VerificationStarted:
    """The new OTP replaces the old one; `429` with `Retry-After` while cooling down;
    `503 sms-unavailable` with `Retry-After` while SMS delivery is failing."""
    started = await verifier.resend(provider=provider, txn_id=txn_id)
    return VerificationStarted(
        txn_id=started.txn_id,
        expires_at=started.expires_at,
        otp_length=started.otp_length,
        resend_after_s=started.resend_after_s,
    )


@router.get(
    "/{txn_id}",
    summary="The state of a verification",
    responses=problem_responses(401, 403, 404),
)
async def verification_state(
    txn_id: str, provider: CurrentProvider, verifier: VerifierDep, lang: HeaderLanguage
) -> VerificationState:
    """`pending`, `verified`, `expired` or `locked`; no personal data. `sms_failing` and a
    `notice` tell when SMS delivery failed while the txn was open (never whether this txn's
    own SMS went out: that would say whether the pair matched)."""
    _, state = await verifier.state(provider=provider, txn_id=txn_id)
    screen = await verifier.screen(provider=provider, txn_id=txn_id)
    return VerificationState(
        txn_id=screen.txn_id,
        state=state.value,
        expires_at=screen.expires_at,
        attempts_left=screen.attempts_left,
        resends_left=screen.resends_left,
        sms_failing=screen.sms_failing,
        notice=sms_notice(lang) if screen.sms_failing else None,
    )
