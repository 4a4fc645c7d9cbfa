"""The header deadline works on both of uvicorn's HTTP implementations (h11 and httptools):
complete requests are served, and a connection dribbling its headers is answered 408 and closed.
(The end-to-end version against `kyvs serve` is `tests/e2e/test_slow_clients.py`.)"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from kyvs.web import slow_headers
from kyvs.web.slow_headers import H11WithHeaderDeadline, HttpProtocol

DEADLINE_S = 0.5


async def hello(scope, receive, send) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hello"})


@contextlib.contextmanager
def serving(protocol: type[asyncio.Protocol]) -> Iterator[int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        hello, host="127.0.0.1", port=port, http=protocol, lifespan="off", log_level="error"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def exchange(port: int, *parts: bytes, pause_s: float = 0.0) -> tuple[bytes, float]:
    """Send `parts` with a pause between them; everything answered until close, and how long."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        began = time.monotonic()
        for part in parts:
            with contextlib.suppress(OSError):
                sock.sendall(part)
            time.sleep(pause_s)
        received = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                received += chunk
        return received, time.monotonic() - began


@pytest.fixture(params=sorted({H11WithHeaderDeadline, HttpProtocol}, key=lambda c: c.__name__))
def port(request, monkeypatch) -> Iterator[int]:
    monkeypatch.setenv(slow_headers.HEADER_TIMEOUT_ENV, str(DEADLINE_S))
    with serving(request.param) as serving_port:
        yield serving_port


def test_a_complete_request_is_served(port):
    answer, _ = exchange(port, b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert b"hello" in answer


def test_headers_dribbled_past_the_deadline_get_408_and_a_closed_connection(port):
    parts = [b"GET / HTTP/1.1\r\n", *(b"X-Slow: a\r\n" for _ in range(20))]
    answer, elapsed = exchange(port, *parts, pause_s=0.1)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"request-timeout" in answer
    assert elapsed < 20 * 0.1 + 1  # cut off, and quickly


def test_a_silent_connection_is_closed_without_an_answer(port):
    answer, elapsed = exchange(port)
    assert answer == b""
    assert DEADLINE_S * 0.8 < elapsed < DEADLINE_S + 1.5


def test_the_deadline_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(slow_headers.HEADER_TIMEOUT_ENV, "2.5")
    assert slow_headers.header_timeout_s() == 2.5
    monkeypatch.delenv(slow_headers.HEADER_TIMEOUT_ENV)
    assert slow_headers.header_timeout_s() == 10.0
