"""`/api/v1/citizen/*` rights (DPDP Act 2023 ss.11-13): the access log with its consents, the
export of everything, erasure, withdrawal of a standing consent, and grievances."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from kyvs.services.rights import CitizenRights
from kyvs.web.api.citizen import ShareOut, Token, share_out
from kyvs.web.api.rights_schemas import (
    AccessEntryOut,
    ErasureOut,
    ExportOut,
    GrievanceIn,
    GrievanceOut,
    access_entry_out,
    erasure_out,
    export_out,
    grievance_out,
)
from kyvs.web.deps import HeaderLanguage, container
from kyvs.web.pages.rights_texts import retention_days
from kyvs.web.problems import problem_responses
from kyvs.web.public_urls import public_url

router = APIRouter(prefix="/api/v1/citizen", tags=["citizen"])
CORRECTIONS = "/api/v1/citizen/corrections"


async def citizen_rights(request: Request) -> CitizenRights:
    """The citizen's rights use cases."""
    return container(request).citizen_rights


Rights = Annotated[CitizenRights, Depends(citizen_rights)]


def _now(request: Request) -> dt.datetime:
    return container(request).clock.now()


def kept_days(request: Request) -> dict[str, int]:
    """The retention periods in force that the rights' texts name."""
    return retention_days(container(request).settings.retention_policy)


@router.get("/access-log", summary="Who checked us", responses=problem_responses(401))
async def access_log(rights: Rights, token: Token, request: Request) -> list[AccessEntryOut]:
    """Every request, disclosure and lock, newest first (the latest 200; the export holds
    all); a disclosure names its consent and whether it stands, expired or was withdrawn."""
    now = _now(request)
    return [access_entry_out(a, now) for a in await rights.access_log(token, 200)]


@router.get(
    "/export",
    summary="Download everything kyvs holds about us",
    responses=problem_responses(401),
)
async def export(rights: Rights, token: Token, request: Request, lang: HeaderLanguage) -> Response:
    """One JSON document (an attachment): for each person the registry record (reference and
    photo-ID numbers masked), doses and status, every access-log line (each disclosure with
    exactly the fields disclosed and its signed consent record), blocks, share links and
    corrections; the mobile's grievances and OTP channel; and, for each part, what it holds
    and how long it is kept (in the `Accept-Language`)."""
    document = export_out(
        await rights.export(token),
        language=lang,
        url_of=lambda link_id: public_url(request, "shared_status", link_id=link_id),
        days=kept_days(request),
    )
    return export_response(document)


def export_response(document: ExportOut) -> Response:
    """The export as a JSON download named by its day."""
    day = document.generated_at.date().isoformat()
    return Response(
        document.model_dump_json(indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="kyvs-my-data-{day}.json"',
            "Cache-Control": "no-store",
        },
    )


class ErasureIn(BaseModel):
    """Erase now; blocks are kept unless `lift_blocks` (they protect you)."""

    model_config = ConfigDict(extra="forbid")
    lift_blocks: bool = False


@router.post(
    "/erasure",
    summary="Erase what kyvs may erase about us",
    responses=problem_responses(400, 401, 422),
)
async def erasure(
    rights: Rights,
    token: Token,
    request: Request,
    lang: HeaderLanguage,
    body: ErasureIn | None = None,
) -> ErasureOut:
    """Deletes share links (their pages answer 404), the OTP channel choice and the stored
    results of our verifications and hosted checks (their standing consents are withdrawn);
    blocks only with `lift_blocks`. The answer lists what was erased and what is kept and why:
    the registry record is the ministry's (ask for a correction), the access log and consent
    records are kept a year. Erasing again erases nothing more."""
    report = await rights.erase(token, lift_blocks=bool(body and body.lift_blocks))
    return erasure_out(
        report,
        at=_now(request),
        language=lang,
        correction_route=CORRECTIONS,
        days=kept_days(request),
    )


class StandingConsentOut(BaseModel):
    """A disclosure whose consent still stands: the provider may fetch its result until
    `expires_at`, unless it is withdrawn."""

    consent_id: str
    reference_id: str
    provider_id: str
    provider_name: str
    purpose: str
    disclosed_fields: list[str]
    given_at: dt.datetime
    expires_at: dt.datetime


class ConsentsOut(BaseModel):
    """What others may still use: live share links (revoke them) and standing disclosures
    (withdraw them)."""

    share_links: list[ShareOut]
    disclosures: list[StandingConsentOut]


@router.get("/consents", summary="Our standing consents", responses=problem_responses(401))
async def consents(rights: Rights, token: Token, request: Request) -> ConsentsOut:
    """Live share links (`DELETE /share-links/{link_id}` revokes one) and disclosures whose
    consent has not expired (`POST /consents/{consent_id}/withdraw`)."""
    standing, now = await rights.consents(token), _now(request)
    disclosures = []
    for logged in standing.disclosures:
        record = logged.consent
        assert record is not None  # noqa: S101 - a standing consent has its record
        disclosures.append(
            StandingConsentOut(
                consent_id=record.consent_id,
                reference_id=record.beneficiary_ref,
                provider_id=record.provider_id,
                provider_name=record.provider_name,
                purpose=record.purpose,
                disclosed_fields=list(record.fields),
                given_at=record.given_at,
                expires_at=record.expires_at,
            )
        )
    links = [share_out(request, link, now) for link in standing.share_links]
    return ConsentsOut(share_links=links, disclosures=disclosures)


class WithdrawalOut(BaseModel):
    """A withdrawn consent: the provider's later fetches of its result are refused
    (`410 consent-withdrawn`)."""

    consent_id: str
    reference_id: str
    withdrawn_at: dt.datetime


@router.post(
    "/consents/{consent_id}/withdraw",
    summary="Withdraw a consent",
    responses=problem_responses(401, 404),
)
async def withdraw(consent_id: str, rights: Rights, token: Token) -> WithdrawalOut:
    """From now on the provider's fetches of that result (the hosted session's, the CoWIN
    status call) are refused. Withdrawing again keeps the first time; a consent of anyone
    not on our mobile is `404 consent-not-found`."""
    done = await rights.withdraw(token, consent_id)
    return WithdrawalOut(
        consent_id=done.consent_id,
        reference_id=done.beneficiary_ref,
        withdrawn_at=done.withdrawn_at,
    )


@router.get("/grievances", summary="Our grievances", responses=problem_responses(401))
async def list_grievances(rights: Rights, token: Token) -> list[GrievanceOut]:
    """Newest first, each with its due date and, once answered, the answer."""
    return [grievance_out(g) for g in await rights.grievances(token)]


@router.post(
    "/grievances",
    status_code=status.HTTP_201_CREATED,
    summary="Raise a grievance",
    responses=problem_responses(400, 401, 404, 422),
)
async def file_grievance(body: GrievanceIn, rights: Rights, token: Token) -> GrievanceOut:
    """`subject` is disclosure, correction, erasure or other; `text` 1 to 2000 characters
    (`400 invalid-input` otherwise); `reference`, when given, a consent id or txn id of our
    access log (`404 consent-not-found` otherwise). An operator answers within 90 days
    (`kyvs grievances answer`)."""
    filed = await rights.file_grievance(
        token, subject=body.subject, text=body.text, reference=body.reference
    )
    return grievance_out(filed)
