"""Slow and greedy clients against a real `kyvs serve`: headers dribbled a byte at a time
(slowloris), a body that never finishes, a connection that says nothing, and bodies too large to
read. Each is cut off after a bounded time while other clients are still answered.

The deadlines are lowered through the environment (`KYVS_HEADER_TIMEOUT_S`,
`KYVS_BODY_TIMEOUT_S`, `KYVS_MAX_BODY_BYTES`), as an operator would set them.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.conftest import Cli, environment, running_server

HEADER_S = 1.0
BODY_S = 1.0
CAP = 4096


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("slow-clients")
    env = environment(
        f"sqlite:///{folder / 'kyvs.db'}",
        KYVS_DEMO="1",
        KYVS_HEADER_TIMEOUT_S=str(HEADER_S),
        KYVS_BODY_TIMEOUT_S=str(BODY_S),
        KYVS_MAX_BODY_BYTES=str(CAP),
    )
    Cli(env, folder).run("db", "upgrade")
    with running_server(env, folder) as url:
        yield url


def connect(base: str) -> socket.socket:
    parts = urlsplit(base)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    sock.settimeout(10)
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            received += chunk
    return received


def dribble(sock: socket.socket, data: bytes, every_s: float, stop: threading.Event) -> None:
    """Send `data` one byte every `every_s` until the server hangs up or `stop` is set."""
    for byte in data:
        if stop.wait(every_s):
            return
        try:
            sock.sendall(bytes([byte]))
        except OSError:
            return


@contextlib.contextmanager
def dribbling(sock: socket.socket, data: bytes, every_s: float = 0.2) -> Iterator[None]:
    stop = threading.Event()
    sender = threading.Thread(target=dribble, args=(sock, data, every_s, stop), daemon=True)
    sender.start()
    try:
        yield
    finally:
        stop.set()
        sender.join(timeout=5)


def test_headers_dribbled_a_byte_at_a_time_are_cut_off_while_others_are_served(base):
    endless = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: " + b"a" * 500
    began = time.monotonic()
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(connect(base)) for _ in range(20)]
        for sock in sockets:
            stack.enter_context(dribbling(sock, endless))
        time.sleep(0.3)
        assert httpx.get(f"{base}/healthz", timeout=2).status_code == 200  # still served
        answers = [read_until_closed(sock) for sock in sockets]
    elapsed = time.monotonic() - began
    assert elapsed < HEADER_S + 2.0, f"slow headers held the connections for {elapsed:.1f} s"
    for answer in answers:
        assert answer.startswith(b"HTTP/1.1 408 "), answer[:80]
        assert b"request-timeout" in answer


def test_a_connection_that_sends_nothing_is_closed(base):
    with connect(base) as sock:
        began = time.monotonic()
        assert read_until_closed(sock) == b""
    assert time.monotonic() - began < HEADER_S + 2.0


def test_a_kept_alive_connection_that_starts_a_request_and_stalls_is_closed(base):
    with connect(base) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = b""
        while not first.endswith(b"}"):  # the whole JSON answer, the connection kept alive
            first += sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200 ")
        began = time.monotonic()
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHo")  # ... and nothing more
        answer = read_until_closed(sock)
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert time.monotonic() - began < HEADER_S + 2.0


def test_a_body_that_never_finishes_gets_408_problem_json(base):
    with connect(base) as sock:
        head = (
            b"POST /api/v1/verifications HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: k\r\n"
            b"Content-Type: application/json\r\nContent-Length: 400\r\n\r\n"
        )
        sock.sendall(head)
        began = time.monotonic()
        with dribbling(sock, b'{"full_name": "' + b"a" * 380, every_s=0.1):
            assert httpx.get(f"{base}/healthz", timeout=2).status_code == 200
            answer = read_until_closed(sock)
        assert time.monotonic() - began < BODY_S + 2.0
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert b"application/problem+json" in answer
        assert b"https://kyvs.dev/problems/request-timeout" in answer


def test_a_declared_length_over_the_cap_is_refused_without_sending_the_body(base):
    with connect(base) as sock:
        # A gigabyte announced, not one byte of it sent.
        sock.sendall(
            b"POST /api/v1/verifications HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n"
        )
        answer = read_until_closed(sock)
        assert answer.startswith(b"HTTP/1.1 413 ")
        assert b"https://kyvs.dev/problems/payload-too-large" in answer


def test_a_chunked_body_over_the_cap_is_refused(base):
    def endless() -> Iterator[bytes]:
        for _ in range(1000):  # 8 MB if anyone read it all
            yield b"x" * 8192

    with contextlib.suppress(httpx.WriteError, httpx.RemoteProtocolError):
        answer = httpx.post(
            f"{base}/api/v1/citizen/login",
            content=endless(),
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        assert answer.status_code == 413
        assert answer.json()["type"] == "https://kyvs.dev/problems/payload-too-large"
    assert httpx.get(f"{base}/healthz", timeout=2).status_code == 200
