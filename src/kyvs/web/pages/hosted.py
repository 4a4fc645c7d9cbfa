"""`/hosted/{session_id}`: the website flow the person's browser runs, then goes back.

The session id in the path is the capability the provider's server handed to this browser,
and each form carries a token derived from it; the first start binds the session to this
browser's cookie (`hosted_browser`), and the result page shows the signed result once. The flow
also works inside the provider's iframe (the `?embed=1` variant, framable only by the
provider's allowed origins).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kyvs.domain.errors import DomainError, InvalidOtp
from kyvs.domain.hosted import HostedSession, HostedSessionExhausted, HostedStep
from kyvs.domain.providers import Provider
from kyvs.i18n import SUPPORTED_LANGUAGES, localized_status, normalise_language, translator
from kyvs.services.hosted import HostedFlow, HostedView
from kyvs.web.deps import container
from kyvs.web.pages.hosted_browser import browser_secret, keep_browser
from kyvs.web.pages.language import COOKIE
from kyvs.web.pages.messages import problem_text, slug_text
from kyvs.web.pages.notice import provider_notice
from kyvs.web.pages.otp_screen import otp_screen_context
from kyvs.web.pages.rendering import render
from kyvs.web.pages.security import CsrfFailed, secure_page
from kyvs.web.problem_catalogue import http_status

router = APIRouter(prefix="/hosted", include_in_schema=False)
OptionalField = Annotated[str | None, Form()]


def _flow(request: Request) -> HostedFlow:
    return container(request).hosted_flow


def _form_token(request: Request, session_id: str) -> str:
    key = container(request).secret_keys.tokens
    return hmac.new(key, f"hosted-form:{session_id}".encode(), hashlib.sha256).hexdigest()


def _check_form(request: Request, session_id: str, submitted: str | None) -> None:
    if not submitted or not hmac.compare_digest(_form_token(request, session_id), submitted):
        raise CsrfFailed("This form has expired; please reload the page.")


def _embedded(request: Request) -> bool:
    return request.query_params.get("embed") == "1"


def _language(request: Request, session: HostedSession) -> str:
    """The language the person picked with the switcher, else the one the provider asked for."""
    chosen = normalise_language(request.cookies.get(COOKIE))
    return chosen if chosen in SUPPORTED_LANGUAGES else session.language


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _page(
    request: Request,
    session: HostedSession,
    provider: Provider,
    template: str,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    embed = _embedded(request)
    base = f"/hosted/{session.session_id}"
    response = render(
        request,
        template,
        status_code=status_code,
        language=_language(request, session),
        title=provider.name,
        provider=provider,
        embed=embed,
        base=base,
        q="?embed=1" if embed else "",
        form_token=_form_token(request, session.session_id),
        **context,
    )
    return secure_page(
        response,
        frame_ancestors=provider.embed_origins if embed else (),
        form_targets=(_origin(session.return_url),),
    )


def _notice(request: Request, session: HostedSession, provider: Provider) -> dict[str, Any]:
    """The privacy notice of this check: the provider's scopes and the session's purpose."""
    return provider_notice(
        request,
        language=_language(request, session),
        scopes=provider.scopes,
        purpose=session.purpose,
    )


def _gone(request: Request) -> HTMLResponse:
    return secure_page(render(request, "hosted/gone.html", status_code=404, title="kyvs"))


@router.get("/{session_id}", response_class=HTMLResponse, name="hosted_page")
async def hosted_page(request: Request, session_id: str) -> Response:
    """The screen for the session's step: details, OTP, or the result on its way back."""
    return keep_browser(request, await _show(request, session_id), embedded=_embedded(request))


async def _show(
    request: Request, session_id: str, problem: str | None = None, status_code: int = 200
) -> Response:
    try:
        view = await _flow(request).view(session_id, browser=browser_secret(request))
    except DomainError:
        return _gone(request)
    session, provider = view.session, view.provider
    words = translator(_language(request, session))
    if session.step is HostedStep.DETAILS:
        purpose = container(request).access.purposes.get(session.purpose)
        label = words.gettext(purpose.label) if purpose else session.purpose
        return _page(
            request,
            session,
            provider,
            "hosted/details.html",
            status_code,
            purpose_label=label,
            problem=problem or _exhausted(session, words.language),
            starts_left=session.starts_left,
            **_notice(request, session, provider),
        )
    if session.step is HostedStep.OTP:
        return await _otp_page(request, session, provider, problem=problem, status_code=status_code)
    return await _done_page(request, view)


async def _otp_page(
    request: Request,
    session: HostedSession,
    provider: Provider,
    *,
    problem: str | None,
    status_code: int,
    attempts_left: int | None = None,
) -> HTMLResponse:
    assert session.txn_id is not None  # noqa: S101 - the OTP step has a txn
    screen = await container(request).verifier.screen(provider=provider, txn_id=session.txn_id)
    base = f"/hosted/{session.session_id}"
    q = "?embed=1" if _embedded(request) else ""
    return _page(
        request,
        session,
        provider,
        "hosted/otp.html",
        status_code,
        problem=problem,
        **_notice(request, session, provider),
        **otp_screen_context(
            screen,
            _language(request, session),
            otp_action=f"{base}/otp{q}",
            resend_action=f"{base}/resend{q}",
            attempts_left=attempts_left,
        ),
    )


async def _done_page(request: Request, view: HostedView) -> HTMLResponse:
    """The result, once, with the form that takes it back; later only that it was sent."""
    session, provider = view.session, view.provider
    if not view.shows_result:
        return _page(request, session, provider, "hosted/sent.html")
    verifier = container(request).verifier
    assert session.txn_id is not None  # noqa: S101 - a finished session has a txn
    result = await verifier.verified_result(provider=provider, txn_id=session.txn_id)
    verified_at = dt.datetime.fromisoformat(result["verified_at"].replace("Z", "+00:00"))
    return _page(
        request,
        session,
        provider,
        "hosted/done.html",
        result=result,
        status_label=localized_status(result["vaccination_status"], _language(request, session)),
        verified_at=verified_at,
        return_url=session.return_url,
        session_id=session.session_id,
        attestation=session.result,
    )


def _exhausted(session: HostedSession, language: str) -> str | None:
    """Why the details form is gone once every start is used."""
    return None if session.starts_left else slug_text(HostedSessionExhausted.slug, language)


def _back(request: Request, session_id: str) -> RedirectResponse:
    q = "?embed=1" if _embedded(request) else ""
    return RedirectResponse(f"/hosted/{session_id}{q}", status_code=303)


async def _step(
    request: Request, session_id: str, csrf: str | None, work: Callable[[], Awaitable[object]]
) -> Response:
    """Run one step of the flow from its form; a refusal shows the step again saying why."""
    _check_form(request, session_id, csrf)
    try:
        await work()
    except DomainError as error:
        return await _retry(request, session_id, error)
    return _back(request, session_id)


@router.post("/{session_id}/details")
async def submit_details(
    request: Request,
    session_id: str,
    full_name: Annotated[str, Form()],
    mobile_number: Annotated[str, Form()],
    csrf: OptionalField = None,
) -> Response:
    """Start the verification with the person's name and mobile."""
    flow, browser = _flow(request), browser_secret(request)
    answer = await _step(
        request,
        session_id,
        csrf,
        lambda: flow.submit_details(
            session_id, browser=browser, full_name=full_name, mobile=mobile_number
        ),
    )
    return keep_browser(request, answer, embedded=_embedded(request))


@router.post("/{session_id}/otp")
async def submit_otp(
    request: Request, session_id: str, otp: Annotated[str, Form()], csrf: OptionalField = None
) -> Response:
    """Confirm the OTP; the result page then sends the browser back to the provider."""
    digits = container(request).otp_engine.clean_otp(otp)

    async def confirm() -> object:
        if digits is None:  # not an OTP at all: said so, and no attempt is counted
            raise InvalidOtp("The OTP is not correct.", attempts_left=None)
        return await _flow(request).submit_otp(
            session_id, browser=browser_secret(request), otp=digits
        )

    return await _step(request, session_id, csrf, confirm)


@router.post("/{session_id}/resend")
async def resend(request: Request, session_id: str, csrf: OptionalField = None) -> Response:
    """Send a new OTP after the cooldown."""
    browser = browser_secret(request)
    return await _step(
        request, session_id, csrf, lambda: _flow(request).resend(session_id, browser=browser)
    )


@router.post("/{session_id}/restart")
async def restart(request: Request, session_id: str, csrf: OptionalField = None) -> Response:
    """Back to the name and mobile screen."""
    _check_form(request, session_id, csrf)
    try:
        await _flow(request).restart(session_id, browser=browser_secret(request))
    except DomainError:
        return _gone(request)
    return _back(request, session_id)


@router.post("/{session_id}/cancel")
async def cancel(request: Request, session_id: str, csrf: OptionalField = None) -> Response:
    """Back to the provider without a result (`status=cancelled`)."""
    _check_form(request, session_id, csrf)
    try:
        session, _ = await _flow(request).open(session_id, browser=browser_secret(request))
    except DomainError:
        return _gone(request)
    if session.result is not None:  # a finished check goes back with its result, not cancelled
        return _back(request, session_id)
    parts = urlsplit(session.return_url)
    query = "&".join(
        q for q in (parts.query, urlencode({"session_id": session_id, "status": "cancelled"})) if q
    )
    return RedirectResponse(urlunsplit(parts._replace(query=query)), status_code=303)


async def _retry(request: Request, session_id: str, error: DomainError) -> Response:
    try:
        session, provider = await _flow(request).open(session_id, browser=browser_secret(request))
    except DomainError:
        return _gone(request)
    if session.result is not None:
        return _back(request, session_id)
    language = _language(request, session)
    text = problem_text(error, language)
    if session.step is HostedStep.OTP and error.slug in {"otp-expired", "too-many-attempts"}:
        await _flow(request).restart(session_id, browser=browser_secret(request))
        return await _show(
            request, session_id, problem=slug_text(error.slug, language), status_code=400
        )
    if session.step is HostedStep.OTP:
        return await _otp_page(
            request,
            session,
            provider,
            problem=text,
            status_code=http_status(error),
            attempts_left=getattr(error, "attempts_left", None),
        )
    return await _show(request, session_id, problem=text, status_code=http_status(error))
