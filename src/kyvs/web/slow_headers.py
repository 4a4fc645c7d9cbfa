"""A deadline for request headers, which uvicorn lacks (slowloris).

Uvicorn closes idle keep-alive connections, but a connection that never finishes its request
line and headers, or that dribbles them a byte at a time, is held forever. These protocol classes
(passed to uvicorn as `http=`) start a clock when a connection opens, and again when the first
byte of a later request arrives on it; the clock stops when the headers are complete (uvicorn has
then started the request's cycle). When the clock runs out, a connection that sent part of a
request gets `408` and is closed; one that sent nothing is simply closed. Bodies have their own
deadline in the application (`kyvs.web.request_limits`).

The deadline is read once per process from `KYVS_HEADER_TIMEOUT_S`: uvicorn builds protocols
from a class, and worker processes re-import this module, so a setting travels as the
environment does.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from kyvs.settings import Settings

HEADER_TIMEOUT_ENV = "KYVS_HEADER_TIMEOUT_S"
_DEFAULT_S = Settings.model_fields["header_timeout_s"].default
_REFUSAL = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: application/problem+json\r\n"
    b"connection: close\r\n"
    b"content-length: %d\r\n\r\n%s"
)
_BODY = (
    b'{"type":"https://kyvs.dev/problems/request-timeout","title":"Request timeout",'
    b'"status":408,"detail":"The request headers did not arrive in time."}'
)


def header_timeout_s() -> float:
    """The header deadline of this process (`KYVS_HEADER_TIMEOUT_S`, else the default)."""
    raw = os.environ.get(HEADER_TIMEOUT_ENV)
    return float(raw) if raw else float(_DEFAULT_S)


class HeaderDeadline:
    """The clock of one connection: armed while headers are awaited, closes it when it runs out."""

    def __init__(self, loop: asyncio.AbstractEventLoop, timeout_s: float) -> None:
        self.loop = loop
        self.timeout_s = timeout_s
        self.timer: asyncio.TimerHandle | None = None
        self.cycle: object = None  # the request cycle when the clock was armed
        self.received = 0

    def arm(self, transport: asyncio.Transport, cycle: object) -> None:
        """Start the clock for the next request's headers (`cycle`: the current one, if any)."""
        self.disarm()
        self.cycle, self.received = cycle, 0
        self.timer = self.loop.call_later(self.timeout_s, self._expire, transport)

    def disarm(self) -> None:
        """Stop the clock (the headers are complete, or the connection is gone)."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def waiting(self) -> bool:
        """True while the clock runs."""
        return self.timer is not None

    def _expire(self, transport: asyncio.Transport) -> None:
        self.timer = None
        if transport.is_closing():
            return
        if self.received:  # (uvloop's transports do not subclass asyncio's: no isinstance)
            transport.write(_REFUSAL % (len(_BODY), _BODY))
        transport.close()


def _between_requests(cycle: Any) -> bool:
    return cycle is None or bool(cycle.response_complete)


class _HeaderDeadlineMixin:
    """A deadline for request headers, for either of uvicorn's HTTP protocols (put it first)."""

    loop: Any
    transport: Any
    cycle: Any
    header_deadline: HeaderDeadline

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self.header_deadline = HeaderDeadline(self.loop, header_timeout_s())
        self.header_deadline.arm(self.transport, self.cycle)  # uvicorn keeps it as a Transport

    def data_received(self, data: bytes) -> None:
        _before(self.header_deadline, self.transport, self.cycle, data)
        super().data_received(data)  # type: ignore[misc]
        _after(self.header_deadline, self.cycle)

    def connection_lost(self, exc: Exception | None) -> None:
        self.header_deadline.disarm()
        super().connection_lost(exc)  # type: ignore[misc]


class H11WithHeaderDeadline(_HeaderDeadlineMixin, H11Protocol):
    """Uvicorn's h11 protocol with a deadline for request headers."""


def _before(deadline: HeaderDeadline, transport: Any, cycle: Any, data: bytes) -> None:
    """Arm the clock when bytes of a new request arrive between requests."""
    if not deadline.waiting() and _between_requests(cycle) and data:
        deadline.arm(transport, cycle)
    deadline.received += len(data)


def _after(deadline: HeaderDeadline, cycle: Any) -> None:
    """Stop the clock once uvicorn has started a new request cycle (its headers are in)."""
    if deadline.waiting() and cycle is not None and cycle is not deadline.cycle:
        deadline.disarm()


HttpProtocol: type[asyncio.Protocol] = H11WithHeaderDeadline  # what uvicorn's "auto" picks
try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - httptools is optional for uvicorn
    pass
else:

    class HttpToolsWithHeaderDeadline(_HeaderDeadlineMixin, HttpToolsProtocol):
        """Uvicorn's httptools protocol with a deadline for request headers."""

    HttpProtocol = HttpToolsWithHeaderDeadline
