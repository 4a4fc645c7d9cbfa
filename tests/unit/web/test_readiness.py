"""`/readyz`: ready when the database, Redis (if configured) and the SMS carrier answer; a 503
problem naming the failing checks otherwise, never with an error message that could hold a
secret."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from kyvs.bootstrap import Container, bootstrap
from kyvs.settings import Settings
from kyvs.web import readiness
from kyvs.web.app import create_app
from kyvs.web.problems import PROBLEM_BASE

pytestmark = pytest.mark.anyio

UNREACHABLE = "postgresql://kyvs:hunter2-secret@127.0.0.1:1/kyvs"  # nothing listens on port 1


async def get_readyz(wired: Container) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_app(container=wired))
    async with httpx.AsyncClient(transport=transport, base_url="http://kyvs.test") as client:
        return await client.get("/readyz")


@pytest.fixture
async def wired(request) -> AsyncIterator[Container]:
    chosen: dict[str, Any] = {"database_url": "sqlite:///:memory:", "demo": True}
    chosen.update(getattr(request, "param", {}))
    container = bootstrap(Settings(**chosen))
    yield container
    await container.aclose()


async def test_ready_when_every_dependency_answers(wired):
    answer = await get_readyz(wired)
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "ready",
        "checks": {"database": "ok", "redis": "not configured", "sms": "ok"},
    }
    assert answer.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("wired", [{"database_url": UNREACHABLE}], indirect=True)
async def test_an_unreachable_database_is_a_503_naming_the_check(wired):
    answer = await get_readyz(wired)
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "5"
    body = answer.json()
    assert body["type"] == PROBLEM_BASE + "not-ready"
    assert body["failing"] == ["database"]
    assert body["checks"]["database"] == "failing"
    assert "hunter2" not in answer.text


async def test_a_check_that_hangs_fails_after_the_timeout(wired, monkeypatch):
    async def hangs(_: Container) -> str:
        await asyncio.sleep(30)
        return "ok"

    monkeypatch.setattr(readiness, "CHECK_TIMEOUT_S", 0.05)
    outcomes = await asyncio.wait_for(readiness.run_checks(wired, {"slow": hangs}), timeout=5)
    assert outcomes == {"slow": "failing"}


class FakeRedis:
    def __init__(self, *, answers: bool) -> None:
        self.answers = answers

    async def ping(self) -> bool:
        if not self.answers:
            raise ConnectionError("no Redis at redis://:secret@10.0.0.9")
        return True


def with_redis(client: FakeRedis | None) -> Container:
    settings = Settings(database_url="sqlite:///:memory:", demo=True, redis_url="redis://r:6379")
    container = Container(settings=settings)
    container.__dict__["redis"] = client  # what the container's cached `redis` would hold
    return container


@pytest.mark.parametrize(
    ("client", "outcome"),
    [(FakeRedis(answers=True), "ok"), (FakeRedis(answers=False), "failing"), (None, None)],
)
async def test_redis_is_pinged_when_configured(client, outcome):
    outcomes = await readiness.run_checks(with_redis(client), {"redis": readiness.redis_check})
    assert outcomes == {"redis": outcome or "not configured"}


@pytest.mark.parametrize(
    ("url", "outcome"), [("https://sms.example/send", "ok"), ("ftp://sms.example/", "failing")]
)
async def test_an_sms_gateway_needs_an_http_url_and_no_message_is_sent(url, outcome):
    settings = Settings(
        database_url="sqlite:///:memory:", demo=True, sms_backend="http", sms_http_url=url
    )
    checks = {"sms": readiness.sms_check}
    assert await readiness.run_checks(Container(settings=settings), checks) == {"sms": outcome}


def test_readyz_is_documented_with_its_503_problem():
    document = create_app(Settings(database_url="sqlite:///:memory:", demo=True)).openapi()
    responses = document["paths"]["/readyz"]["get"]["responses"]
    assert {"200", "503"} <= set(responses)
    example = responses["503"]["content"]["application/problem+json"]["example"]
    assert example["type"] == PROBLEM_BASE + "not-ready"
