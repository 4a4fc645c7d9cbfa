"""`/me` rights: download everything kyvs holds (a JSON file, no JavaScript needed), erase what
kyvs may erase (an itemised report), withdraw a standing consent, raise a grievance."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kyvs.i18n import translator
from kyvs.services.rights import CitizenRights
from kyvs.web.api.citizen_rights import export_response, kept_days
from kyvs.web.api.rights_schemas import erasure_out, export_out
from kyvs.web.deps import container
from kyvs.web.pages.language import page_language
from kyvs.web.pages.me import as_citizen, citizen_page, notice_redirect, session_token
from kyvs.web.public_urls import public_url

router = APIRouter(prefix="/me", include_in_schema=False)
Field = Annotated[str, Form()]
Optional = Annotated[str | None, Form()]
CORRECTION_ROUTE = "/me#people"  # each person's section has its correction form


def _rights(request: Request) -> CitizenRights:
    return container(request).citizen_rights


@router.get("/export")
async def export(request: Request) -> Response:
    """Everything kyvs holds about the people on the mobile, as a JSON download (the same
    document as `GET /api/v1/citizen/export`, explained in the page's language)."""
    token = session_token(request)
    if token is None:
        return RedirectResponse("/me", status_code=303)
    document = export_out(
        await _rights(request).export(token),
        language=page_language(request),
        url_of=lambda link_id: public_url(request, "shared_status", link_id=link_id),
        days=kept_days(request),
    )
    return export_response(document)


@router.post("/erasure")
async def erasure(
    request: Request, lift_blocks: Optional = None, csrf: Optional = None
) -> Response:
    """Erase what kyvs may erase; the page then lists what was erased and what is kept."""

    async def act(token: str) -> Response:
        report = await _rights(request).erase(token, lift_blocks=lift_blocks == "yes")
        language = page_language(request)
        shown = erasure_out(
            report,
            at=container(request).clock.now(),
            language=language,
            correction_route=CORRECTION_ROUTE,
            days=kept_days(request),
        )
        return citizen_page(
            request,
            "me/erasure.html",
            title=translator(language).gettext("What was erased"),
            report=shown,
        )

    return await as_citizen(request, csrf, act)


@router.post("/consents/{consent_id}/withdraw")
async def withdraw(request: Request, consent_id: str, csrf: Optional = None) -> Response:
    """Withdraw a standing consent: the provider can no longer fetch that result."""

    async def act(token: str) -> Response:
        await _rights(request).withdraw(token, consent_id)
        return notice_redirect("withdrawn")

    return await as_citizen(request, csrf, act)


@router.post("/grievances")
async def grievance(
    request: Request,
    subject: Field,
    text: Field,
    reference: Optional = None,
    csrf: Optional = None,
) -> Response:
    """Raise a grievance; an operator answers it within 90 days."""

    async def act(token: str) -> Response:
        await _rights(request).file_grievance(
            token, subject=subject, text=text, reference=reference or None
        )
        return notice_redirect("grievance")

    return await as_citizen(request, csrf, act)
