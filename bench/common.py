"""What the benchmarks share: metrics and results, the `kyvs` CLI, PostgreSQL schemas, servers.

Every benchmark measures its baseline in the same run and reports a ratio against it, so that
a busy machine (colleagues' test suites, CI) moves both numbers alike; absolute figures are
printed too, but only the ratios are compared with the targets.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
KYVS = str(Path(sys.executable).with_name("kyvs"))
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def bench_postgres_url() -> str:
    """PostgreSQL for benchmarks: `KYVS_BENCH_DATABASE_URL`, else the tests', else the local one."""
    return (
        os.environ.get("KYVS_BENCH_DATABASE_URL")
        or os.environ.get("KYVS_TEST_DATABASE_URL")
        or DEFAULT_POSTGRES
    )


SECRET_KEY = secrets.token_urlsafe(32)  # one per run: signing keys are encrypted under it


@dataclass
class Metric:
    """One row of the summary: a value, the baseline it is compared with, and the target."""

    name: str
    value: float | None
    unit: str
    baseline: float | None = None
    baseline_label: str = ""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""


def at_least(ratio: float | None, bound: float) -> bool | None:
    """Whether `ratio` reaches `bound` (None when there is nothing to compare)."""
    return None if ratio is None or math.isnan(ratio) else ratio >= bound


def at_most(ratio: float | None, bound: float) -> bool | None:
    """Whether `ratio` stays within `bound` (None when there is nothing to compare)."""
    return None if ratio is None or math.isnan(ratio) else ratio <= bound


def ratio_of(value: float | None, baseline: float | None) -> float | None:
    """`value / baseline`, or None when either is missing or the baseline is zero."""
    if value is None or baseline is None or baseline == 0:
        return None
    return value / baseline


def percentiles(samples: Sequence[float], points: Sequence[float] = (50, 95, 99)) -> list[float]:
    """Nearest-rank percentiles of `samples` (NaN for no samples)."""
    if not samples:
        return [math.nan for _ in points]
    ordered = sorted(samples)
    return [
        ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]
        for p in points
    ]


def write_result(folder: Path, name: str, data: dict[str, Any]) -> Path:
    """`folder/<name>.json`, pretty-printed."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def metrics_data(metrics: Sequence[Metric]) -> list[dict[str, Any]]:
    """Metrics as JSON-ready dictionaries."""
    return [asdict(m) for m in metrics]


def machine() -> dict[str, Any]:
    """What the numbers were measured on, including how busy the machine was."""
    load = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "load_average_1m": round(load[0], 2),
        "python": sys.version.split()[0],
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def log(message: str) -> None:
    """Progress on stderr, timestamped, so stdout stays the results."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the CLI -----------------------------------------------------------------------------------


def environment(database_url: str, **extra: str) -> dict[str, str]:
    """This process's environment without `KYVS_*`, pointed at `database_url`, no demo mode."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYVS_")}
    env.update(
        KYVS_DATABASE_URL=database_url,
        KYVS_SECRET_KEY=SECRET_KEY,
        KYVS_SMS_BACKEND="outbox",
        COLUMNS="200",
        NO_COLOR="1",
        **extra,
    )
    return env


@dataclass
class Cli:
    """Runs `kyvs ...` with one environment, as an operator would."""

    env: dict[str, str]
    cwd: Path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [KYVS, *args],
            env=self.env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"kyvs {' '.join(args)} failed:\n{done.stderr}{done.stdout}")
        return done

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json").stdout)


# --- PostgreSQL ----------------------------------------------------------------------------------


def postgres_reachable(url: str) -> str | None:
    """None when `url` answers, else why not."""
    import psycopg  # noqa: PLC0415 - only the PostgreSQL benchmarks need it

    try:
        with psycopg.connect(url, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        return f"PostgreSQL at {url} is not reachable: {str(error).strip()}"
    return None


def redis_reachable(url: str) -> str | None:
    """None when Redis at `url` answers PING, else why not."""
    import redis  # noqa: PLC0415 - only when kyvs wires Redis

    try:
        redis.Redis.from_url(url, socket_timeout=3).ping()
    except redis.RedisError as error:
        return f"Redis at {url} is not reachable: {error}"
    return None


def kyvs_wires_redis() -> bool:
    """Whether `kyvs.bootstrap` builds its adapters from `KYVS_REDIS_URL` (not just reads it)."""
    import inspect  # noqa: PLC0415

    from kyvs import bootstrap  # noqa: PLC0415

    return "redis_url" in inspect.getsource(bootstrap)


@dataclass
class Schema:
    """A fresh PostgreSQL schema; `url` has it as the search path."""

    base_url: str
    name: str = field(default_factory=lambda: f"kyvs_bench_{uuid.uuid4().hex[:10]}")

    @property
    def url(self) -> str:
        separator = "&" if "?" in self.base_url else "?"
        return f"{self.base_url}{separator}options=-csearch_path%3D{self.name}"

    def create(self) -> Schema:
        import psycopg  # noqa: PLC0415

        with psycopg.connect(self.base_url, autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA {self.name}")
        return self

    def drop(self) -> None:
        import psycopg  # noqa: PLC0415

        with psycopg.connect(self.base_url, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA IF EXISTS {self.name} CASCADE")


# --- servers and their memory --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running `kyvs serve`: its URL, the supervisor process and the worker pids."""

    base: str
    process: subprocess.Popen[bytes]
    workers: int
    log: Path

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: the server itself, or uvicorn's spawned children."""
        if self.workers == 1:
            return [self.process.pid]
        return [pid for pid in children(self.process.pid) if "spawn_main" in cmdline(pid)]


def children(pid: int) -> list[int]:
    """Direct children of `pid`."""
    try:
        import psutil  # noqa: PLC0415

        return [child.pid for child in psutil.Process(pid).children()]
    except ImportError:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    stat = (entry / "stat").read_text()
                    if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry.name))
        return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def rss_mb(pid: int) -> float | None:
    """Resident memory of `pid` in MiB (psutil, else /proc/<pid>/status VmRSS)."""
    try:
        import psutil  # noqa: PLC0415

        try:
            return float(psutil.Process(pid).memory_info().rss) / 2**20
        except psutil.Error:
            return None
    except ImportError:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
    return None


def cpu_seconds(pid: int, *, reaped: bool = False) -> float:
    """User + system CPU seconds `pid` has used (from /proc/<pid>/stat); with `reaped`, also
    those of its children that have ended (how PostgreSQL's short-lived backends show up: in
    the postmaster's total once they exit)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if reaped:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def running_server(env: dict[str, str], folder: Path, workers: int = 1) -> Iterator[Server]:
    """Start `kyvs serve` with `env`, wait until healthy, yield it, stop it afterwards."""
    port = free_port()
    args = [KYVS, "serve", "--port", str(port), "--workers", str(workers)]
    with serving(args, env, folder, port=port, workers=workers, ready_path="/healthz") as server:
        yield server


@contextlib.contextmanager
def serving(
    args: Sequence[str],
    env: dict[str, str],
    folder: Path,
    *,
    port: int,
    workers: int,
    ready_path: str,
    log_name: str = "server",
) -> Iterator[Server]:
    """Run the HTTP server `args` (listening on `port`) until `ready_path` answers 200 with every
    worker up; yield it; stop it afterwards."""
    log_path = folder / f"{log_name}-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(args, env=env, cwd=folder, stdout=log_file, stderr=log_file)
    server = Server(f"http://127.0.0.1:{port}", process, workers, log_path)
    try:
        _wait_until_ready(server, ready_path)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_ready(server: Server, ready_path: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited:\n{server.log.read_text()}")
        try:
            healthy = httpx.get(f"{server.base}{ready_path}", timeout=1).status_code == 200
        except httpx.TransportError:
            healthy = False
        if healthy and len(server.worker_pids()) == server.workers:
            return
        time.sleep(0.2)
    raise RuntimeError(f"server did not become healthy in 60 s:\n{server.log.read_text()}")


class MemorySampler:
    """Samples RSS and CPU time of a server's workers every `interval` seconds, in a thread."""

    def __init__(self, server: Server, interval: float = 0.5) -> None:
        self.server = server
        self.interval = interval
        self.samples: list[dict[str, Any]] = []  # {"t", "pid", "rss_mb"}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._started = 0.0

    def __enter__(self) -> MemorySampler:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            now = time.monotonic() - self._started
            for pid in self.server.worker_pids():
                rss = rss_mb(pid)
                if rss is not None:
                    self.samples.append({"t": round(now, 2), "pid": pid, "rss_mb": round(rss, 1)})
            self._stop.wait(self.interval)

    def between(self, start: float, end: float) -> list[dict[str, Any]]:
        """The samples taken from `start` to `end` seconds after sampling began."""
        return [s for s in self.samples if start <= s["t"] <= end]

    def seconds(self) -> float:
        return time.monotonic() - self._started


def rss_summary(samples: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Peak and last RSS per worker, and the growth rate (MiB/min) fitted over the samples."""
    by_pid: dict[int, list[tuple[float, float]]] = {}
    for sample in samples:
        by_pid.setdefault(sample["pid"], []).append((sample["t"], sample["rss_mb"]))
    workers = {}
    for pid, points in by_pid.items():
        workers[str(pid)] = {
            "first_mb": points[0][1],
            "peak_mb": max(rss for _, rss in points),
            "last_mb": points[-1][1],
            "slope_mb_per_min": round(slope(points) * 60, 3),
        }
    return {
        "peak_mb_per_worker": max((w["peak_mb"] for w in workers.values()), default=None),
        "max_slope_mb_per_min": max(
            (w["slope_mb_per_min"] for w in workers.values()), default=None
        ),
        "workers": workers,
    }


def slope(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of y over x (0 for fewer than two distinct x)."""
    if len(points) < 2:
        return 0.0
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if spread == 0:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


# --- where the CPU went -------------------------------------------------------------------------


def machine_busy_seconds() -> float:
    """CPU-seconds every core spent busy since boot (not idle, not waiting for I/O)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def cpu_by_command(commands: Sequence[str]) -> dict[int, float]:
    """CPU-seconds of every process whose command name is one of `commands`, by pid, with the
    children each has reaped."""
    found: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        if name in commands:
            found[int(entry.name)] = cpu_seconds(int(entry.name), reaped=True)
    return found


class CpuMeter:
    """Cores used between `start()` and `stop()`: the kyvs workers, this process (the load
    client), PostgreSQL and Redis, and the whole machine (the rest is other people's work)."""

    SERVICES = ("postgres", "redis-server")

    def __init__(self, worker_pids: Sequence[int]) -> None:
        self.worker_pids = list(worker_pids)
        self._start: dict[str, Any] = {}
        self.wall = 0.0

    def _snapshot(self) -> dict[str, Any]:
        return {
            "wall": time.monotonic(),
            "server": sum(cpu_seconds(pid) for pid in self.worker_pids),
            "client": time.process_time(),
            "services": cpu_by_command(self.SERVICES),
            "machine": machine_busy_seconds(),
        }

    def start(self) -> None:
        self._start = self._snapshot()

    def stop(self) -> dict[str, float]:
        end, begin = self._snapshot(), self._start
        wall = self.wall = end["wall"] - begin["wall"]
        services = sum(
            seconds - begin["services"].get(pid, 0.0) for pid, seconds in end["services"].items()
        )
        used = {
            "server": end["server"] - begin["server"],
            "client": end["client"] - begin["client"],
            "db_and_redis": services,
            "machine": end["machine"] - begin["machine"],
        }
        cores = {name: round(seconds / wall, 3) for name, seconds in used.items()}
        cores["others"] = round(
            max(0.0, cores["machine"] - cores["server"] - cores["client"] - cores["db_and_redis"]),
            3,
        )
        return cores
