"""Which paths are public documents a cache may keep: the rule of `kyvs.web.caching`."""

from __future__ import annotations

import httpx
import pytest
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from kyvs.web.caching import is_public
from tests.unit.web.edges import an_edge

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    "path", ["/static/kyvs.css", "/openapi.json", "/docs", "/.well-known/jwks.json"]
)
def test_the_public_documents(path):
    assert is_public(path)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/me",
        "/s/abc/card.png",
        "/api/v1/verifications/t1",
        "/healthz",
        "/readyz",
        "/metrics",
        "/static",
        "/staticky",
        "/docs/../me",
        "/openapi.json/x",
        "/no/such/page",
    ],
)
def test_everything_else_is_not_public(path):
    assert not is_public(path)


async def _cached(scope: Scope, receive: Receive, send: Send) -> None:
    answer = PlainTextResponse("hi", headers={"Cache-Control": "public, max-age=60"})
    await answer(scope, receive, send)


@pytest.mark.parametrize(
    ("root_path", "path", "expected"),
    [
        ("", "/me", "no-store"),
        ("", "/static/kyvs.css", "public, max-age=60"),
        ("/kyvs", "/kyvs/static/kyvs.css", "public, max-age=60"),
        ("/kyvs", "/kyvs/me", "no-store"),
    ],
)
async def test_no_store_replaces_a_route_s_caching_off_the_public_paths(root_path, path, expected):
    transport = httpx.ASGITransport(app=an_edge(_cached), root_path=root_path)
    async with httpx.AsyncClient(transport=transport, base_url="http://kyvs.test") as client:
        answer = await client.get(path)
    assert answer.headers.get_list("cache-control") == [expected]
