"""A database or Redis that is down answers 503 with `Retry-After` (problem+json for the API,
the error page for people), never a 500; other errors of those libraries stay 500s."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import redis.exceptions as redis_errors
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy import exc as sql_errors

from kyvs.adapters.outages import is_outage
from kyvs.adapters.redis.client import make_redis
from kyvs.bootstrap import bootstrap
from kyvs.settings import Settings
from kyvs.web.app import create_app
from kyvs.web.pages.messages import slug_text
from kyvs.web.problems import PROBLEM_BASE

pytestmark = pytest.mark.anyio

UNREACHABLE_DB = "postgresql://kyvs:hunter2-secret@127.0.0.1:1/kyvs"  # nothing listens on port 1
ORIG = Exception("server closed the connection unexpectedly")

OUTAGES = [
    redis_errors.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
    redis_errors.BusyLoadingError("Redis is loading the dataset in memory"),
    redis_errors.TimeoutError("Timeout reading from socket"),
    redis_errors.ClusterDownError("CLUSTERDOWN The cluster is down"),
    redis_errors.RedisClusterException("Redis Cluster cannot be connected"),
    sql_errors.OperationalError("SELECT 1", {}, ORIG),
    sql_errors.InterfaceError("SELECT 1", {}, ORIG),
    sql_errors.DBAPIError("SELECT 1", {}, ORIG, connection_invalidated=True),
    sql_errors.TimeoutError("QueuePool limit of size 5 overflow 10 reached"),
]
BUGS = [
    sql_errors.IntegrityError("INSERT", {}, ORIG),
    sql_errors.DBAPIError("SELECT 1", {}, ORIG),
    redis_errors.ResponseError("WRONGTYPE Operation against a key holding the wrong kind"),
    redis_errors.DataError("Invalid input of type: 'NoneType'"),
]


@pytest.mark.parametrize("error", OUTAGES, ids=lambda e: type(e).__name__)
def test_unreachable_services_are_outages(error):
    assert is_outage(error)


@pytest.mark.parametrize("error", BUGS, ids=lambda e: type(e).__name__)
def test_other_database_and_redis_errors_are_bugs(error):
    assert not is_outage(error)


def raising(error: Exception) -> FastAPI:
    app = create_app(Settings(database_url="sqlite:///:memory:", demo=True))

    async def fail() -> None:
        raise error

    for path in ("/api/v1/boom", "/api/v3/vaccination/boom", "/console/boom"):
        app.add_api_route(path, fail, methods=["POST"])
    return app


async def post(app: FastAPI, path: str, **options: object) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://kyvs.test") as client:
        return await client.post(path, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("error", OUTAGES, ids=lambda e: type(e).__name__)
async def test_an_outage_is_a_503_problem_with_retry_after(error):
    answer = await post(raising(error), "/api/v1/boom")
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "5"
    body = answer.json()
    assert body["type"] == PROBLEM_BASE + "service-unavailable"
    assert body["retry_after_s"] == 5
    assert "127.0.0.1" not in answer.text  # the library's message stays out


async def test_the_cowin_facade_adds_its_error_code():
    answer = await post(raising(OUTAGES[0]), "/api/v3/vaccination/boom")
    assert answer.status_code == 503
    assert answer.json()["errorCode"] == "KYVS_SERVICE_UNAVAILABLE"


async def test_a_page_answers_the_error_page_with_503():
    answer = await post(raising(OUTAGES[0]), "/console/boom")
    assert answer.status_code == 503
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["retry-after"] == "5"


async def test_the_503_page_says_to_try_again_in_the_reader_s_language():
    answer = await post(raising(OUTAGES[0]), "/console/boom", headers={"Accept-Language": "gu"})
    assert slug_text("service-unavailable", "gu") in answer.text
    assert "થોડી સેકંડમાં ફરી પ્રયાસ કરો" in answer.text


@pytest.mark.parametrize("error", BUGS, ids=lambda e: type(e).__name__)
async def test_a_bug_stays_a_500(error):
    answer = await post(raising(error), "/api/v1/boom")
    assert answer.status_code == 500
    assert answer.json()["type"] == PROBLEM_BASE + "internal-error"


@pytest.fixture
async def unreachable_database() -> AsyncIterator[FastAPI]:
    wired = bootstrap(Settings(database_url=UNREACHABLE_DB, demo=True, database_timeout_s=2))
    yield create_app(container=wired)
    await wired.aclose()


async def test_a_verification_while_the_database_is_down_is_a_503(unreachable_database):
    answer = await post(
        unreachable_database,
        "/api/v1/verifications",
        headers={"X-Api-Key": "kyvs_0123456789ab_" + "x" * 43},
        json={"full_name": "Asha Patel", "mobile_number": "9000000001", "purpose": "travel"},
    )
    assert answer.status_code == 503
    assert answer.json()["type"] == PROBLEM_BASE + "service-unavailable"
    assert "hunter2" not in answer.text


def test_every_api_operation_documents_503():
    document = create_app(Settings(database_url="sqlite:///:memory:", demo=True)).openapi()
    for path, item in document["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in item.items():
            problem = operation["responses"].get("503", {}).get("content", {})
            assert "application/problem+json" in problem, (method, path)


async def test_the_redis_client_bounds_its_waits():
    settings = Settings(
        database_url="sqlite:///:memory:",
        demo=True,
        redis_url="redis://127.0.0.1:1/0",
        redis_timeout_s=0.5,
        redis_retries=1,
    )
    wired = bootstrap(settings)
    client = wired.redis
    assert isinstance(client, Redis)
    options = client.connection_pool.connection_kwargs
    assert options["socket_timeout"] == options["socket_connect_timeout"] == 0.5
    assert client.get_retry() is not None
    assert client.get_retry().get_retries() == 1  # type: ignore[union-attr]
    with pytest.raises(redis_errors.ConnectionError):
        await client.ping()
    await wired.aclose()
    cluster = make_redis("redis+cluster://127.0.0.1:1", timeout_s=0.5, retries=1)
    assert cluster.retry.get_retries() == 1
    await cluster.aclose()
