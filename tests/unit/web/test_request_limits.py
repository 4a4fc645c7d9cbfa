"""Request bodies are capped and must arrive in time: 413 / 408, problem+json for the API and the
HTML error page for pages, without ever holding more than the cap."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from kyvs.settings import Settings
from kyvs.web.app import create_app
from kyvs.web.request_limits import RequestLimits

pytestmark = pytest.mark.anyio

CAP = 2048
PROBLEMS = "https://kyvs.dev/problems/"


class Client:
    """Feeds the middleware scripted `receive` messages and records what it reads and sends."""

    def __init__(self, *messages: dict[str, Any], pause_s: float = 0.0) -> None:
        self.messages = list(messages)
        self.pause_s = pause_s
        self.reads = 0
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        self.reads += 1
        await asyncio.sleep(self.pause_s)
        if self.messages:
            return self.messages.pop(0)
        await asyncio.sleep(3600)  # a client that never sends the rest
        raise AssertionError("unreachable")

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int | None:
        starts = [m for m in self.sent if m["type"] == "http.response.start"]
        return starts[0]["status"] if starts else None

    @property
    def headers(self) -> dict[str, str]:
        start = next(m for m in self.sent if m["type"] == "http.response.start")
        return {k.decode(): v.decode() for k, v in start["headers"]}

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body")


class EchoApp:
    """Answers 200 with the body it read, so a test sees exactly what the app received."""

    def __init__(self) -> None:
        self.called = False

    async def __call__(self, scope, receive, send) -> None:
        self.called = True
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})


def scope(path: str = "/api/v1/verifications", **headers: str) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "POST",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()],
        "scheme": "http",
        "server": ("kyvs.test", 80),
    }


def chunk(data: bytes, more: bool = True) -> dict[str, Any]:
    return {"type": "http.request", "body": data, "more_body": more}


async def admit_then_serve(limits: RequestLimits, app: EchoApp, request: Any, client: Client):
    """What the edge does: the app reads the admitted request, if there is one."""
    admitted = await limits.admit(request, client.receive, client.send)
    if admitted is not None:
        await app(request, admitted, client.send)


async def run(client: Client, app: EchoApp, timeout_s: float = 5.0, **headers: str) -> None:
    limits = RequestLimits(max_bytes=CAP, timeout_s=timeout_s)
    await admit_then_serve(limits, app, scope(**headers), client)


async def test_a_declared_length_over_the_cap_is_refused_before_reading_the_body():
    client, app = Client(chunk(b"x" * 10, more=True)), EchoApp()
    await run(client, app, content_length=str(CAP + 1))
    assert (client.status, client.reads, app.called) == (413, 0, False)
    assert client.headers["content-type"] == "application/problem+json"
    assert client.headers["connection"] == "close"
    problem = json.loads(client.body)
    assert problem["type"] == PROBLEMS + "payload-too-large"
    assert str(CAP) in problem["detail"]


async def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_cap():
    pieces = [chunk(b"x" * 1000) for _ in range(10)]
    client, app = Client(*pieces), EchoApp()
    await run(client, app, transfer_encoding="chunked")
    assert client.status == 413
    assert client.reads == 3  # 3000 bytes > 2048: the other 7000 are never read
    assert not app.called


async def test_a_body_under_the_cap_reaches_the_app_whole():
    client, app = Client(chunk(b"a" * 1000), chunk(b"b" * 1048, more=False)), EchoApp()
    await run(client, app, transfer_encoding="chunked")
    assert client.status == 200
    assert client.body == b"a" * 1000 + b"b" * 1048


async def test_a_body_exactly_at_the_cap_is_accepted():
    client, app = Client(chunk(b"x" * CAP, more=False)), EchoApp()
    await run(client, app, content_length=str(CAP))
    assert client.status == 200


async def test_a_body_that_does_not_arrive_in_time_is_408_and_closes():
    client, app = Client(chunk(b"{", more=True)), EchoApp()
    await run(client, app, timeout_s=0.2, content_length="100")
    assert (client.status, app.called) == (408, False)
    assert client.headers["connection"] == "close"
    assert json.loads(client.body)["type"] == PROBLEMS + "request-timeout"


async def test_a_dribbled_body_is_bounded_by_the_total_not_by_each_chunk():
    dribble = [chunk(b"x") for _ in range(100)]
    client, app = Client(*dribble, pause_s=0.02), EchoApp()
    await run(client, app, timeout_s=0.3, content_length="100")
    assert client.status == 408
    assert client.reads < 30


async def test_a_client_that_goes_away_gets_no_answer_and_the_app_is_not_called():
    client, app = Client(chunk(b"x"), {"type": "http.disconnect"}), EchoApp()
    await run(client, app, content_length="100")
    assert (client.sent, app.called) == ([], False)


async def test_a_zero_length_beside_chunked_encoding_does_not_slip_past_the_cap():
    pieces = [*(chunk(b"x" * 1000) for _ in range(9)), chunk(b"x" * 1000, more=False)]
    client, app = Client(*pieces), EchoApp()
    limits = RequestLimits(max_bytes=CAP, timeout_s=5)
    headers = [(b"content-length", b"0"), (b"transfer-encoding", b"chunked")]
    await admit_then_serve(limits, app, {**scope(), "headers": headers}, client)
    assert (client.status, app.called) == (413, False)


async def test_requests_without_a_body_pass_straight_through():
    client = Client(chunk(b"", more=False))
    limits = RequestLimits(max_bytes=CAP, timeout_s=5)
    admitted = await limits.admit({**scope(), "method": "GET"}, client.receive, client.send)
    assert admitted == client.receive  # not wrapped: nothing to count or wait for
    assert client.reads == 0


# --- the application --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(Settings(database_url="sqlite:///:memory:", demo=True, max_body_bytes=CAP))


def routes_with_bodies(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) of the OpenAPI document that takes a body, ids filled in."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        for method in operations:
            if method in {"post", "put", "patch", "delete"}:
                found.append((method.upper(), re.sub(r"\{[^}]+\}", "x1", path)))
    return found


async def send(app: FastAPI, method: str, path: str, body: bytes, **headers: str):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kyvs.test") as client:
        named = {k.replace("_", "-"): v for k, v in headers.items()}
        return await client.request(method, path, content=body, headers=named)


async def test_every_api_route_refuses_an_oversized_body_with_413_problem_json(app):
    routes = routes_with_bodies(app)
    assert len(routes) >= 10
    for method, path in routes:
        answer = await send(app, method, path, b"{" + b" " * CAP + b"}", x_api_key="k")
        assert answer.status_code == 413, (method, path)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == PROBLEMS + "payload-too-large"
        assert "x-request-id" in answer.headers  # audited like any other answer


async def test_a_page_form_too_large_answers_the_html_error_page(app):
    form = b"username=a&password=" + b"p" * CAP
    answer = await send(
        app,
        "POST",
        "/console/login",
        form,
        content_type="application/x-www-form-urlencoded",
        accept_language="hi",
    )
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("text/html")
    assert "Content-Security-Policy" in answer.headers
    assert '<html lang="hi"' in answer.text


async def test_the_limits_are_documented_on_every_api_route(app):
    paths = app.openapi()["paths"]
    for method, path in routes_with_bodies(app):
        if path.startswith("/api/"):
            template = next(p for p in paths if re.sub(r"\{[^}]+\}", "x1", p) == path)
            assert {"408", "413"} <= set(paths[template][method.lower()]["responses"])
