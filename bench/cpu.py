"""Server CPU per operation against a bare FastAPI app, and SQL work per round trip.

    wrk        `wrk -t1 -c<N> -d<S>s --latency URL` (compiled: the client does not set the pace)
               drives kyvs's `/healthz` and `bare_app.py`'s `GET /` in alternating slices; the
               CPU seconds of the server's processes (every worker) over exactly the wrk run,
               divided by the requests wrk completed, is the CPU per request.
    round trip the CPU seconds of the kyvs workers over the verification slices of `load.py`
               (asyncio httpx client), divided by the round trips completed in them.
    SQL        `hooks/sitecustomize.py` counts statements (`before_cursor_execute`) and
               transactions (`commit`) in every server process; read before and after each
               verification slice, divided by the round trips completed.

The ratios (round trip CPU / bare request CPU, `/healthz` CPU / bare request CPU) are what the
targets bound: both sides run on the same cores at the same time, so a busy machine moves both.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from common import BENCH, CpuMeter, Server, free_port, log, serving

HOOKS = BENCH / "hooks"
SQL_COUNTS_ENV = "KYVS_BENCH_SQL_COUNTS"
SQL_KEYS = ("statements", "commits", "rollbacks")
WRK_WARMUP_S = 1
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
LATENCY = re.compile(r"^\s*(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
REQUESTS = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m)", re.MULTILINE)
NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s*(\d+)")
SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def wrk_path() -> str | None:
    return shutil.which("wrk")


# --- wrk ------------------------------------------------------------------------------------------


@dataclass
class WrkRun:
    """One wrk run against one server and the server's CPU over it."""

    requests: int
    seconds: float
    errors: int  # non-2xx answers and socket errors
    latency_ms: dict[str, float]  # p50, p75, p90, p99 as wrk reports them
    server_cpu_s: float
    client_cpu_s: float  # wrk's own (user + system)
    cores: dict[str, float]


def parse_wrk(output: str) -> tuple[int, float, int, dict[str, float]]:
    """(requests, seconds, errors, latency percentiles in ms) from `wrk --latency` output."""
    found = REQUESTS.search(output)
    if found is None:
        raise RuntimeError(f"wrk printed no request count:\n{output}")
    requests, seconds = int(found.group(1)), float(found.group(2)) * UNITS[found.group(3)] / 1000
    errors = sum(int(n) for n in (m.group(1) for m in NON_2XX.finditer(output)))
    if sockets := SOCKET_ERRORS.search(output):
        errors += sum(int(n) for n in sockets.groups())
    latency = {f"p{p}": float(v) * UNITS[u] for p, v, u in LATENCY.findall(output)}
    return requests, seconds, errors, latency


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wrk(url: str, connections: int, seconds: int, pids: Sequence[int]) -> WrkRun:
    """`wrk` for `seconds` at `url`; the CPU of `pids` (the server's processes) over the run."""
    binary = wrk_path()
    if binary is None:
        raise RuntimeError("wrk is not installed")
    args = [binary, "-t1", f"-c{connections}", f"-d{max(1, seconds)}s", "--latency", url]
    meter = CpuMeter(pids)
    before = children_cpu_s()
    meter.start()
    done = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60, check=False)
    cores = meter.stop()
    client = children_cpu_s() - before
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stderr}{done.stdout}")
    requests, measured, errors, latency = parse_wrk(done.stdout)
    return WrkRun(requests, measured, errors, latency, cores["server"] * meter.wall, client, cores)


def warm_up(url: str, connections: int) -> None:
    """An unmeasured wrk second: connections, caches and lazily built parts of the app."""
    binary = wrk_path()
    if binary is not None:
        args = [binary, "-t1", f"-c{connections}", f"-d{WRK_WARMUP_S}s", url]
        subprocess.run(args, capture_output=True, timeout=60, check=False)


@dataclass
class WrkPhase:
    """The wrk runs of one target, added up."""

    name: str
    url: str
    connections: int
    requests: int
    seconds: float
    errors: int
    per_second: float
    server_cpu_s: float
    cpu_ms_per_request: float | None
    client_cpu_ms_per_request: float | None
    latency_ms: dict[str, float]  # the worst slice's percentile of each (wrk gives no samples)
    slices: list[dict[str, Any]] = field(default_factory=list)


def summarise_wrk(name: str, url: str, connections: int, runs: Sequence[WrkRun]) -> WrkPhase:
    requests = sum(r.requests for r in runs)
    seconds = sum(r.seconds for r in runs)
    cpu = sum(r.server_cpu_s for r in runs)
    client = sum(r.client_cpu_s for r in runs)
    keys = sorted({k for r in runs for k in r.latency_ms})
    # wrk reports percentiles, not samples: a request-weighted mean of the slices' percentiles
    latency = {
        k: round(sum(r.latency_ms.get(k, 0.0) * r.requests for r in runs) / max(requests, 1), 3)
        for k in keys
    }
    phase = WrkPhase(
        name,
        url,
        connections,
        requests,
        seconds,
        sum(r.errors for r in runs),
        requests / seconds if seconds else 0.0,
        cpu,
        cpu * 1000 / requests if requests else None,
        client * 1000 / requests if requests else None,
        latency,
        [asdict(r) for r in runs],
    )
    per_request = "-" if phase.cpu_ms_per_request is None else f"{phase.cpu_ms_per_request:.4f}"
    log(
        f"  {name} (wrk): {phase.per_second:,.0f}/s, {requests:,} requests, {phase.errors} "
        f"errors, server CPU {per_request} ms/request, p50 {latency.get('p50', 0):.2f} ms"
    )
    return phase


# --- the bare app --------------------------------------------------------------------------------


@contextlib.contextmanager
def bare_server(folder: Path) -> Iterator[Server]:
    """`bare_app.py` under uvicorn (this virtualenv, 1 worker, no access log) on a free port."""
    port = free_port()
    args = [sys.executable, "-m", "uvicorn", "bare_app:app", "--app-dir", str(BENCH)]
    args += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    args += ["--no-access-log", "--log-level", "warning"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYVS_")}
    with serving(args, env, folder, port=port, workers=1, ready_path="/", log_name="bare") as bare:
        yield bare


# --- SQL counts ----------------------------------------------------------------------------------


def hooked_environment(env: dict[str, str], prefix: Path) -> dict[str, str]:
    """`env` with the counting hook on `PYTHONPATH` (first) and its output prefix set."""
    path = os.pathsep.join(p for p in (str(HOOKS), env.get("PYTHONPATH", "")) if p)
    return env | {"PYTHONPATH": path, SQL_COUNTS_ENV: str(prefix)}


def read_counts(prefix: Path, pids: Sequence[int], *, fresh_after: float) -> dict[str, int] | None:
    """The summed counts of `pids`, once each has written them after `fresh_after` (time.time());
    None when the hook wrote nothing (not loaded) within 3 s."""
    deadline = time.monotonic() + 3.0
    while True:
        found: dict[int, dict[str, Any]] = {}
        for pid in pids:
            with contextlib.suppress(OSError, ValueError):
                data = json.loads(Path(f"{prefix}.{pid}.json").read_text(encoding="utf-8"))
                if data.get("written_at", 0) > fresh_after:
                    found[pid] = data
        if len(found) == len(pids):
            return {key: sum(int(d.get(key, 0)) for d in found.values()) for key in SQL_KEYS}
        if time.monotonic() > deadline:
            return None
        time.sleep(0.05)


def difference(
    after: dict[str, int] | None, before: dict[str, int] | None
) -> dict[str, int] | None:
    if after is None or before is None:
        return None
    return {key: after[key] - before[key] for key in SQL_KEYS}
