"""Shared fixtures: databases (SQLite always, PostgreSQL when the machine has it)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from kyvs.adapters.sql import migrate
from kyvs.adapters.sql.engine import make_engine
from kyvs.settings import SETTINGS_FILES_ENV
from tests import budget

budget.load_profile()
# A developer's demo settings (var/kyvs.env, .env) never reach the tests: each says what it needs.
os.environ[SETTINGS_FILES_ENV] = ""
# The in-process apps are reached as http(s)://kyvs.test (httpx); servers started by the e2e tests
# get a clean environment and keep the default, loopback, hosts.
os.environ["KYVS_TRUSTED_HOSTS"] = "kyvs.test,127.0.0.1,localhost"


def worker_number() -> int:
    """This test process's number under pytest-xdist (`gw3` is 3), 0 when run alone."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker.removeprefix("gw") or 0)


def service_url(variable: str, what: str) -> str:
    """The URL of a backing service for tests; skip (or fail in CI) when it is not configured."""
    url = os.environ.get(variable)
    if url:
        return url
    reason = f"{what} tests need {variable} (e.g. set by .ci/run)"
    if os.environ.get("KYVS_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}; KYVS_REQUIRE_SERVICES=1 forbids skipping")
    pytest.skip(reason)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'kyvs.db'}"


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    base = service_url("KYVS_TEST_DATABASE_URL", "PostgreSQL")
    schema = f"kyvs_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request) -> str:
    """Each integration test runs on SQLite and on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def engine(database_url) -> Iterator[Engine]:
    """A migrated, empty database."""
    created = make_engine(database_url)
    migrate.upgrade(created)
    yield created
    created.dispose()


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio (the server's loop)."""
    return "asyncio"
