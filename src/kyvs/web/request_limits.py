"""Bounds on what one request may send: a body size cap and a body read deadline.

`kyvs.web.edge` admits every request through `RequestLimits.admit`; one without a body passes
straight through. A declared `Content-Length` over the cap is refused with `413` before a byte of
the body is read; a chunked body is counted as it arrives and refused as soon as it passes the cap,
so at most `max_body_bytes` of a request are ever held. A body that has not fully arrived
`body_timeout_s` after the headers gets `408`. Both answers close the connection (the rest of the
body is never read). The API answers problem+json; the pages
answer their HTML error page. Headers that arrive too slowly are the server protocol's job
(`kyvs.web.slow_headers`): the application only sees a request once its headers are complete.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from kyvs.web.pages.errors import error_page, wants_page
from kyvs.web.problems import problem_response

_CLOSE = {"Connection": "close"}


@dataclass(frozen=True, slots=True)
class _Refusal:
    status: int
    slug: str
    title: str
    detail: str


class _TooLarge(Exception):
    """The body passed the cap while it was being read."""


class RequestLimits:
    """Refuses request bodies over `max_bytes` (413) or slower than `timeout_s` (408)."""

    def __init__(self, *, max_bytes: int, timeout_s: float) -> None:
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s
        self.too_large = _Refusal(
            413,
            "payload-too-large",
            "Payload too large",
            f"Request bodies are limited to {max_bytes} bytes.",
        )
        self.too_slow = _Refusal(
            408,
            "request-timeout",
            "Request timeout",
            f"The request body did not arrive within {timeout_s:g} seconds.",
        )

    async def admit(self, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        """The `receive` the app reads the request of `scope` from, once its body (if any) is
        in whole; None when the request was refused (answered here) or the client went away."""
        if not has_body(scope):
            return receive
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _refuse(self.too_large, scope, receive, send)
            return None
        try:
            async with asyncio.timeout(self.timeout_s):
                body = await self._read(receive)
        except _TooLarge:
            await _refuse(self.too_large, scope, receive, send)
            return None
        except TimeoutError:
            await _refuse(self.too_slow, scope, receive, send)
            return None
        if body is None:  # the client went away: nobody to answer
            return None
        return _replay(body, receive)

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body (None when the client disconnected), never more than the cap."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def has_body(scope: Scope) -> bool:
    """True when the request announces a body: a transfer encoding (anywhere among the headers,
    even beside a `Content-Length: 0`) or a length other than zero."""
    announced = False
    for name, value in scope.get("headers", ()):
        if name == b"transfer-encoding":
            return True
        if name == b"content-length":
            announced = announced or value.strip() not in {b"", b"0"}
    return announced


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server's parser refuses these before we see them
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the buffered body over once, then waits on the real one (for the
    disconnect a streaming response listens for)."""
    delivered = False

    async def replayed() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


async def _refuse(refusal: _Refusal, scope: Scope, receive: Receive, send: Send) -> None:
    request = Request(scope, receive)
    response: Response
    if wants_page(request):
        response = error_page(request, refusal.status, refusal.slug)
        response.headers.update(_CLOSE)
    else:
        response = problem_response(
            refusal.status, refusal.slug, refusal.title, refusal.detail, headers=_CLOSE
        )
    await response(scope, receive, send)
