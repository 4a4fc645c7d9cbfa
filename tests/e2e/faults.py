"""Helpers for fault tests: a private Redis and PostgreSQL to crash and restart, the processes of
a running `kyvs serve`, and people to verify.

The machine's shared PostgreSQL and Redis are never stopped: every fault hits a server that
these helpers started in a temporary folder on a free loopback port.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import redis

from tests.e2e.conftest import free_port

POSTGRES_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


def wait_for(check: Callable[[], bool], what: str, timeout_s: float = 20) -> None:
    """Poll `check` until true; fail naming `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached in {timeout_s} s")
        time.sleep(0.05)


def skip_or_fail(reason: str) -> None:
    if os.environ.get("KYVS_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}; KYVS_REQUIRE_SERVICES=1 forbids skipping")
    pytest.skip(reason)


@dataclass
class PrivateRedis:
    """A redis-server of our own, persisting every write to its AOF (`appendfsync always`),
    so a SIGKILL loses nothing it acknowledged."""

    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            skip_or_fail("fault tests need redis-server on PATH")
        assert server is not None
        self.process = subprocess.Popen(
            [
                *(server, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--dir", str(self.folder), "--save", "", "--daemonize", "no"),
                *("--appendonly", "yes", "--appendfsync", "always"),
                *("--logfile", str(self.folder / "redis.log")),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.answers, "Redis answers PING")

    def answers(self) -> bool:
        client = redis.Redis.from_url(self.url, socket_timeout=0.5, socket_connect_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def crash(self) -> None:
        """SIGKILL: no shutdown, no final save; only the AOF remains."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.crash()


@contextlib.contextmanager
def private_redis(folder: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster of our own (initdb in a temporary folder), run as the `postgres`
    user when the tests run as root, since PostgreSQL refuses to run as root."""

    folder: Path
    bin: Path
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.folder / "data"), "-A", "trust", "-U", "postgres")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        log = str(self.folder / "postgres.log")
        self._run(
            "pg_ctl", "-D", str(self.folder / "data"), "-o", options, "-l", log, "-w", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        """`fast`: roll back open transactions and close every connection, then shut down."""
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", mode, "-w", "stop")


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A running private cluster, removed afterwards; skips when none can be made."""
    if not POSTGRES_BIN or (os.geteuid() == 0 and shutil.which("runuser") is None):
        skip_or_fail("the PostgreSQL restart test needs initdb/pg_ctl (and runuser as root)")
    folder = Path(tempfile.mkdtemp(prefix="kyvs-faults-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    server = PrivatePostgres(folder, POSTGRES_BIN[-1])
    try:
        server.init()
        server.start()
    except subprocess.CalledProcessError as error:
        shutil.rmtree(folder, ignore_errors=True)
        skip_or_fail(f"cannot start a private PostgreSQL: {error.stderr.decode()[-300:]}")
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


# --- the server's processes --------------------------------------------------------------------


def server_pid(base: str) -> int:
    """The `kyvs serve` process listening at `base` (uvicorn's supervisor with --workers)."""
    port = base.rsplit(":", 1)[1]
    found = subprocess.run(
        ["pgrep", "-f", f"kyvs serve --port {port}"], capture_output=True, text=True, check=False
    )
    pids = [int(pid) for pid in found.stdout.split()]
    assert len(pids) == 1, pids
    return pids[0]


def worker_pids(supervisor: int) -> list[int]:
    """uvicorn's worker processes: the supervisor's children spawned by multiprocessing."""
    workers = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
            if parent == supervisor and b"spawn_main" in command:
                workers.append(int(entry.name))
    return sorted(workers)


def kill_a_worker(base: str) -> int:
    """SIGKILL one worker of the server at `base`; wait until uvicorn has replaced it."""
    supervisor = server_pid(base)
    before = worker_pids(supervisor)
    assert len(before) >= 2, before
    victim = before[0]
    os.kill(victim, signal.SIGKILL)
    wait_for(
        lambda: victim not in (now := worker_pids(supervisor)) and len(now) == len(before),
        "uvicorn replaced the killed worker",
    )
    return victim


def ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


# --- people and providers ----------------------------------------------------------------------


def people_csv(
    folder: Path, count: int, first_mobile: int = 9_400_000_000
) -> list[tuple[str, str]]:
    """A registry CSV of `count` people, one per mobile; their (full name, mobile)."""
    people = [(f"Asha {_letters(n)}", str(first_mobile + n)) for n in range(count)]
    rows = ["full_name,birth_year,gender,mobile,dose1_vaccine,dose1_date"]
    rows += [f"{name},1980,F,{mobile},COVISHIELD,2021-05-01" for name, mobile in people]
    (folder / "people.csv").write_text("\n".join(rows) + "\n")
    return people


def _letters(number: int) -> str:
    """A surname made of letters only (names hold no digits): 0 -> Baba, 1 -> Babe, ..."""
    consonants, vowels = "bdgklmnprstv", "aeiou"
    syllables = []
    for _ in range(3):
        number, rest = divmod(number, len(consonants) * len(vowels))
        syllables.append(consonants[rest // len(vowels)] + vowels[rest % len(vowels)])
    return "".join(reversed(syllables)).capitalize()
