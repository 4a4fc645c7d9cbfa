"""The edge of every request (`kyvs.web.edge`): one layer that stamps, refuses, logs, audits and
counts every answer, and the session cookie only on the pages (`kyvs.web.sessions`)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from kyvs.adapters.metrics import PrometheusMetrics
from kyvs.request_context import REQUEST_ID
from kyvs.settings import Settings
from kyvs.web.app import create_app
from kyvs.web.audit import AuditQueue
from kyvs.web.sessions import uses_sessions
from kyvs.web.trusted_hosts import TrustedHosts
from tests.unit.web.edges import NoTrail, RequestLines, an_edge

pytestmark = pytest.mark.anyio

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


class LinesWithIds(RequestLines):
    """Also notes the request id the logs carry while the line is written."""

    def answered(self, **fields: Any) -> None:
        super().answered(**fields, request_id=REQUEST_ID.get())


def items_app() -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def item(item_id: str) -> dict[str, str]:
        return {"id": item_id}

    return app


async def get(app: Any, path: str, **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kyvs.test") as client:
        return await client.get(path, headers=headers)


# --- one layer, every rule ----------------------------------------------------------------------


async def test_an_answer_carries_a_fresh_request_id_and_no_store():
    edge = an_edge(items_app())
    first, second = await get(edge, "/items/1"), await get(edge, "/items/1")
    assert UUID.match(first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert first.headers.get_list("cache-control") == ["no-store"]


async def test_one_request_log_line_per_answer_under_the_route_template_with_its_request_id():
    lines = LinesWithIds()
    answer = await get(an_edge(items_app(), requests=lines), "/items/9876543210")
    assert lines.lines == [
        {
            "method": "GET",
            "path": "/items/9876543210",  # the log masks it if no route answered (test_logging)
            "route": "/items/{item_id}",
            "status": 200,
            "http_version": "1.1",
            "request_id": answer.headers["x-request-id"],
        }
    ]
    assert REQUEST_ID.get() is None  # not left behind after the request


async def test_an_untrusted_host_is_refused_and_still_stamped_logged_audited_and_counted():
    lines, metrics, audit = RequestLines(), PrometheusMetrics(), AuditQueue(NoTrail())
    edge = an_edge(
        items_app(),
        hosts=TrustedHosts(("kyvs.example.org",)),
        requests=lines,
        metrics=metrics,
        audit=audit,
    )
    answer = await get(edge, "/items/1")
    assert answer.status_code == 400
    assert answer.json()["type"].endswith("/untrusted-host")
    assert answer.headers["cache-control"] == "no-store"
    (entry,) = audit.entries
    assert (entry.request_id, entry.route, entry.status) == (
        answer.headers["x-request-id"],
        "(unmatched)",
        400,
    )
    assert [line["status"] for line in lines.lines] == [400]
    labels = {"method": "GET", "route": "(unmatched)", "status": "400"}
    assert metrics.registry.get_sample_value("kyvs_http_requests_total", labels) == 1


# --- sessions on the pages only -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", True),
        ("/me", True),
        ("/console/login", True),
        ("/hosted/abc", True),
        ("/lang/hi", True),
        ("/no/such/page", True),  # a 404 error page may carry a form's CSRF token
        ("/api/v1/verifications", False),
        ("/api/v3/vaccination/status", False),
        ("/healthz", False),
        ("/readyz", False),
        ("/metrics", False),
        ("/static/kyvs.css", False),
        ("/openapi.json", False),
        ("/docs", False),
        ("/.well-known/jwks.json", False),
    ],
)
def test_sessions_are_for_the_pages(path, expected):
    assert uses_sessions(path) is expected


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(database_url="sqlite:///:memory:", demo=True))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as session:
        yield session


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, "no CSRF token on the page"
    return found.group(1)


async def test_a_page_keeps_its_session_and_api_and_probe_answers_never_set_the_cookie(client):
    login = await client.get("/me")
    assert "kyvs_session" in client.cookies
    for path in ("/healthz", "/readyz", "/metrics", "/api/v1/citizen/beneficiaries"):
        answer = await client.get(path)  # the session cookie goes along, unread
        assert "set-cookie" not in answer.headers, path
        assert UUID.match(answer.headers["x-request-id"]), path
        assert answer.headers["cache-control"] == "no-store", path
    again = await client.get("/me")
    assert csrf_of(again) == csrf_of(login)  # the same session came back with the cookie
