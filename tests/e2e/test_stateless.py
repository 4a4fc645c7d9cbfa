"""App processes are stateless: on one PostgreSQL + Redis, a verification started on one server
is confirmed on another, and one killed between generate and confirm loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess

import httpx
import pytest
import redis

from tests.conftest import service_url, worker_number
from tests.e2e.conftest import Cli, environment, running_server

# A Redis database of its own per test worker (7, 8, ...), flushed before and after.
REDIS_DB = 7 + worker_number()


@pytest.fixture
def shared_backends(postgresql_url, tmp_path):
    base = service_url("KYVS_TEST_REDIS_URL", "Redis").rsplit("/", 1)[0]
    redis_url = f"{base}/{REDIS_DB}"
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    env = environment(postgresql_url, KYVS_DEMO="1", KYVS_REDIS_URL=redis_url)
    cli = Cli(env, tmp_path)
    cli.run("db", "upgrade")
    cli.json(
        "registry",
        "add",
        "--name",
        "Asha Patel",
        "--mobile",
        "9400000001",
        "--birth-year",
        "1988",
        "--gender",
        "F",
    )
    key = cli.json(
        "provider",
        "create",
        "--name",
        "Yatra Travels",
        "--category",
        "travel",
        "--scopes",
        "status",
        "--purposes",
        "travel",
    )["api_key"]
    yield cli, key, client
    cli.phones.close()
    client.flushdb()
    client.close()


def read_otp(cli: Cli, mobile: str) -> str:
    return cli.phones.otp_after(mobile, 0)


def start(base: str, key: str) -> str:
    answer = httpx.post(
        f"{base}/api/v1/verifications",
        headers={"X-Api-Key": key},
        json={"full_name": "Asha Patel", "mobile_number": "9400000001", "purpose": "travel"},
    )
    assert answer.status_code == 202
    return str(answer.json()["txn_id"])


def confirm(base: str, key: str, txn_id: str, otp: str) -> httpx.Response:
    return httpx.post(
        f"{base}/api/v1/verifications/{txn_id}/confirm",
        headers={"X-Api-Key": key},
        json={"otp": otp},
    )


def test_a_verification_started_on_one_server_is_confirmed_on_another(shared_backends, tmp_path):
    cli, key, client = shared_backends
    with running_server(cli.env, tmp_path) as first, running_server(cli.env, tmp_path) as second:
        txn_id = start(first, key)
        assert client.exists(f"kyvs:{{txn:{txn_id}}}:txn")  # the txn lives in Redis
        otp = read_otp(cli, "9400000001")
        answer = confirm(second, key, txn_id, otp)
        assert answer.status_code == 200
        assert answer.json()["vaccination_status"] == 0
        state = httpx.get(f"{first}/api/v1/verifications/{txn_id}", headers={"X-Api-Key": key})
        assert state.json()["state"] == "verified"


def test_a_server_killed_between_generate_and_confirm_loses_nothing(shared_backends, tmp_path):
    cli, key, _ = shared_backends
    with running_server(cli.env, tmp_path) as doomed:
        txn_id = start(doomed, key)
        otp = read_otp(cli, "9400000001")
        port = doomed.rsplit(":", 1)[1]
        found = subprocess.run(
            ["pgrep", "-f", f"kyvs serve --port {port}"],
            capture_output=True,
            text=True,
            check=False,
        )
        pids = [int(pid) for pid in found.stdout.split()]
        assert pids
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
    with running_server(cli.env, tmp_path) as revived:
        answer = confirm(revived, key, txn_id, otp)
        assert answer.status_code == 200
