"""Errors the API fuzzer found answered differently from the OpenAPI document.

Each test replays one finding against the app (real SQLite, no server process): the answer now has
a documented status, content type and body shape.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from kyvs.adapters.sql import migrate
from kyvs.bootstrap import bootstrap
from kyvs.services import providers as onboarding
from kyvs.settings import Settings
from kyvs.web.app import create_app
from kyvs.web.problems import MEDIA_TYPE, PROBLEM_BASE

pytestmark = pytest.mark.anyio

NOT_UTF8 = b"\xff\xfe{"


@pytest.fixture
async def client(sqlite_url) -> AsyncIterator[httpx.AsyncClient]:
    """The app on a migrated SQLite database with one provider, its key sent on every call."""
    container = bootstrap(Settings(database_url=sqlite_url, demo=True))
    migrate.upgrade(container.engine)
    _, key = onboarding.create_provider(
        name="Yatra Travels",
        category="travel",
        scopes=["status"],
        purposes=["travel"],
        daily_quota=1000,
        rate_limit="1000/5min",
        store=container.provider_store,
        access=container.access,
        now=container.clock.now(),
    )
    transport = httpx.ASGITransport(app=create_app(container=container))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://kyvs.test", headers={"X-Api-Key": key}
    ) as session:
        yield session
    await container.aclose()


def assert_cowin_error(answer: httpx.Response, status: int, code: str) -> None:
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["errorCode"] == code
    assert set(answer.json()) == {"errorCode", "error"}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v3/vaccination/generateOTP", {"mobile_number": "", "full_name": ""}),
        ("/api/v2/auth/public/generateOTP", {"mobile": ""}),
    ],
)
async def test_a_cowin_otp_request_for_a_mobile_that_is_no_mobile_answers_a_documented_400(
    client, path, body
):
    answer = await client.post(path, json=body)
    assert_cowin_error(answer, 400, "KYVS_INVALID_INPUT")


async def test_a_cowin_call_without_an_api_key_answers_401_in_cowins_shape(client):
    answer = await client.post(
        "/api/v3/vaccination/generateOTP",
        json={"mobile_number": "9000000001", "full_name": "Asha Patel"},
        headers={"X-Api-Key": ""},
    )
    assert_cowin_error(answer, 401, "KYVS_INVALID_API_KEY")


@pytest.mark.parametrize(
    "path",
    ["/api/v3/vaccination/generateOTP", "/api/v3/vaccination/confirmOTP"],
)
async def test_a_cowin_call_missing_a_field_answers_422_in_cowins_shape(client, path):
    answer = await client.post(path, json={})
    assert_cowin_error(answer, 422, "KYVS_VALIDATION_ERROR")
    assert "Field required" in answer.json()["error"]


async def test_a_cowin_call_whose_body_is_not_json_answers_400_in_cowins_shape(client):
    answer = await client.post(
        "/api/v2/auth/public/confirmOTP",
        content=NOT_UTF8,
        headers={"Content-Type": "application/json"},
    )
    assert_cowin_error(answer, 400, "KYVS_INVALID_INPUT")


@pytest.mark.parametrize("path", ["/api/v1/verifications", "/api/v1/citizen/blocks"])
async def test_a_body_that_is_not_utf8_answers_400_invalid_input_not_an_undocumented_type(
    client, path
):
    answer = await client.post(
        path,
        content=NOT_UTF8,
        headers={"Content-Type": "application/json", "Authorization": "Bearer x"},
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"] == MEDIA_TYPE
    assert answer.json()["type"] == PROBLEM_BASE + "invalid-input"
