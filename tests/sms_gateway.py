"""A loopback SMS gateway for tests: records requests and answers as told.

`script` answers the next requests one by one (a status code, "slow" to hang for `delay_s`
before a 200, or "drop" to close the connection); `down` answers every request the same way
until it is set back to None (the gateway heals). Then 200.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Gateway:
    """A loopback SMS gateway: records requests, answers as `script` or `down` says, then 200."""

    url: str = ""
    script: list[str | int] = field(default_factory=list)
    down: str | int | None = None
    received: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    delay_s: float = 2.0

    def next_answer(self) -> str | int:
        if self.script:
            return self.script.pop(0)
        return self.down if self.down is not None else 200

    def texts(self) -> list[str]:
        """The texts of every request, oldest first."""
        return [r.json()["text"] for r in self.received]


def handler_for(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            gateway.received.append(Received(self.path, dict(self.headers.items()), body))
            answer = gateway.next_answer()
            if answer == "drop":
                self.close_connection = True
                return
            if answer == "slow":
                gateway.release.wait(gateway.delay_s)
                answer = 200
            # The answer echoes the request, so logging the gateway's body would leak it.
            self._answer(int(answer), body)

        def _answer(self, status: int, body: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up waiting (timeout tests)

        def log_message(self, *_args: object) -> None:
            pass  # quiet: the tests read the requests, not a log

    return Handler


class JoiningServer(ThreadingHTTPServer):
    daemon_threads = False  # server_close() waits for every handler: no thread outlives a test


@contextmanager
def loopback(handler: type[BaseHTTPRequestHandler], release: threading.Event) -> Iterator[str]:
    """Serve `handler` on a free loopback port until the block ends; yields the base URL.
    `release` is set first on the way out, so a handler told to hang lets go."""
    server = JoiningServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def running_gateway() -> Iterator[Gateway]:
    """Serve a `Gateway` on a free loopback port until the block ends."""
    state = Gateway()
    with loopback(handler_for(state), state.release) as base:
        state.url = f"{base}/v1/sms?key=s3cret"
        yield state
