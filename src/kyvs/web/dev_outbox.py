"""`/dev/outbox`: the demo SMS carrier's messages, newest first (demo mode only)."""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from kyvs.web.deps import container

router = APIRouter(include_in_schema=False)

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="5"><title>kyvs demo SMS outbox</title>
<style>body{{font-family:system-ui,sans-serif;max-width:46rem;margin:1rem auto;padding:0 1rem}}
li{{border-bottom:1px solid #ccc;padding:.6rem 0;list-style:none}}small{{color:#444}}</style>
</head><body><h1>Demo SMS outbox</h1>
<p>Messages kyvs would have sent by SMS, newest first. This page exists only in demo mode.</p>
<ul>{items}</ul></body></html>"""


@router.get("/dev/outbox", response_class=HTMLResponse)
async def dev_outbox(
    request: Request, last: Annotated[int, Query(ge=1, le=200)] = 20
) -> HTMLResponse:
    """The latest messages of the outbox SMS adapter."""
    entries = await container(request).async_outbox_reader.latest(last)
    items = "".join(
        f"<li><small>{html.escape(e.sent_at.isoformat())} to {html.escape(e.to_mobile)}"
        f" ({html.escape(e.category)}, {html.escape(e.language)})</small>"
        f"<div lang='{html.escape(e.language)}'>{html.escape(e.text)}</div></li>"
        for e in entries
    )
    return HTMLResponse(_PAGE.format(items=items or "<li>No messages yet.</li>"))
