"""Throughput and latency of a real `kyvs serve`: `/healthz` first, then full verifications.

For each configuration (SQLite with 1 worker; PostgreSQL, with Redis when kyvs wires
`KYVS_REDIS_URL`, with 1 and 2 workers) the benchmark starts the server on the registry the
import left behind, onboards a provider with the CLI (a huge rate limit and quota) and drives it
with N concurrent asyncio httpx clients for a fixed time, after a short warm-up:

  healthz       GET /healthz: the same server's ceiling for a request that does no work;
  verification  POST /api/v1/verifications -> the OTP read straight from the `sms_outbox` table
                (one poller for all clients) -> POST .../confirm, which must answer 200 with a
                status. Every round trip uses a mobile no other one used (people alone on their
                mobile, so the name always matches), so the per-mobile OTP caps never bite.

Round trips/s over healthz requests/s is the ratio (2 requests per round trip: 0.5 at most);
targets: >= 0.25 on SQLite, >= 0.20 with 2 workers on PostgreSQL (+ Redis). Latency p50/p95/p99
of each step, RSS of every worker (sampled through the run) and the server's and client's CPU
are recorded. The client shares the 2 cores with the server: its CPU share is in the JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from common import (
    Cli,
    MemorySampler,
    Metric,
    Server,
    at_least,
    at_most,
    cpu_seconds,
    environment,
    log,
    machine,
    metrics_data,
    percentiles,
    ratio_of,
    rss_summary,
    running_server,
    write_result,
)

SQLITE_TARGET = 0.25
POSTGRES_TARGET = 0.20
RSS_TARGET_MB = 250.0
FLAT_TARGET_MB_PER_MIN = 1.0
OTP_TIMEOUT_S = 5.0
POLL_S = 0.005
OTP = re.compile(r"(?<!\d)(\d{6})(?!\d)")
LINE = re.compile(r":\d+\)$")  # a frame's line number: profiles add up per function
Fetch = Callable[[int], Awaitable[list[tuple[int, str, str]]]]


@dataclass
class Config:
    """One server to measure."""

    label: str
    backend: str
    workers: int
    database_url: str
    redis_url: str | None = None


@dataclass
class Sample:
    """One operation: when it started and ended (monotonic), how it went, its steps' times."""

    started: float
    ended: float
    ok: bool
    reason: str = ""
    steps: dict[str, float] = field(default_factory=dict)


@dataclass
class Phase:
    """One timed run against one server."""

    name: str
    clients: int
    seconds: float
    completed: int
    failed: dict[str, int]
    per_second: float
    latency_ms: dict[str, dict[str, float]]
    server_cpu_cores: float
    client_cpu_cores: float
    window: tuple[float, float]  # seconds since the memory sampler began


# --- where OTPs are read --------------------------------------------------------------------------


class OtpWatcher:
    """Polls the outbox for new messages and hands each waiting client its mobile's OTP."""

    def __init__(self, fetch: Fetch) -> None:
        self._fetch = fetch
        self._last = 0
        self._waiting: dict[str, asyncio.Future[str]] = {}
        self._early: dict[str, str] = {}
        self.polls = 0

    async def start_after_current(self) -> None:
        rows = await self._fetch(-1)
        self._last = max((row[0] for row in rows), default=0)

    def expect(self, mobile: str) -> asyncio.Future[str]:
        """A future for `mobile`'s next OTP; call before asking for it."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        if mobile in self._early:
            future.set_result(self._early.pop(mobile))
        else:
            self._waiting[mobile] = future
        return future

    def forget(self, mobile: str) -> None:
        self._waiting.pop(mobile, None)

    async def run(self) -> None:
        while True:
            for ident, mobile, text in await self._fetch(self._last):
                self._last = max(self._last, ident)
                found = OTP.search(text)
                if found is None:
                    continue
                future = self._waiting.pop(mobile, None)
                if future is None:
                    self._early[mobile] = found.group(1)
                elif not future.done():
                    future.set_result(found.group(1))
            self.polls += 1
            await asyncio.sleep(POLL_S)


@contextlib.asynccontextmanager
async def outbox_reader(config: Config) -> AsyncIterator[Fetch]:
    """A `fetch(after_id)` of outbox rows for the configuration's database."""
    query = "SELECT id, to_mobile, text FROM sms_outbox WHERE id > {} ORDER BY id"
    if config.backend == "sqlite":
        path = config.database_url.removeprefix("sqlite:///")
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

        async def fetch_sqlite(after: int) -> list[tuple[int, str, str]]:
            if after < 0:
                return list(
                    connection.execute("SELECT coalesce(max(id), 0), '', '' FROM sms_outbox")
                )
            return list(connection.execute(query.format("?"), (after,)))

        try:
            yield fetch_sqlite
        finally:
            connection.close()
        return
    import psycopg  # noqa: PLC0415

    async with await psycopg.AsyncConnection.connect(config.database_url, autocommit=True) as pg:

        async def fetch_postgres(after: int) -> list[tuple[int, str, str]]:
            if after < 0:
                cursor = await pg.execute("SELECT coalesce(max(id), 0), '', '' FROM sms_outbox")
            else:
                cursor = await pg.execute(query.format("%s"), (after,))
            return [(int(i), str(m), str(t)) for i, m, t in await cursor.fetchall()]

        yield fetch_postgres


# --- the load ------------------------------------------------------------------------------------


async def drive(
    base: str,
    clients: int,
    seconds: float,
    warmup: float,
    one: Callable[[httpx.AsyncClient], Awaitable[Sample]],
) -> tuple[list[Sample], float, float]:
    """`clients` loops of `one` for `warmup + seconds`; the samples inside the timed window."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        begin = time.monotonic()
        window_start, window_end = begin + warmup, begin + warmup + seconds
        kept: list[Sample] = []

        async def loop() -> None:
            while time.monotonic() < window_end:
                sample = await one(client)
                if sample.started >= window_start and sample.ended <= window_end:
                    kept.append(sample)

        await asyncio.gather(*(loop() for _ in range(clients)))
    return kept, window_start, window_end


async def healthz(client: httpx.AsyncClient) -> Sample:
    started = time.monotonic()
    try:
        answer = await client.get("/healthz")
        ok, reason = answer.status_code == 200, f"healthz {answer.status_code}"
    except httpx.HTTPError as error:
        ok, reason = False, type(error).__name__
    ended = time.monotonic()
    return Sample(started, ended, ok, "" if ok else reason, {"request": ended - started})


def verification(
    api_key: str, pairs: Iterator[tuple[str, str]], watcher: OtpWatcher
) -> Callable[[httpx.AsyncClient], Awaitable[Sample]]:
    """One full round trip per call, each on a mobile not used before."""
    headers = {"X-Api-Key": api_key}

    async def round_trip(client: httpx.AsyncClient) -> Sample:
        name, mobile = next(pairs)
        otp = watcher.expect(mobile)
        steps: dict[str, float] = {}
        started = time.monotonic()

        def failed(reason: str) -> Sample:
            watcher.forget(mobile)
            return Sample(started, time.monotonic(), False, reason, steps)

        try:
            body = {"full_name": name, "mobile_number": mobile, "purpose": "travel"}
            answer = await client.post("/api/v1/verifications", json=body, headers=headers)
            sent = time.monotonic()
            steps["start"] = sent - started
            if answer.status_code != 202:
                return failed(f"start {answer.status_code} {_problem(answer)}")
            txn = answer.json()["txn_id"]
            try:
                code = await asyncio.wait_for(otp, OTP_TIMEOUT_S)
            except TimeoutError:
                return failed("no OTP in the outbox")
            received = time.monotonic()
            steps["otp_wait"] = received - sent
            answer = await client.post(
                f"/api/v1/verifications/{txn}/confirm", json={"otp": code}, headers=headers
            )
            ended = time.monotonic()
            steps["confirm"] = ended - received
            steps["round_trip"] = ended - started
            if answer.status_code != 200 or "vaccination_status" not in answer.json():
                return failed(f"confirm {answer.status_code} {_problem(answer)}")
        except httpx.HTTPError as error:
            return failed(type(error).__name__)
        return Sample(started, ended, True, "", steps)

    return round_trip


def _problem(answer: httpx.Response) -> str:
    try:
        return str(answer.json().get("type", "")).rsplit("/", 1)[-1]
    except ValueError:
        return ""


def summarise(
    name: str,
    *,
    samples: Sequence[Sample],
    window: tuple[float, float],
    clients: int,
    cpu: tuple[float, float],
    sampler_window: tuple[float, float],
) -> Phase:
    seconds = window[1] - window[0]
    good = [s for s in samples if s.ok]
    failed = Counter(s.reason for s in samples if not s.ok)
    latency: dict[str, dict[str, float]] = {}
    for step in sorted({k for s in good for k in s.steps}):
        times = [s.steps[step] * 1000 for s in good if step in s.steps]
        p50, p95, p99 = percentiles(times)
        latency[step] = {"p50": p50, "p95": p95, "p99": p99}
    return Phase(
        name,
        clients,
        seconds,
        len(good),
        dict(failed),
        len(good) / seconds,
        latency,
        cpu[0] / seconds,
        cpu[1] / seconds,
        sampler_window,
    )


async def timed_phase(
    name: str,
    *,
    server: Server,
    sampler: MemorySampler,
    clients: int,
    seconds: float,
    one: Callable[[httpx.AsyncClient], Awaitable[Sample]],
) -> Phase:
    """Drive `one` and measure the server's and this process's CPU over the same time."""
    warmup = min(3.0, max(0.5, seconds * 0.2))
    pids = server.worker_pids()
    before_server = sum(cpu_seconds(p) for p in pids)
    before_client = time.process_time()
    sampled_from = sampler.seconds()
    samples, start, end = await drive(server.base, clients, seconds, warmup, one)
    total = warmup + seconds
    cpu = (
        (sum(cpu_seconds(p) for p in pids) - before_server) * seconds / total,
        (time.process_time() - before_client) * seconds / total,
    )
    phase = summarise(
        name,
        samples=samples,
        window=(start, end),
        clients=clients,
        cpu=cpu,
        sampler_window=(sampled_from + warmup, sampler.seconds()),
    )
    failed = sum(phase.failed.values())
    log(
        f"  {name}: {phase.per_second:,.1f}/s, {phase.completed:,} ok, {failed:,} failed "
        f"{phase.failed or ''} (server {phase.server_cpu_cores:.2f} cores, "
        f"client {phase.client_cpu_cores:.2f})"
    )
    return phase


# --- one configuration ---------------------------------------------------------------------------


def onboard(config: Config, work: Path) -> str:
    """A provider that never hits its limits, and a signing key made before workers start."""
    env = environment(config.database_url)
    cli = Cli(env, work)
    cli.run("attestation", "rotate")
    provider = cli.json(
        "provider",
        "create",
        "--name",
        "Bench Travels",
        "--category",
        "travel",
        "--scopes",
        "status,vaccinations,demographics",
        "--purposes",
        "travel",
        "--quota",
        "1000000000",
        "--rate-limit",
        "100000000/min",
    )
    return str(provider["api_key"])


async def _measure(
    config: Config,
    *,
    server: Server,
    sampler: MemorySampler,
    api_key: str,
    pairs: Iterator[tuple[str, str]],
    clients: int,
    seconds: float,
) -> list[Phase]:
    timing = functools.partial(
        timed_phase, server=server, sampler=sampler, clients=clients, seconds=seconds
    )
    health = await timing("healthz", one=healthz)
    async with outbox_reader(config) as fetch:
        watcher = OtpWatcher(fetch)
        await watcher.start_after_current()
        poller = asyncio.create_task(watcher.run())
        try:
            flow = verification(api_key, pairs, watcher)
            verify = await timing("verification", one=flow)
        finally:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller
    return [health, verify]


def profile_start(server: Server, seconds: float, out: Path) -> subprocess.Popen[bytes] | None:
    """py-spy sampling every worker (collapsed stacks), without pausing them; None without it."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        log("  py-spy is not installed: no profile")
        return None
    args = [spy, "record", "--nonblocking", "--format", "raw", "--rate", "50"]
    args += ["--duration", str(int(seconds)), "--output", str(out), "--pid"]
    args += [str(server.process.pid)] + (["--subprocesses"] if server.workers > 1 else [])
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def top_frames(collapsed: Path, count: int = 20) -> dict[str, list[dict[str, Any]]]:
    """A py-spy raw profile summed up: the functions with the most samples of their own, and
    kyvs's functions by the share of samples they are on the stack (inclusive)."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    if collapsed.exists():
        for line in collapsed.read_text(encoding="utf-8", errors="replace").splitlines():
            stack, _, weight = line.rpartition(" ")
            if not weight.isdigit():
                continue
            total += int(weight)
            frames = [LINE.sub(")", frame) for frame in stack.split(";")]
            for frame in set(frames):
                inclusive[frame] += int(weight)
            own[frames[-1]] += int(weight)
    if not total:
        return {"self": [], "kyvs_inclusive": []}
    ours = Counter({f: n for f, n in inclusive.items() if "(kyvs/" in f and "kyvs/cli/" not in f})
    return {
        "self": [{"frame": f, "share": round(n / total, 4)} for f, n in own.most_common(count)],
        "kyvs_inclusive": [
            {"frame": f, "share": round(n / total, 4)} for f, n in ours.most_common(count)
        ],
    }


def measure_config(
    config: Config,
    work: Path,
    results: Path,
    pairs: Iterator[tuple[str, str]],
    *,
    api_key: str,
    clients: int,
    seconds: float,
    profile: bool,
) -> dict[str, Any]:
    log(f"load {config.label}: {clients} clients, {seconds:g} s per phase")
    extra = {"KYVS_REDIS_URL": config.redis_url} if config.redis_url else {}
    env = environment(config.database_url, **extra)
    with running_server(env, work, config.workers) as server, MemorySampler(server) as sampler:
        spy = None
        if profile:
            spy = profile_start(server, seconds * 2.6 + 8, results / f"profile-{config.label}.txt")
        phases = asyncio.run(
            _measure(
                config,
                server=server,
                sampler=sampler,
                api_key=api_key,
                pairs=pairs,
                clients=clients,
                seconds=seconds,
            )
        )
        if spy is not None:
            spy.wait(timeout=seconds * 3 + 60)
        samples = list(sampler.samples)
    verify = phases[1]
    under_load = [s for s in samples if verify.window[0] <= s["t"] <= verify.window[1]]
    return {
        "config": asdict(config) | {"database_url": config.database_url.split("?")[0]},
        "phases": {p.name: asdict(p) for p in phases},
        "round_trips_over_healthz": ratio_of(phases[1].per_second, phases[0].per_second),
        "rss": rss_summary(under_load),
        "rss_samples": samples,
        "profile": top_frames(results / f"profile-{config.label}.txt") if profile else {},
    }


def run(
    configs: Sequence[Config],
    work: Path,
    results: Path,
    pairs: Iterator[tuple[str, str]],
    *,
    api_keys: dict[str, str],
    clients: int,
    seconds: float,
    notes: Sequence[str],
    profile: bool = False,
) -> tuple[list[Metric], dict[str, Any]]:
    """Every configuration in turn; writes `load.json`."""
    data: dict[str, Any] = {
        "benchmark": "load",
        "machine": machine(),
        "clients": clients,
        "seconds": seconds,
        "notes": list(notes),
        "configs": {},
    }
    metrics: list[Metric] = []
    for config in configs:
        found = measure_config(
            config,
            work,
            results,
            pairs,
            api_key=api_keys[config.database_url],
            clients=clients,
            seconds=seconds,
            profile=profile,
        )
        data["configs"][config.label] = found
        metrics += config_metrics(config, found)
    data["metrics"] = metrics_data(metrics)
    write_result(results, "load", data)
    return metrics, data


def config_metrics(config: Config, found: dict[str, Any]) -> list[Metric]:
    health, verify = found["phases"]["healthz"], found["phases"]["verification"]
    ratio = found["round_trips_over_healthz"]
    if config.backend == "sqlite":
        target, bound = f">= {SQLITE_TARGET}x", SQLITE_TARGET
    elif config.workers >= 2:
        target, bound = f">= {POSTGRES_TARGET}x", POSTGRES_TARGET
    else:
        target, bound = "", None
    failed = sum(verify["failed"].values())
    rows = [
        Metric(
            f"verify {config.label}: round trips/s",
            verify["per_second"],
            "rt/s",
            health["per_second"],
            "healthz req/s",
            ratio,
            target,
            at_least(ratio, bound) if bound is not None else None,
            f"{failed} failed: {verify['failed']}" if failed else "",
        )
    ]
    for step in ("round_trip", "start", "otp_wait", "confirm"):
        p = verify["latency_ms"].get(step)
        if p:
            rows.append(
                Metric(
                    f"verify {config.label}: {step} p50 / p95 / p99",
                    p["p99"],
                    "ms",
                    note=f"p50 {p['p50']:.1f}, p95 {p['p95']:.1f}, p99 {p['p99']:.1f} ms",
                )
            )
    peak = found["rss"]["peak_mb_per_worker"]
    rows.append(
        Metric(
            f"verify {config.label}: peak RSS per worker",
            peak,
            "MiB",
            target=f"< {RSS_TARGET_MB:.0f} MiB",
            met=at_most(peak, RSS_TARGET_MB - 1e-9),
            note=f"slope {found['rss']['max_slope_mb_per_min']} MiB/min over the run",
        )
    )
    return rows


def soak(
    config: Config,
    work: Path,
    results: Path,
    pairs: Iterator[tuple[str, str]],
    *,
    api_key: str,
    clients: int,
    seconds: float,
) -> list[Metric]:
    """A long verification run; RSS per worker must stay flat after the first minute."""
    log(f"soak {config.label}: {seconds:g} s of verifications")
    extra = {"KYVS_REDIS_URL": config.redis_url} if config.redis_url else {}
    env = environment(config.database_url, **extra)
    with (
        running_server(env, work, config.workers) as server,
        MemorySampler(server, interval=2.0) as sampler,
    ):

        async def go() -> Phase:
            async with outbox_reader(config) as fetch:
                watcher = OtpWatcher(fetch)
                await watcher.start_after_current()
                poller = asyncio.create_task(watcher.run())
                try:
                    flow = verification(api_key, pairs, watcher)
                    return await timed_phase(
                        "soak",
                        server=server,
                        sampler=sampler,
                        clients=clients,
                        seconds=seconds,
                        one=flow,
                    )
                finally:
                    poller.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await poller

        phase = asyncio.run(go())
        samples = list(sampler.samples)
    settled = [s for s in samples if s["t"] >= min(60.0, seconds / 5)]
    rss = rss_summary(settled)
    write_result(
        results,
        "soak",
        {
            "benchmark": "soak",
            "machine": machine(),
            "config": config.label,
            "phase": asdict(phase),
            "rss_after_first_minute": rss,
            "rss_samples": samples,
        },
    )
    worst = rss["max_slope_mb_per_min"]
    return [
        Metric(
            f"soak {config.label} {seconds / 60:g} min: RSS growth per worker",
            worst,
            "MiB/min",
            target=f"<= {FLAT_TARGET_MB_PER_MIN:g} MiB/min",
            met=at_most(worst, FLAT_TARGET_MB_PER_MIN),
            note=f"peak {rss['peak_mb_per_worker']} MiB; {phase.per_second:.1f} rt/s",
        )
    ]
