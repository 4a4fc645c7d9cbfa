"""`/me`: a citizen logs in with mobile + OTP, sees everyone on the mobile, who checked them,
blocks a provider, asks for a correction, and makes a share card. Plain forms, CSRF-protected;
the session token lives only in the signed, HttpOnly session cookie."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from babel.dates import format_date
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kyvs.domain.citizen import parse_dose_number, parse_share_days
from kyvs.domain.errors import ChallengeRequired, DomainError, ShareCardUnavailable
from kyvs.domain.otp import otp_digest
from kyvs.i18n import localized_status, translator
from kyvs.services.citizen import CitizenService
from kyvs.web.deps import client_of, container
from kyvs.web.pages import rights_view
from kyvs.web.pages.language import page_language
from kyvs.web.pages.messages import problem_text, slug_text
from kyvs.web.pages.notice import general_notice
from kyvs.web.pages.otp_screen import otp_screen_context
from kyvs.web.pages.rendering import locale_of, render
from kyvs.web.pages.security import check_csrf, csrf_token, secure_page
from kyvs.web.problem_catalogue import http_status
from kyvs.web.public_urls import public_url

router = APIRouter(prefix="/me", include_in_schema=False)
Field = Annotated[str, Form()]
Optional = Annotated[str | None, Form()]
TOKEN, LOGIN_TXN = "citizen_token", "citizen_login_txn"


def _citizens(request: Request) -> CitizenService:
    return container(request).citizens


def citizen_page(
    request: Request, template: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A citizen's page, with the security headers."""
    return secure_page(render(request, template, status_code=status_code, **context))


def _home() -> RedirectResponse:
    return RedirectResponse("/me", status_code=303)


_NOTICES = {
    "blocked": "The provider is blocked.",
    "correction": "Your correction was sent. An operator will review it.",
    "revoked": "The link is revoked.",
    "channel": "Your choice is saved.",
    "withdrawn": "Your consent is withdrawn. The provider can no longer fetch that result.",
    "grievance": "Your grievance was sent. It will be answered within 90 days.",
}


def notice_redirect(notice: str) -> RedirectResponse:
    """Back to `/me` with a notice of `_NOTICES` by name."""
    # Post/redirect/get: a reload never sends the form again.
    return RedirectResponse(f"/me?notice={notice}", status_code=303)


@router.get("", response_class=HTMLResponse)
async def me(request: Request) -> Response:
    """The citizen's records, or the login form (no text on it comes from the URL: a notice is
    one of `_NOTICES` by name)."""
    return await _records(request)


async def _records(request: Request, *, problem: str | None = None) -> Response:
    """The citizen's records (or the login form), with a problem of kyvs's own."""
    token = request.session.get(TOKEN)
    language = page_language(request)
    words = translator(language)
    notice = request.query_params.get("notice")
    message = words.gettext(_NOTICES[notice]) if notice in _NOTICES else None
    if not isinstance(token, str):
        return citizen_page(
            request, "me/login.html", title=words.gettext("Your vaccination records")
        )
    citizens = _citizens(request)
    try:
        people = await citizens.people(token)
    except DomainError:
        request.session.pop(TOKEN, None)
        return citizen_page(
            request, "me/login.html", title=words.gettext("Your vaccination records")
        )
    names = {
        p.registration.beneficiary.reference_id: p.registration.beneficiary.full_name
        for p in people
    }
    blocked = {(b.beneficiary_ref, b.provider_id) for b in await citizens.blocks(token)}
    now = container(request).clock.now()
    return citizen_page(
        request,
        "me/people.html",
        status_code=400 if problem else 200,
        title=words.gettext("People on your mobile"),
        problem=problem,
        message=message,
        **general_notice(request, language),
        people=[
            {
                "ref": p.registration.beneficiary.reference_id,
                "name": p.registration.beneficiary.full_name,
                "code": int(p.status.code),
                "status_label": localized_status(int(p.status.code), language),
                "precaution": p.status.precaution,
                "precaution_due": _date(p.status.precaution_due_on, language),
                "doses": p.registration.doses,
            }
            for p in people
        ],
        log=await rights_view.log_rows(
            container(request), token, language, names, blocked=blocked, limit=100
        ),
        links=[
            {
                "link_id": link.link_id,
                "url": public_url(request, "shared_status", link_id=link.link_id),
                "person": names.get(link.beneficiary_ref, ""),
                "expires": _date(link.expires_at.date(), language),
                "live": link.live(now),
            }
            for link in await citizens.share_links(token)
        ],
        otp_channel=await citizens.otp_channel(token),
        **await rights_view.context(container(request), token, language, names),
    )


def _date(day: dt.date | None, language: str) -> str | None:
    return format_date(day, "long", locale=locale_of(language)) if day else None


@router.post("/login")
async def login(
    request: Request, mobile_number: Field, csrf: Optional = None, challenge: Optional = None
) -> Response:
    """Send a login OTP (the same answer whether or not the mobile is registered)."""
    check_csrf(request, csrf)
    language = page_language(request)
    try:
        started = await _citizens(request).login.start(
            mobile=mobile_number, language=language, client=client_of(request, challenge)
        )
    except DomainError as error:
        # Asked for a challenge, the page solves it in the background and sends the form again.
        offered = error.challenge if isinstance(error, ChallengeRequired) else None
        return citizen_page(
            request,
            "me/login.html",
            status_code=http_status(error),
            problem=problem_text(error, language),
            title="kyvs",
            challenge=json.dumps(offered) if offered else None,
            mobile=mobile_number if offered else "",
        )
    request.session[LOGIN_TXN] = started.txn_id
    return RedirectResponse("/me/otp", status_code=303)


@router.get("/otp", response_class=HTMLResponse)
async def otp_page(request: Request) -> Response:
    """The OTP screen of a login."""
    return await _otp_screen(request)


async def _otp_screen(
    request: Request,
    *,
    problem: str | None = None,
    status_code: int = 200,
    attempts_left: int | None = None,
    error: DomainError | None = None,
) -> Response:
    """The OTP screen, after `error` when there was one (a challenge it asks for is solved by
    the page in the background before the next OTP or resend is sent)."""
    offered = error.challenge if isinstance(error, ChallengeRequired) else None
    txn_id = request.session.get(LOGIN_TXN)
    if not isinstance(txn_id, str):
        return _home()
    language = page_language(request)
    try:
        screen = await _citizens(request).login.screen(txn_id)
    except DomainError as gone:
        request.session.pop(LOGIN_TXN, None)
        return citizen_page(
            request,
            "me/login.html",
            status_code=400,
            problem=problem_text(gone, language),
            title="kyvs",
        )
    return citizen_page(
        request,
        "me/otp.html",
        status_code=status_code,
        title=translator(language).gettext("Enter the OTP"),
        problem=problem,
        form_token=csrf_token(request),
        **otp_screen_context(
            screen,
            language,
            otp_action="/me/otp",
            resend_action="/me/otp/resend",
            attempts_left=attempts_left,
            challenge=json.dumps(offered) if offered else None,
        ),
    )


@router.post("/otp")
async def confirm(
    request: Request, otp: Field, csrf: Optional = None, challenge: Optional = None
) -> Response:
    """Confirm the login OTP: the session then holds the citizen's token."""
    check_csrf(request, csrf)
    txn_id = request.session.get(LOGIN_TXN)
    if not isinstance(txn_id, str):
        return _home()
    language = page_language(request)
    digits = container(request).otp_engine.clean_otp(otp)
    if digits is None:
        return await _otp_screen(
            request, problem=slug_text("invalid-otp", language), status_code=400
        )
    try:
        session = await _citizens(request).login.confirm(
            txn_id=txn_id, otp_digest=otp_digest(digits), client=client_of(request, challenge)
        )
    except DomainError as error:
        return await _otp_screen(
            request,
            problem=problem_text(error, language),
            status_code=http_status(error),
            attempts_left=getattr(error, "attempts_left", None),
            error=error,
        )
    request.session.pop(LOGIN_TXN, None)
    request.session[TOKEN] = session.token
    return _home()


@router.post("/otp/resend")
async def resend(request: Request, csrf: Optional = None) -> Response:
    """A new login OTP after the cooldown."""
    check_csrf(request, csrf)
    txn_id = request.session.get(LOGIN_TXN)
    if not isinstance(txn_id, str):
        return _home()
    try:
        await _citizens(request).login.resend(txn_id, client_of(request))
    except DomainError as error:
        return await _otp_screen(
            request,
            problem=problem_text(error, page_language(request)),
            status_code=http_status(error),
            error=error,
        )
    return RedirectResponse("/me/otp", status_code=303)


@router.post("/logout")
async def logout(request: Request, csrf: Optional = None) -> Response:
    """End the citizen session."""
    check_csrf(request, csrf)
    request.session.pop(TOKEN, None)
    return _home()


def session_token(request: Request) -> str | None:
    token = request.session.get(TOKEN)
    return token if isinstance(token, str) else None


async def as_citizen(
    request: Request, csrf: str | None, act: Callable[[str], Awaitable[Response]]
) -> Response:
    """Run a logged-in citizen's form: CSRF, the session's token, and any refusal shown on the
    people page in the reader's language (with its real reason)."""
    check_csrf(request, csrf)
    token = session_token(request)
    if token is None:
        return _home()
    try:
        return await act(token)
    except DomainError as error:
        return await _records(request, problem=problem_text(error, page_language(request)))


@router.post("/blocks")
async def block(request: Request, provider_id: Field, csrf: Optional = None) -> Response:
    """Block a provider for everyone on the mobile."""

    async def act(token: str) -> Response:
        await _citizens(request).block(token, provider_id=provider_id, reference_id=None)
        return notice_redirect("blocked")

    return await as_citizen(request, csrf, act)


@router.post("/corrections")
async def correction(
    request: Request,
    reference_id: Field,
    action: Field,
    dose_number: Optional = None,
    vaccine: Optional = None,
    date: Optional = None,
    note: Optional = None,
    csrf: Optional = None,
) -> Response:
    """Send a correction request to the operators."""

    async def act(token: str) -> Response:
        await _citizens(request).raise_correction(
            token,
            reference_id=reference_id,
            action=action,
            dose_number=parse_dose_number(dose_number),
            vaccine=vaccine or None,
            date=date or None,
            kind=None,
            note=note or "",
        )
        return notice_redirect("correction")

    return await as_citizen(request, csrf, act)


@router.post("/share")
async def share(
    request: Request,
    reference_id: Field,
    name_on_card: Field,
    days: Optional = None,
    csrf: Optional = None,
) -> Response:
    """Make a share link and show its card."""

    async def act(token: str) -> Response:
        link = await _citizens(request).share(
            token,
            reference_id=reference_id,
            days=parse_share_days(days),
            name_on_card=name_on_card,
            language=page_language(request),
        )
        return RedirectResponse(f"/me/cards/{link.link_id}", status_code=303)

    return await as_citizen(request, csrf, act)


@router.get("/cards/{link_id}", response_class=HTMLResponse)
async def card(request: Request, link_id: str) -> Response:
    """A share card: preview, download, Web Share."""
    token = session_token(request)
    if token is None:
        return _home()
    language = page_language(request)
    try:
        link = await _citizens(request).own_share_link(token, link_id)
        _, shared = await _citizens(request).public_share(link.link_id)
    except DomainError as error:
        return await _records(request, problem=problem_text(error, language))
    page = public_url(request, "shared_status", link_id=link_id)
    # Where the card cannot be drawn (fonts not installed) the page says so instead of showing a
    # broken picture; the link itself still works.
    drawable = container(request).card_renderer.can_draw(link.language)
    return citizen_page(
        request,
        "me/card.html",
        title=translator(language).gettext("Your share card"),
        page=page,
        square=f"{page}/card.png?size=square" if drawable else None,
        wide=f"{page}/card.png?size=wide" if drawable else None,
        status_label=localized_status(shared["vaccination_status"], language),
        message=None if drawable else slug_text(ShareCardUnavailable.slug, language),
    )


@router.post("/share/{link_id}/revoke")
async def revoke(request: Request, link_id: str, csrf: Optional = None) -> Response:
    """Revoke a share link."""

    async def act(token: str) -> Response:
        await _citizens(request).revoke_share(token, link_id)
        return notice_redirect("revoked")

    return await as_citizen(request, csrf, act)


@router.post("/otp-channel")
async def otp_channel(request: Request, channel: Field, csrf: Optional = None) -> Response:
    """Choose how the mobile's OTPs come: SMS or WhatsApp (offered when the server has it)."""

    async def act(token: str) -> Response:
        await _citizens(request).choose_otp_channel(token, channel)
        return notice_redirect("channel")

    return await as_citizen(request, csrf, act)
