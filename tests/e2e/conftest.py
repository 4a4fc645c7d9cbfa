"""End-to-end fixtures: the `kyvs` command as a user types it, and a real server process."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.phone import Phones

KYVS = str(Path(sys.executable).with_name("kyvs"))


@dataclass
class Cli:
    """Runs `kyvs ...` in a fresh environment pointing at one database."""

    env: dict[str, str]
    cwd: Path

    def run(
        self, *args: str, check: bool = True, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [KYVS, *args],
            env=self.env,
            cwd=self.cwd,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"kyvs {' '.join(args)} failed ({done.returncode}):\n{done.stderr}{done.stdout}"
            )
        return done

    @functools.cached_property
    def phones(self) -> Phones:
        """The phones of the people in this CLI's database (the demo SMS outbox)."""
        return Phones(self.env["KYVS_DATABASE_URL"])

    def json(self, *args: str, check: bool = True, stdin: str | None = None) -> Any:
        return json.loads(self.run(*args, "--json", check=check, stdin=stdin).stdout)


def environment(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYVS_")}
    env.update(KYVS_DATABASE_URL=database_url, COLUMNS="200", NO_COLOR="1", **extra)
    return env


@pytest.fixture
def cli(tmp_path, sqlite_url) -> Cli:
    """The CLI on a fresh, migrated SQLite database."""
    runner = Cli(environment(sqlite_url, KYVS_DEMO="1"), tmp_path)
    runner.run("db", "upgrade")
    return runner


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path, sqlite_url) -> Iterator[str]:
    """A real `kyvs serve` process on a free loopback port; yields its base URL."""
    env = environment(sqlite_url, KYVS_DEMO="1")
    subprocess.run([KYVS, "db", "upgrade"], env=env, cwd=tmp_path, check=True, capture_output=True)
    with running_server(env, tmp_path) as base:
        yield base


@contextlib.contextmanager
def running_server(env: dict[str, str], folder: Path, *extra: str) -> Iterator[str]:
    """Start `kyvs serve` with `env`, wait until healthy, yield its URL, stop it afterwards."""
    port = free_port()
    log_path = folder / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [KYVS, "serve", "--port", str(port), *extra],
            env=env,
            cwd=folder,
            stdout=log,
            stderr=log,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base, process, log_path)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("server did not become healthy in 30 s")
