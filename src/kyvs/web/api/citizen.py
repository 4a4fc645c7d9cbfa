"""`/api/v1/citizen/*`: a citizen logs in with mobile + OTP and manages their own records."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from kyvs.domain.errors import SessionInvalid
from kyvs.i18n import negotiate_language
from kyvs.services.citizen import CitizenService, PersonStatus
from kyvs.services.verification import digest_of_plain_otp
from kyvs.web.api.schemas import ConfirmVerification, DoseOut, VerificationStarted, doses_out
from kyvs.web.deps import AnonymousClient, HeaderLanguage, container
from kyvs.web.problems import problem_responses
from kyvs.web.public_urls import public_url

router = APIRouter(prefix="/api/v1/citizen", tags=["citizen"])


async def citizen_service(request: Request) -> CitizenService:
    """The citizen use cases."""
    return container(request).citizens


async def bearer(authorization: Annotated[str | None, Header()] = None) -> str:
    """The session token from `Authorization: Bearer …`."""
    token = (authorization or "").removeprefix("Bearer ").strip()
    if not token:
        raise SessionInvalid("Log in first: send Authorization: Bearer <token>.")
    return token


Citizens = Annotated[CitizenService, Depends(citizen_service)]
Token = Annotated[str, Depends(bearer)]


class CitizenLoginStart(BaseModel):
    """The registered mobile; an OTP goes there if anyone is registered on it."""

    model_config = ConfigDict(extra="forbid")
    mobile_number: str = Field(max_length=20, examples=["9000000001"])
    language: str | None = Field(default=None, max_length=16, examples=["hi"])


class CitizenSessionOut(BaseModel):
    """A short-lived session: send `Authorization: Bearer <token>`."""

    token: str
    expires_at: dt.datetime


class PersonOut(BaseModel):
    """A person on the citizen's mobile with their status."""

    reference_id: str
    name: str
    birth_year: int
    gender: str
    vaccination_status: int
    status: str
    precaution_dose: bool
    precaution_due_on: dt.date | None
    doses: list[DoseOut]


class BlockIn(BaseModel):
    """Block a provider for one person, or for everyone on the mobile."""

    model_config = ConfigDict(extra="forbid")
    provider_id: str = Field(max_length=32, examples=["prv_0123456789abcdef"])
    reference_id: str | None = Field(default=None, max_length=14)


class BlockOut(BaseModel):
    """A block in force."""

    reference_id: str
    provider_id: str
    created_at: dt.datetime


class CorrectionIn(BaseModel):
    """A dose event to add, change or remove; an operator decides."""

    model_config = ConfigDict(extra="forbid")
    reference_id: str = Field(max_length=14)
    action: Literal["add-dose", "change-dose", "remove-dose"]
    dose_number: int | None = Field(default=None, ge=1, le=9)
    vaccine: str | None = Field(default=None, max_length=40, examples=["COVISHIELD"])
    date: str | None = Field(default=None, max_length=10, examples=["2021-08-01"])
    kind: Literal["primary", "precaution"] | None = None
    note: str = Field(default="", max_length=500)


class CorrectionOut(BaseModel):
    """A correction and its decision."""

    correction_id: str
    reference_id: str
    action: str
    status: Literal["open", "accepted", "rejected"]
    note: str
    created_at: dt.datetime
    decision_note: str | None


class ShareIn(BaseModel):
    """A public status link for a share card."""

    model_config = ConfigDict(extra="forbid")
    reference_id: str = Field(max_length=14)
    days: int = Field(default=30, ge=1, le=365)
    name_on_card: Literal["full", "initials", "hidden"] = "initials"
    language: str | None = Field(default=None, max_length=16)


class ShareOut(BaseModel):
    """A share link: its public page and its card images."""

    link_id: str
    reference_id: str
    url: str
    card_square: str
    card_wide: str
    expires_at: dt.datetime
    revoked: bool


class Challenge(BaseModel):
    """A proof-of-work challenge in ALTCHA's format: find `number` in 0..`maxNumber` with
    SHA-256(`salt` + number) = `challenge`, then send base64 of the JSON `{algorithm,
    challenge, number, salt, signature}` in the `Kyvs-Challenge` header. Good once, until
    the `expires` its salt names."""

    model_config = ConfigDict(populate_by_name=True)

    algorithm: Literal["SHA-256"]
    challenge: str
    maxNumber: int  # noqa: N815 - ALTCHA's field name
    salt: str
    signature: str


@router.get(
    "/challenge",
    summary="A proof-of-work challenge for the anonymous login calls",
    responses=problem_responses(503),
)
async def login_challenge(request: Request) -> Challenge:
    """For a client that prefers to fetch one ahead; a `403 challenge-required` answer carries
    one too (the pages solve that one and send the form again by themselves)."""
    wired = container(request)
    return Challenge.model_validate(wired.login_guard.challenge(wired.clock.now()))


@router.post(
    "/login",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send a login OTP to the registered mobile",
    responses=problem_responses(400, 403, 422, 429, 503),
)
async def citizen_login(
    body: CitizenLoginStart, citizens: Citizens, lang: HeaderLanguage, client: AnonymousClient
) -> VerificationStarted:
    """The same answer whether or not the mobile is registered. Once a client or a mobile
    asks for many, the answer is `403 challenge-required` with a `challenge` to solve; send
    the solution in the `Kyvs-Challenge` header (see `GET /api/v1/citizen/challenge`)."""
    started = await citizens.login.start(
        mobile=body.mobile_number,
        language=negotiate_language(body.language) if body.language else lang,
        client=client,
    )
    return VerificationStarted(
        txn_id=started.txn_id,
        expires_at=started.expires_at,
        otp_length=started.otp_length,
        resend_after_s=started.resend_after_s,
    )


@router.post(
    "/login/{txn_id}/confirm",
    summary="Confirm the login OTP: a session token",
    responses=problem_responses(400, 403, 404, 409, 410, 429),
)
async def citizen_login_confirm(
    txn_id: str, body: ConfirmVerification, citizens: Citizens, client: AnonymousClient
) -> CitizenSessionOut:
    """A session of 15 minutes. While wrong OTPs surge service-wide, a check needs a solved
    challenge (`403 challenge-required`, as for a start)."""
    session = await citizens.login.confirm(
        txn_id=txn_id, otp_digest=digest_of_plain_otp(body.otp), client=client
    )
    return CitizenSessionOut(token=session.token, expires_at=session.expires_at)


def _person(found: PersonStatus) -> PersonOut:
    person = found.registration.beneficiary
    return PersonOut(
        reference_id=person.reference_id,
        name=person.full_name,
        birth_year=person.birth_year,
        gender=person.gender.value,
        vaccination_status=int(found.status.code),
        status=found.status.code.name,
        precaution_dose=found.status.precaution,
        precaution_due_on=found.status.precaution_due_on,
        doses=doses_out(found.registration.doses),
    )


@router.get("/beneficiaries", summary="Everyone on my mobile", responses=problem_responses(401))
async def beneficiaries(citizens: Citizens, token: Token) -> list[PersonOut]:
    """Status, doses and when a precaution dose becomes due, for each person."""
    return [_person(p) for p in await citizens.people(token)]


@router.get("/blocks", summary="Providers we blocked", responses=problem_responses(401))
async def list_blocks(citizens: Citizens, token: Token) -> list[BlockOut]:
    """The blocks in force."""
    return [
        BlockOut(reference_id=b.beneficiary_ref, provider_id=b.provider_id, created_at=b.created_at)
        for b in await citizens.blocks(token)
    ]


@router.post(
    "/blocks",
    status_code=status.HTTP_201_CREATED,
    summary="Block a provider",
    responses=problem_responses(400, 401, 404, 422),
)
async def add_block(body: BlockIn, citizens: Citizens, token: Token) -> list[BlockOut]:
    """The provider then gets exactly what an unmatched name/mobile pair gets."""
    added = await citizens.block(
        token, provider_id=body.provider_id, reference_id=body.reference_id
    )
    return [
        BlockOut(reference_id=b.beneficiary_ref, provider_id=b.provider_id, created_at=b.created_at)
        for b in added
    ]


@router.delete(
    "/blocks/{provider_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Lift a block",
    responses=problem_responses(401, 404),
)
async def remove_block(
    provider_id: str,
    citizens: Citizens,
    token: Token,
    reference_id: Annotated[str | None, Query(max_length=14)] = None,
) -> Response:
    """For one person, or everyone on the mobile."""
    await citizens.unblock(token, provider_id=provider_id, reference_id=reference_id)
    return Response(status_code=204)


def _correction(c: Any) -> CorrectionOut:
    return CorrectionOut(
        correction_id=c.correction_id,
        reference_id=c.beneficiary_ref,
        action=c.action.value,
        status=c.status.value,
        note=c.note,
        created_at=c.created_at,
        decision_note=c.decision_note,
    )


@router.get("/corrections", summary="Our correction requests", responses=problem_responses(401))
async def list_corrections(citizens: Citizens, token: Token) -> list[CorrectionOut]:
    """Open and decided corrections."""
    return [_correction(c) for c in await citizens.corrections(token)]


@router.post(
    "/corrections",
    status_code=status.HTTP_201_CREATED,
    summary="Ask for a status correction",
    responses=problem_responses(400, 401, 404, 422),
)
async def raise_correction(body: CorrectionIn, citizens: Citizens, token: Token) -> CorrectionOut:
    """An operator reviews it (`kyvs corrections list|accept|reject`)."""
    correction = await citizens.raise_correction(
        token,
        reference_id=body.reference_id,
        action=body.action,
        dose_number=body.dose_number,
        vaccine=body.vaccine,
        date=body.date,
        kind=body.kind,
        note=body.note,
    )
    return _correction(correction)


def share_out(request: Request, link: Any, now: dt.datetime) -> ShareOut:
    """A share link as the API shows it."""
    page = public_url(request, "shared_status", link_id=link.link_id)
    return ShareOut(
        link_id=link.link_id,
        reference_id=link.beneficiary_ref,
        url=page,
        card_square=f"{page}/card.png?size=square",
        card_wide=f"{page}/card.png?size=wide",
        expires_at=link.expires_at,
        revoked=not link.live(now),
    )


@router.get("/share-links", summary="Our share links", responses=problem_responses(401))
async def list_share_links(citizens: Citizens, token: Token, request: Request) -> list[ShareOut]:
    """Live, expired and revoked links."""
    now = container(request).clock.now()
    return [share_out(request, link, now) for link in await citizens.share_links(token)]


@router.post(
    "/share-links",
    status_code=status.HTTP_201_CREATED,
    summary="Make a public status link and share card",
    responses=problem_responses(400, 401, 404, 422),
)
async def create_share_link(
    body: ShareIn, citizens: Citizens, token: Token, request: Request, lang: HeaderLanguage
) -> ShareOut:
    """The card's QR opens the link's page until it expires or is revoked."""
    link = await citizens.share(
        token,
        reference_id=body.reference_id,
        days=body.days,
        name_on_card=body.name_on_card,
        language=negotiate_language(body.language) if body.language else lang,
    )
    return share_out(request, link, container(request).clock.now())


@router.delete(
    "/share-links/{link_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a share link",
    responses=problem_responses(401, 404),
)
async def revoke_share_link(link_id: str, citizens: Citizens, token: Token) -> Response:
    """Its page then says the link is no longer valid."""
    await citizens.revoke_share(token, link_id)
    return Response(status_code=204)


class OtpChannelIn(BaseModel):
    """How the mobile's OTPs come from now on."""

    model_config = ConfigDict(extra="forbid")
    channel: Literal["sms", "whatsapp"]


class OtpChannelOut(BaseModel):
    """How the mobile's OTPs come, and the channels this server offers."""

    channel: Literal["sms", "whatsapp"]
    offered: list[Literal["sms", "whatsapp"]]


def _channel_out(channel: str | None) -> OtpChannelOut:
    offered: list[Literal["sms", "whatsapp"]] = ["sms"] if channel is None else ["sms", "whatsapp"]
    return OtpChannelOut(channel="whatsapp" if channel == "whatsapp" else "sms", offered=offered)


@router.get("/otp-channel", summary="How our OTPs come", responses=problem_responses(401))
async def get_otp_channel(citizens: Citizens, token: Token) -> OtpChannelOut:
    """SMS, or WhatsApp where the server offers it (`offered`)."""
    return _channel_out(await citizens.otp_channel(token))


@router.put(
    "/otp-channel",
    summary="Choose how our OTPs come",
    responses=problem_responses(400, 401, 422),
)
async def put_otp_channel(body: OtpChannelIn, citizens: Citizens, token: Token) -> OtpChannelOut:
    """WhatsApp first (SMS when WhatsApp surely did not take an OTP), or SMS only."""
    await citizens.choose_otp_channel(token, body.channel)
    return _channel_out(await citizens.otp_channel(token))
