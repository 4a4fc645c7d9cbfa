"""`/console`: provider staff log in, enter name + mobile + purpose, type the OTP, see the result.

Plain HTML forms (JavaScript only adds a countdown and auto-submit); names and mobiles travel
only in POST bodies, never in URLs; every form carries the session's CSRF token.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kyvs.domain.errors import DomainError, RateLimited, SmsUnavailable
from kyvs.domain.otp import otp_digest
from kyvs.domain.providers import Provider
from kyvs.domain.verification import TxnState
from kyvs.i18n import SUPPORTED_LANGUAGES, localized_status, translator
from kyvs.services.staff_login import StaffSession, normalised_username
from kyvs.web.deps import client_of, container
from kyvs.web.pages.language import page_language
from kyvs.web.pages.messages import problem_text, slug_text
from kyvs.web.pages.notice import provider_notice
from kyvs.web.pages.otp_screen import otp_screen_context
from kyvs.web.pages.rendering import render
from kyvs.web.pages.security import check_csrf, csrf_token, secure_page
from kyvs.web.problem_catalogue import http_status

router = APIRouter(prefix="/console", include_in_schema=False)
Field = Annotated[str, Form()]
OptionalField = Annotated[str | None, Form()]
# The session's keys: who logged in, and their account's session version at the time.
STAFF = "staff"
STAFF_VERSION = "staff_version"


def _page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return secure_page(render(request, template, status_code=status_code, **context))


async def _staff_provider(request: Request) -> Provider | None:
    """The logged-in staff member's provider, their account re-read on every request: the
    session ends as soon as the account is disabled or given a new password, or the provider is
    suspended."""
    username = request.session.get(STAFF)
    if not isinstance(username, str):
        return None
    version = request.session.get(STAFF_VERSION)
    provider = (
        await container(request).staff_login.provider_of(StaffSession(username, version))
        if isinstance(version, int)
        else None
    )
    if provider is None:
        request.session.clear()
    return provider


def _to_login() -> RedirectResponse:
    return RedirectResponse("/console", status_code=303)


@router.get("", response_class=HTMLResponse)
async def console_home(request: Request) -> Response:
    """The check form, or the login form."""
    provider = await _staff_provider(request)
    if provider is None:
        return _page(
            request,
            "console/login.html",
            title=translator(page_language(request)).gettext("Provider console"),
        )
    return _verify_form(request, provider)


def _verify_form(
    request: Request, provider: Provider, *, problem: str | None = None, **values: Any
) -> HTMLResponse:
    words = translator(page_language(request))
    purposes_catalogue = container(request).access.purposes
    purposes = [
        (code, words.gettext(purposes_catalogue[code].label)) for code in sorted(provider.purposes)
    ]
    return _page(
        request,
        "console/verify.html",
        status_code=400 if problem else 200,
        title=words.gettext("Check a vaccination status"),
        provider=provider,
        username=request.session.get(STAFF),
        purposes=purposes,
        problem=problem,
        **values,
    )


@router.post("/login")
async def login(
    request: Request, username: Field, password: Field, csrf: OptionalField = None
) -> Response:
    """Check a staff login (argon2id, in a worker thread) and start a session."""
    check_csrf(request, csrf)
    language = page_language(request)
    account = await container(request).staff_login.login(username, password, client_of(request))
    if account is None:
        words = translator(language)
        return _page(
            request,
            "console/login.html",
            status_code=401,
            title=words.gettext("Provider console"),
            username=normalised_username(username),
            problem=words.gettext("Wrong username or password."),
        )
    request.session.clear()
    request.session.update({STAFF: account.username, STAFF_VERSION: account.session_version})
    csrf_token(request)
    return _to_login()


@router.post("/logout")
async def logout(request: Request, csrf: OptionalField = None) -> Response:
    """End the staff session."""
    check_csrf(request, csrf)
    request.session.clear()
    return _to_login()


@router.post("/checks")
async def start_check(
    request: Request,
    full_name: Field,
    mobile_number: Field,
    purpose: Field,
    sms_language: OptionalField = None,
    csrf: OptionalField = None,
) -> Response:
    """Start a verification; the OTP screen follows."""
    check_csrf(request, csrf)
    provider = await _staff_provider(request)
    if provider is None:
        return _to_login()
    language = sms_language if sms_language in SUPPORTED_LANGUAGES else page_language(request)
    try:
        started = await container(request).verifier.start(
            provider=provider,
            full_name=full_name,
            mobile=mobile_number,
            purpose=purpose,
            language=language,
        )
    except DomainError as error:
        return _verify_form(
            request,
            provider,
            problem=problem_text(error, page_language(request)),
            full_name=full_name,
            mobile_number=mobile_number,
        )
    return RedirectResponse(f"/console/checks/{started.txn_id}", status_code=303)


@router.get("/checks/{txn_id}", response_class=HTMLResponse)
async def check_page(request: Request, txn_id: str) -> Response:
    """The OTP screen while pending; the result once verified."""
    provider = await _staff_provider(request)
    if provider is None:
        return _to_login()
    return await _check_view(request, provider, txn_id)


async def _check_view(
    request: Request,
    provider: Provider,
    txn_id: str,
    *,
    problem: str | None = None,
    message: str | None = None,
    attempts_left: int | None = None,
    status_code: int = 200,
) -> Response:
    verifier = container(request).verifier
    language = page_language(request)
    try:
        txn, state = await verifier.state(provider=provider, txn_id=txn_id)
    except DomainError as error:
        return _verify_form(request, provider, problem=problem_text(error, language))
    if state is TxnState.VERIFIED:
        result = await verifier.verified_result(provider=provider, txn_id=txn_id)
        verified_at = dt.datetime.fromisoformat(result["verified_at"].replace("Z", "+00:00"))
        return _page(
            request,
            "console/result.html",
            title=result["status_text"],
            provider=provider,
            result=result,
            status_label=localized_status(result["vaccination_status"], language),
            verified_at=verified_at,
        )
    if state is not TxnState.PENDING:
        slug = "otp-expired" if state is TxnState.EXPIRED else "too-many-attempts"
        return _verify_form(request, provider, problem=slug_text(slug, language))
    screen = await verifier.screen(provider=provider, txn_id=txn_id)
    return _page(
        request,
        "console/otp.html",
        status_code=status_code,
        title=translator(language).gettext("Enter the OTP"),
        provider=provider,
        problem=problem,
        message=message,
        form_token=csrf_token(request),
        **otp_screen_context(
            screen,
            language,
            otp_action=f"/console/checks/{txn_id}/otp",
            resend_action=f"/console/checks/{txn_id}/resend",
            attempts_left=attempts_left,
        ),
        # In the language of the person's SMS: they read it at the counter before the OTP.
        **provider_notice(
            request, language=txn.language, scopes=provider.scopes, purpose=txn.purpose
        ),
    )


@router.post("/checks/{txn_id}/otp")
async def confirm_check(
    request: Request, txn_id: str, otp: Field, csrf: OptionalField = None
) -> Response:
    """Confirm the OTP the person gave."""
    check_csrf(request, csrf)
    provider = await _staff_provider(request)
    if provider is None:
        return _to_login()
    c = container(request)
    digits = c.otp_engine.clean_otp(otp)
    if digits is None:
        language = page_language(request)
        return await _check_view(
            request, provider, txn_id, problem=slug_text("invalid-otp", language), status_code=400
        )
    try:
        await c.verifier.confirm(
            provider=provider, txn_id=txn_id, otp_digest=otp_digest(digits), channel="console"
        )
    except DomainError as error:
        attempts = getattr(error, "attempts_left", None)
        return await _check_view(
            request,
            provider,
            txn_id,
            problem=problem_text(error, page_language(request)),
            attempts_left=attempts,
            status_code=400,
        )
    return RedirectResponse(f"/console/checks/{txn_id}", status_code=303)


@router.post("/checks/{txn_id}/resend")
async def resend_check(request: Request, txn_id: str, csrf: OptionalField = None) -> Response:
    """Send a new OTP once the cooldown is over."""
    check_csrf(request, csrf)
    provider = await _staff_provider(request)
    if provider is None:
        return _to_login()
    language = page_language(request)
    try:
        await container(request).verifier.resend(provider=provider, txn_id=txn_id)
    except (RateLimited, SmsUnavailable) as error:
        problem = problem_text(error, language)
        return await _check_view(
            request, provider, txn_id, problem=problem, status_code=http_status(error)
        )
    except DomainError as error:
        return _verify_form(request, provider, problem=problem_text(error, language))
    sent = translator(language).gettext("A new OTP was sent.")
    return await _check_view(request, provider, txn_id, message=sent)


@router.get("/history", response_class=HTMLResponse)
async def history(request: Request) -> Response:
    """The provider's recent checks, showing only what each check disclosed."""
    provider = await _staff_provider(request)
    if provider is None:
        return _to_login()
    c = container(request)
    language = page_language(request)
    words = translator(language)
    now = c.clock.now()
    checks = []
    for txn in await c.verifier.recent(provider, 50):
        result: dict[str, Any] = json.loads(txn.result) if txn.result else {}
        state = txn.state_at(now)
        # In the page's language, not the one the check was made in.
        outcome = (
            localized_status(result["vaccination_status"], language)
            if "vaccination_status" in result
            else words.gettext(_STATE_TEXT[state])
        )
        checks.append(
            {
                "created_at": txn.created_at,
                "purpose": words.gettext(c.access.purposes[txn.purpose].label)
                if txn.purpose in c.access.purposes
                else txn.purpose,
                "outcome": outcome,
                "name": (result.get("beneficiary") or {}).get("name"),
            }
        )
    return _page(
        request,
        "console/history.html",
        title=words.gettext("Recent checks"),
        provider=provider,
        checks=checks,
    )


_STATE_TEXT = {
    TxnState.PENDING: "Waiting for the OTP",
    TxnState.VERIFIED: "Verified",
    TxnState.EXPIRED: "Not completed (expired)",
    TxnState.LOCKED: "Not completed (wrong OTPs)",
}
