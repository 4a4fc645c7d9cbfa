"""`/s/{link_id}`: the public page behind a share card's QR code, and the card images."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import anyio.to_thread
from babel.dates import format_date
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from kyvs.domain.errors import DomainError
from kyvs.domain.share_cards import CardSize, CardSpec
from kyvs.i18n import localized_status, translator
from kyvs.web.deps import container
from kyvs.web.pages.language import page_language
from kyvs.web.pages.rendering import locale_of, render
from kyvs.web.pages.security import secure_page
from kyvs.web.public_urls import public_url

router = APIRouter(include_in_schema=False)
SIGNED_NOTE = "The status is signed by kyvs; anyone can check the signature with its public keys."


@router.get("/s/{link_id}", response_class=HTMLResponse, name="shared_status")
async def shared_status(request: Request, link_id: str) -> HTMLResponse:
    """The shared status, from its signed claim, while the link is live."""
    c = container(request)
    try:
        link, shared = await c.citizens.public_share(link_id)
    except DomainError:
        words = translator(page_language(request))
        page = render(
            request,
            "error.html",
            status_code=404,
            title="kyvs",
            heading=words.gettext("This status link is no longer valid"),
            detail=words.gettext("It has expired or was revoked by its owner."),
            back="/",
        )
        return secure_page(page)
    language = link.language
    words = translator(language)
    label = localized_status(shared["vaccination_status"], language)
    page_url = public_url(request, "shared_status", link_id=link_id)
    as_of = format_date(dt.date.fromisoformat(shared["as_of"]), "long", locale=locale_of(language))
    expires = format_date(link.expires_at.date(), "long", locale=locale_of(language))
    response = render(
        request,
        "shared.html",
        language=language,
        title=label,
        heading=f"{words.gettext('Vaccination status')}: {label}",
        description=words.gettext(SIGNED_NOTE),
        page_url=page_url,
        # No preview image where the card cannot be drawn: the page stands without one.
        image_url=f"{page_url}/card.png?size=wide" if c.card_renderer.can_draw(language) else None,
        shared=shared,
        status_label=label,
        as_of=as_of,
        expires=expires,
        claim=link.claim,
    )
    return secure_page(response)


@router.get("/s/{link_id}/card.png", name="shared_card")
async def shared_card(
    request: Request,
    link_id: str,
    size: Annotated[CardSize, Query()] = "wide",
) -> Response:
    """The share card of a live link (what social networks preview); a card this server cannot
    draw (fonts not installed) is a 503 problem, `share-card-unavailable`."""
    c = container(request)
    try:
        link, shared = await c.citizens.public_share(link_id)
    except DomainError:
        return Response(status_code=404)
    spec = CardSpec(
        status_code=shared["vaccination_status"],
        precaution=shared["precaution_dose"],
        name=shared["name"],
        date_text=format_date(
            dt.date.fromisoformat(shared["as_of"]), "long", locale=locale_of(link.language)
        ),
        language=link.language,
        share_url=public_url(request, "shared_status", link_id=link_id),
        size=size,
    )
    # Drawing a card takes tens of milliseconds of CPU: off the event loop, so it stalls no one.
    png = await anyio.to_thread.run_sync(c.card_renderer.render, spec)
    # Not cached on the way (kyvs.web.caching): a revoked link's card must go at once.
    return Response(png, media_type="image/png")
