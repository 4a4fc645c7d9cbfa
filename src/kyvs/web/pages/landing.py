"""`/`: what kyvs is, for providers and for citizens, in the reader's language."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kyvs.web.pages.rendering import render
from kyvs.web.pages.security import secure_page

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def landing(request: Request) -> HTMLResponse:
    """The landing page."""
    return secure_page(render(request, "landing.html", title="kyvs"))
