"""Personal and per-transaction answers say `Cache-Control: no-store`, errors and redirects too.

The app runs on a migrated SQLite database (lifespan started, no server process). Every route the
app has is called with made-up path parameters and no body: what it answers (a page, a redirect, a
401, 404 or 422 problem) must say `no-store`, unless the route is one of the public documents of
`kyvs.web.caching`, which keep their own caching.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import fastapi.routing
import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from starlette.routing import Mount

from kyvs.adapters.sql import migrate
from kyvs.bootstrap import bootstrap
from kyvs.services import providers as onboarding
from kyvs.settings import Settings
from kyvs.web.app import create_app
from kyvs.web.caching import is_public

pytestmark = pytest.mark.anyio

PARAMETER = re.compile(r"\{(\w+)(:\w+)?\}")


@pytest.fixture
async def app(sqlite_url) -> AsyncIterator[FastAPI]:
    container = bootstrap(Settings(database_url=sqlite_url, demo=True, sms_backend="outbox"))
    migrate.upgrade(container.engine)
    application = create_app(container=container)
    async with application.router.lifespan_context(application):
        yield application
    await container.aclose()


@pytest.fixture
async def api_key(app) -> str:
    wired = app.state.container
    _, key = onboarding.create_provider(
        name="Yatra Travels",
        category="travel",
        scopes=["status"],
        purposes=["travel"],
        daily_quota=1000,
        rate_limit="1000/5min",
        store=wired.provider_store,
        access=wired.access,
        now=wired.clock.now(),
    )
    return str(key)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    # A 500 is answered by Starlette's outermost middleware, and then raised: keep the answer.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="https://kyvs.test") as session:
        yield session


def every_operation(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route of `app`, path parameters filled in with made-up values."""
    operations = []
    for route in _routes(app):
        if isinstance(getattr(route, "original_route", route), Mount):
            operations.append(("GET", f"{route.path}/no-such-file"))
        elif route.path is not None:
            path = PARAMETER.sub("x1", route.path)
            methods = sorted(set(route.methods or ()) - {"HEAD"})
            operations += [(method, path) for method in methods]
    return operations


def _routes(app: FastAPI) -> list[Any]:
    # FastAPI 0.16x lists an included router as one entry of `app.routes`; older ones list its
    # routes themselves.
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    return list(contexts(app.routes)) if contexts else list(app.routes)


async def test_the_sweep_reaches_the_personal_and_per_transaction_routes(app):
    paths = {path for _, path in every_operation(app)}
    for expected in (
        "/api/v1/verifications",
        "/api/v1/verifications/x1/confirm",
        "/api/v1/citizen/beneficiaries",
        "/api/v1/hosted-sessions",
        "/api/v3/vaccination/generateOTP",
        "/me",
        "/me/cards/x1",
        "/console/checks/x1",
        "/hosted/x1",
        "/s/x1",
        "/s/x1/card.png",
        "/lang/x1",
    ):
        assert expected in paths
    assert len(paths) > 50


async def test_every_answer_off_the_public_paths_says_no_store(app, client, api_key):
    wrong: list[str] = []
    for method, path in every_operation(app):
        for headers in ({}, {"X-Api-Key": api_key, "Authorization": f"Bearer {api_key}"}):
            answer = await client.request(method, path, headers=headers)
            if not is_public(path) and answer.headers.get("cache-control") != "no-store":
                wrong.append(f"{method} {path} {answer.status_code}: {answer.headers}")
    assert wrong == []


@pytest.mark.parametrize(
    ("method", "path", "status", "kind"),
    [
        ("GET", "/no/such/page", 404, "application/problem+json"),
        ("GET", "/api/v1/citizen/beneficiaries", 401, "application/problem+json"),
        ("POST", "/api/v1/verifications", 401, "application/problem+json"),
        ("GET", "/api/v1/verifications/nope", 401, "application/problem+json"),
        ("DELETE", "/api/v1/verifications", 405, "application/problem+json"),
        ("GET", "/lang/hi?next=/me", 303, None),
        ("GET", "/me", 200, "text/html; charset=utf-8"),
        ("GET", "/hosted/no-such-session", 404, "text/html; charset=utf-8"),
        ("GET", "/s/no-such-link/card.png", 404, None),
        ("GET", "/healthz", 200, "application/json"),
    ],
)
async def test_errors_redirects_and_pages_say_no_store(client, method, path, status, kind):
    answer = await client.request(method, path)
    assert answer.status_code == status
    if kind is not None:
        assert answer.headers["content-type"] == kind
    assert answer.headers["cache-control"] == "no-store"


async def test_a_validation_error_with_a_valid_key_says_no_store(client, api_key):
    answer = await client.post(
        "/api/v1/verifications", json={"mobile_number": "12"}, headers={"X-Api-Key": api_key}
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["cache-control"] == "no-store"


async def test_a_started_verification_says_no_store(client, api_key):
    answer = await client.post(
        "/api/v1/verifications",
        json={"full_name": "Asha Patel", "mobile_number": "9876543210", "purpose": "travel"},
        headers={"X-Api-Key": api_key},
    )
    assert answer.status_code in {201, 202}, answer.text
    assert answer.headers["cache-control"] == "no-store"


async def test_a_body_over_the_limit_says_no_store(client, api_key):
    answer = await client.post(
        "/api/v1/verifications",
        content=b"{" + b" " * 2_000_000 + b"}",
        headers={"X-Api-Key": api_key, "Content-Type": "application/json"},
    )
    assert answer.status_code == 413
    assert answer.headers["cache-control"] == "no-store"


async def test_an_unexpected_error_says_no_store(app, client):
    async def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/v1/citizen/broken", broken)
    answer = await client.get("/api/v1/citizen/broken")
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["cache-control"] == "no-store"


async def test_a_route_s_own_cache_control_does_not_win_off_the_public_paths(app, client):
    def leaky() -> PlainTextResponse:
        return PlainTextResponse("Asha", headers={"Cache-Control": "public, max-age=600"})

    app.add_api_route("/me/leaky", leaky)
    answer = await client.get("/me/leaky")
    assert answer.headers.get_list("cache-control") == ["no-store"]


@pytest.mark.parametrize(
    ("path", "cache_control"),
    [
        ("/.well-known/jwks.json", "public, max-age=300"),
        ("/openapi.json", None),
        ("/docs", None),
        ("/static/kyvs.css", None),
    ],
)
async def test_public_documents_keep_their_own_caching(client, path, cache_control):
    answer = await client.get(path)
    assert answer.status_code == 200
    assert answer.headers.get("cache-control") == cache_control
