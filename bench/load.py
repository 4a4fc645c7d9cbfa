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

import cpu
from common import (
    Cli,
    CpuMeter,
    MemorySampler,
    Metric,
    Server,
    at_least,
    at_most,
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
SQLITE_CPU_TARGET = 20.0  # server CPU per round trip / bare FastAPI CPU per request, at most
POSTGRES_CPU_TARGET = 25.0  # the same with 2 workers on PostgreSQL + Redis
HEALTHZ_CPU_TARGET = 1.5  # kyvs /healthz CPU per request / bare FastAPI CPU per request
RSS_TARGET_MB = 250.0
FLAT_TARGET_MB_PER_MIN = 1.0
OTP_TIMEOUT_S = 5.0
SLICE_S = 5.0  # each kind of load runs in slices this long, taking turns
SETTLE_S = 1.5  # after a verification slice: its dispatched SMS and the audit flush (1 s)
WARMUP_S = 3.0  # before the first slice of each kind (connections, caches, JIT-less warm-up)
SLICE_WARMUP_S = 0.5  # before the later ones (new keep-alive connections)
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
    cpu_cores: dict[str, float]  # server, client, db_and_redis, machine, others
    windows: list[tuple[float, float]]  # timed slices, in seconds since the sampler began
    failed_examples: list[str] = field(default_factory=list)
    # over the whole metered slices, warm-ups included (the CPU is metered over them too)
    finished: int = 0  # operations that succeeded
    server_cpu_s: float = 0.0  # kyvs workers
    db_cpu_s: float = 0.0  # PostgreSQL and Redis
    sql: dict[str, int] | None = None  # statements, commits, rollbacks (the bench hook)


# --- where OTPs are read --------------------------------------------------------------------------


class OtpWatcher:
    """Polls the outbox for new messages and hands each waiting client its mobile's OTP.

    On PostgreSQL, ids come from a sequence when a row is inserted but become visible when its
    transaction commits, so id 131 may appear after 132: the watcher reads from the highest id
    below which it has seen every row (`floor`), not from the highest id seen, and steps over a
    gap (a rolled-back insert) only once it has lasted `GAP_S`.
    """

    GAP_S = 3.0

    def __init__(self, fetch: Fetch) -> None:
        self._fetch = fetch
        self._floor = 0
        self._seen: set[int] = set()
        self._gap_since: float | None = None
        self._waiting: dict[str, asyncio.Future[str]] = {}
        self._early: dict[str, str] = {}
        self.polls = 0

    async def start_after_current(self) -> None:
        rows = await self._fetch(-1)
        self._floor = max((row[0] for row in rows), default=0)

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

    def _deliver(self, mobile: str, text: str) -> None:
        found = OTP.search(text)
        if found is None:
            return
        future = self._waiting.pop(mobile, None)
        if future is None:
            self._early[mobile] = found.group(1)
        elif not future.done():
            future.set_result(found.group(1))

    def _advance(self) -> None:
        before = self._floor
        while self._floor + 1 in self._seen:
            self._floor += 1
            self._seen.discard(self._floor)
        if not self._seen:
            self._gap_since = None
            return
        now = time.monotonic()
        if self._gap_since is None or self._floor != before:  # a new gap: time it from now
            self._gap_since = now
        elif now - self._gap_since > self.GAP_S:
            self._floor = min(self._seen) - 1
            self._gap_since = None
            self._advance()

    async def run(self) -> None:
        while True:
            for ident, mobile, text in await self._fetch(self._floor):
                if ident not in self._seen:
                    self._seen.add(ident)
                    self._deliver(mobile, text)
            self._advance()
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
    *,
    one: Callable[[httpx.AsyncClient], Awaitable[Sample]],
) -> tuple[list[Sample], float, float, int]:
    """`clients` loops of `one` for `warmup + seconds`; the samples inside the timed window,
    and how many succeeded in all (warm-up included)."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        begin = time.monotonic()
        window_start, window_end = begin + warmup, begin + warmup + seconds
        kept: list[Sample] = []
        finished = 0

        async def loop() -> None:
            nonlocal finished
            while time.monotonic() < window_end:
                sample = await one(client)
                finished += sample.ok
                if sample.started >= window_start and sample.ended <= window_end:
                    kept.append(sample)

        await asyncio.gather(*(loop() for _ in range(clients)))
    return kept, window_start, window_end, finished


HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


async def drive_raw_healthz(
    base: str, clients: int, seconds: float, warmup: float
) -> tuple[list[Sample], float, float, int]:
    """`/healthz` over `clients` keep-alive sockets written and read by hand: a client cheap
    enough (a few tens of µs a request) that the server, not the client, sets the pace."""
    host, port = base.removeprefix("http://").split(":")
    begin = time.monotonic()
    window_start, window_end = begin + warmup, begin + warmup + seconds
    kept: list[Sample] = []
    finished = 0

    async def loop() -> None:
        nonlocal finished
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while time.monotonic() < window_end:
                started = time.monotonic()
                writer.write(HEALTHZ)
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
                ended = time.monotonic()
                ok = head[9:12] == b"200"
                finished += ok
                if started >= window_start and ended <= window_end:
                    reason = "" if ok else f"healthz {head[9:12].decode()}"
                    kept.append(Sample(started, ended, ok, reason, {"request": ended - started}))
        finally:
            writer.close()

    await asyncio.gather(*(loop() for _ in range(clients)))
    return kept, window_start, window_end, finished


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
            return Sample(started, time.monotonic(), False, f"{reason} [{name} / {mobile}]", steps)

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


@dataclass
class Slice:
    """One timed stretch of one kind of load."""

    samples: list[Sample]
    seconds: float
    cores: dict[str, float]
    wall: float
    window: tuple[float, float]
    finished: int = 0
    sql: dict[str, int] | None = None


def summarise(name: str, slices: Sequence[Slice], clients: int) -> Phase:
    """The slices of one kind of load, added up."""
    seconds = sum(s.seconds for s in slices)
    samples = [sample for s in slices for sample in s.samples]
    good = [s for s in samples if s.ok]
    failed = Counter(s.reason.split(" [", 1)[0] for s in samples if not s.ok)
    latency: dict[str, dict[str, float]] = {}
    for step in sorted({k for s in good for k in s.steps}):
        times = [s.steps[step] * 1000 for s in good if step in s.steps]
        p50, p95, p99 = percentiles(times)
        latency[step] = {"p50": p50, "p95": p95, "p99": p99}
    wall = sum(s.wall for s in slices)
    cores = {k: round(sum(s.cores[k] * s.wall for s in slices) / wall, 3) for k in slices[0].cores}
    counted = [s.sql for s in slices]
    sql = None
    if counted and all(c is not None for c in counted):
        sql = {key: sum(c[key] for c in counted if c is not None) for key in cpu.SQL_KEYS}
    phase = Phase(
        name,
        clients,
        seconds,
        len(good),
        dict(failed),
        len(good) / seconds,
        latency,
        cores,
        [s.window for s in slices],
        [s.reason for s in samples if not s.ok][:20],
        sum(s.finished for s in slices),
        round(sum(s.cores["server"] * s.wall for s in slices), 4),
        round(sum(s.cores["db_and_redis"] * s.wall for s in slices), 4),
        sql,
    )
    log(
        f"  {name}: {phase.per_second:,.1f}/s, {phase.completed:,} ok, "
        f"{sum(failed.values()):,} failed {phase.failed or ''} "
        f"(cores: {', '.join(f'{k} {v:.2f}' for k, v in cores.items())})"
    )
    return phase


Driver = Callable[[float], Awaitable[tuple[list[Sample], float, float, int]]]


async def run_slice(
    driver: Driver,
    warmup: float,
    server: Server,
    sampler: MemorySampler,
    counts: Path | None = None,
    *,
    settle_s: float = 0.0,
) -> Slice:
    """Run `driver` (given its warm-up) and measure where the CPU went over the same time and
    `settle_s` after (the work the load left behind); with `counts` (the SQL hook's prefix),
    the statements and transactions too."""
    pids = server.worker_pids()
    before = None
    if counts is not None:
        before = await asyncio.to_thread(cpu.read_counts, counts, pids, fresh_after=time.time())
    meter = CpuMeter(pids)
    sampled_from = sampler.seconds()
    meter.start()
    samples, start, end, finished = await driver(warmup)
    await asyncio.sleep(settle_s)
    cores = meter.stop()
    sql = None
    if counts is not None and before is not None:
        after = await asyncio.to_thread(cpu.read_counts, counts, pids, fresh_after=time.time())
        sql = cpu.difference(after, before)
    return Slice(
        samples,
        end - start,
        cores,
        meter.wall,
        (sampled_from + warmup, sampler.seconds()),
        finished,
        sql,
    )


def with_httpx(
    base: str, clients: int, seconds: float, one: Callable[[httpx.AsyncClient], Awaitable[Sample]]
) -> Driver:
    return functools.partial(drive, base, clients, seconds, one=one)


def raw_healthz(base: str, clients: int, seconds: float) -> Driver:
    return functools.partial(drive_raw_healthz, base, clients, seconds)


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


@contextlib.asynccontextmanager
async def watching(config: Config) -> AsyncIterator[OtpWatcher]:
    """An outbox poller running beside the clients."""
    async with outbox_reader(config) as fetch:
        watcher = OtpWatcher(fetch)
        await watcher.start_after_current()
        poller = asyncio.create_task(watcher.run())
        try:
            yield watcher
        finally:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller


async def verification_phase(
    name: str,
    config: Config,
    *,
    server: Server,
    sampler: MemorySampler,
    api_key: str,
    pairs: Iterator[tuple[str, str]],
    clients: int,
    seconds: float,
) -> Phase:
    """Full round trips for `seconds` in one stretch (the soak, the profile)."""
    async with watching(config) as watcher:
        flow = verification(api_key, pairs, watcher)
        driver = with_httpx(server.base, clients, seconds, flow)
        done = await run_slice(driver, WARMUP_S, server, sampler)
    return summarise(name, [done], clients)


async def _measure(
    config: Config,
    *,
    server: Server,
    sampler: MemorySampler,
    api_key: str,
    pairs: Iterator[tuple[str, str]],
    clients: int,
    seconds: float,
    bare: Server | None = None,
    counts: Path | None = None,
) -> tuple[list[Phase], list[cpu.WrkPhase]]:
    """healthz through raw sockets, healthz through httpx and verifications, in alternating
    slices of `SLICE_S`, so that other work on the machine weighs on each kind alike; with
    `bare` (and wrk), also wrk on `/healthz` and on the bare app, in the same rotation."""
    length = min(seconds, SLICE_S)
    rounds = max(1, round(seconds / length))
    targets: dict[str, tuple[str, list[int]]] = {}
    if bare is not None:
        targets = {
            "healthz_wrk": (f"{server.base}/healthz", server.worker_pids()),
            "bare_wrk": (f"{bare.base}/", bare.worker_pids()),
        }
        for url, _ in targets.values():
            await asyncio.to_thread(cpu.warm_up, url, clients)
    runs: dict[str, list[cpu.WrkRun]] = {name: [] for name in targets}
    async with watching(config) as watcher:
        flow = verification(api_key, pairs, watcher)
        drivers = {
            "healthz": raw_healthz(server.base, clients, length),
            "healthz_httpx": with_httpx(server.base, clients, length, healthz),
            "verification": with_httpx(server.base, clients, length, flow),
        }
        slices: dict[str, list[Slice]] = {name: [] for name in drivers}
        for number in range(rounds):
            for name, driver in drivers.items():
                warmup = min(WARMUP_S, seconds / 5) if number == 0 else SLICE_WARMUP_S
                sql = counts if name == "verification" else None
                # A round trip's tail (SMS sent after the answer, the audit flushed each second)
                # is its own, not the next slice's: measured until the server is quiet again.
                settle = SETTLE_S if name == "verification" else 0.0
                found = await run_slice(driver, warmup, server, sampler, sql, settle_s=settle)
                slices[name].append(found)
            for name, (url, pids) in targets.items():
                wrk_s = max(1, round(length))
                runs[name].append(await asyncio.to_thread(cpu.wrk, url, clients, wrk_s, pids))
    phases = [summarise(name, found, clients) for name, found in slices.items()]
    wrk_phases = [
        cpu.summarise_wrk(name, targets[name][0], clients, found) for name, found in runs.items()
    ]
    return phases, wrk_phases


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
    counts = work / f"sql-counts-{config.label}"
    env = cpu.hooked_environment(environment(config.database_url, **extra), counts)
    profile_file = results / f"profile-{config.label}.txt"
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(running_server(env, work, config.workers))
        sampler = stack.enter_context(MemorySampler(server))
        bare = stack.enter_context(cpu.bare_server(work)) if cpu.wrk_path() else None
        if bare is None:
            log("  wrk is not installed (apt-get install wrk): no CPU-per-request figures")
        measure = functools.partial(
            _measure,
            config,
            server=server,
            sampler=sampler,
            api_key=api_key,
            pairs=pairs,
            clients=clients,
            bare=bare,
            counts=counts,
        )
        phases, wrk_phases = asyncio.run(measure(seconds=seconds))
        samples = list(sampler.samples)
        if profile and (spy := profile_start(server, seconds + WARMUP_S, profile_file)):
            log(f"  profiling {seconds:g} s of verifications (py-spy, not in the figures)")
            asyncio.run(
                verification_phase(
                    "profiled",
                    config,
                    server=server,
                    sampler=sampler,
                    api_key=api_key,
                    pairs=pairs,
                    clients=clients,
                    seconds=seconds,
                )
            )
            spy.wait(timeout=seconds + 60)
    by_name = {p.name: p for p in phases}
    verify = by_name["verification"]
    windows = [window for phase in phases for window in phase.windows]
    under_load = [s for s in samples if any(a <= s["t"] <= b for a, b in windows)]
    return {
        "config": asdict(config) | {"database_url": config.database_url.split("?")[0]},
        "phases": {p.name: asdict(p) for p in phases},
        "round_trips_over_healthz": ratio_of(verify.per_second, by_name["healthz"].per_second),
        "round_trips_over_healthz_httpx": ratio_of(
            verify.per_second, by_name["healthz_httpx"].per_second
        ),
        "per_service_core_second": {name: per_core(phase) for name, phase in by_name.items()},
        "round_trips_over_healthz_per_core": ratio_of(
            per_core(verify), per_core(by_name["healthz"])
        ),
        "rss": rss_summary(under_load),
        "rss_samples": samples,
        "profile": top_frames(profile_file) if profile else {},
        "cpu": cpu_figures(verify, {p.name: p for p in wrk_phases}),
    }


def cpu_figures(verify: Phase, wrk: dict[str, cpu.WrkPhase]) -> dict[str, Any]:
    """CPU per round trip and per request against the bare app's; SQL work per round trip."""
    done = verify.finished
    per_rt = verify.server_cpu_s * 1000 / done if done else None
    bare, health = wrk.get("bare_wrk"), wrk.get("healthz_wrk")
    bare_ms = bare.cpu_ms_per_request if bare else None
    healthz_ms = health.cpu_ms_per_request if health else None
    sql = verify.sql
    return {
        "round_trips": done,
        "round_trip_failures": sum(verify.failed.values()),
        "server_cpu_ms_per_round_trip": per_rt,
        "db_and_redis_cpu_ms_per_round_trip": verify.db_cpu_s * 1000 / done if done else None,
        "bare_cpu_ms_per_request": bare_ms,
        "healthz_cpu_ms_per_request": healthz_ms,
        "round_trip_over_bare": ratio_of(per_rt, bare_ms),
        "healthz_over_bare": ratio_of(healthz_ms, bare_ms),
        "sql": sql,
        "statements_per_round_trip": sql["statements"] / done if sql and done else None,
        "commits_per_round_trip": sql["commits"] / done if sql and done else None,
        "rollbacks_per_round_trip": sql["rollbacks"] / done if sql and done else None,
        "wrk": {name: asdict(phase) for name, phase in wrk.items()},
    }


def per_core(phase: Phase) -> float | None:
    """Operations per CPU-second of the service (kyvs workers + PostgreSQL + Redis)."""
    cores = phase.cpu_cores["server"] + phase.cpu_cores["db_and_redis"]
    return phase.per_second / cores if cores > 0 else None


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
    phases = found["phases"]
    health, verify, slow = phases["healthz"], phases["verification"], phases["healthz_httpx"]
    ratio = found["round_trips_over_healthz"]
    if config.backend == "sqlite":
        target, bound = f">= {SQLITE_TARGET}x", SQLITE_TARGET
    elif config.workers >= 2:
        target, bound = f">= {POSTGRES_TARGET}x", POSTGRES_TARGET
    else:
        target, bound = "", None
    failed = sum(verify["failed"].values())
    httpx_ratio = found["round_trips_over_healthz_httpx"] or 0.0
    notes = [
        f"healthz through httpx: {slow['per_second']:,.0f}/s with the client at "
        f"{slow['cpu_cores']['client']:.2f} cores, ratio {httpx_ratio:.3f}"
    ]
    if failed:
        notes.append(f"{failed} failed: {verify['failed']}")
    per_core = found["per_service_core_second"]
    rows = [
        Metric(
            f"verify {config.label}: round trips/s",
            verify["per_second"],
            "rt/s",
            health["per_second"],
            "healthz req/s, raw-socket client",
            ratio,
            target,
            at_least(ratio, bound) if bound is not None else None,
            "; ".join(notes),
        ),
        Metric(
            f"verify {config.label}: round trips per service CPU-second",
            per_core["verification"],
            "rt/core-s",
            per_core["healthz"],
            "healthz req/core-s",
            found["round_trips_over_healthz_per_core"],
            note="CPU cost: kyvs workers + PostgreSQL + Redis; independent of the client's speed",
        ),
    ]
    rows += cpu_metrics(config, found["cpu"])
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


def cpu_metrics(config: Config, figures: dict[str, Any]) -> list[Metric]:
    """Server CPU per round trip and per /healthz request against the bare FastAPI app's, and
    the SQL statements and transactions per round trip."""
    name = f"cpu {config.label}"
    bare = figures["bare_cpu_ms_per_request"]
    bare_label = "bare FastAPI ms/request (wrk)"
    if config.backend == "sqlite":
        target: float | None = SQLITE_CPU_TARGET
    elif config.workers >= 2 and config.redis_url:
        target = POSTGRES_CPU_TARGET
    else:
        target = None
    ratio = figures["round_trip_over_bare"]
    db = figures["db_and_redis_cpu_ms_per_round_trip"]
    note = f"{figures['round_trips']:,} round trips, all workers"
    if config.backend != "sqlite" and db is not None:
        note += f"; PostgreSQL + Redis beside it: {db:.3f} ms per round trip"
    if figures["round_trip_failures"]:
        note += f"; {figures['round_trip_failures']} failed round trips not counted"
    rows = [
        Metric(
            f"{name}: server CPU per round trip",
            figures["server_cpu_ms_per_round_trip"],
            "ms",
            bare,
            bare_label,
            ratio,
            f"<= {target:g}x" if target is not None else "",
            at_most(ratio, target) if target is not None else None,
            note,
        )
    ]
    health = figures["wrk"].get("healthz_wrk")
    if health is not None:
        healthz_ratio = figures["healthz_over_bare"]
        rows.append(
            Metric(
                f"{name}: /healthz CPU per request (wrk)",
                figures["healthz_cpu_ms_per_request"],
                "ms",
                bare,
                bare_label,
                healthz_ratio,
                f"<= {HEALTHZ_CPU_TARGET:g}x",
                at_most(healthz_ratio, HEALTHZ_CPU_TARGET),
                f"{health['per_second']:,.0f} req/s, p50 {health['latency_ms'].get('p50', 0):.2f} "
                f"/ p99 {health['latency_ms'].get('p99', 0):.2f} ms; bare app "
                f"{figures['wrk']['bare_wrk']['per_second']:,.0f} req/s",
            )
        )
    for key, label in (("statements", "SQL statements"), ("commits", "transactions")):
        per = figures[f"{key}_per_round_trip"]
        if per is not None:
            extra = ""
            if key == "commits" and figures["rollbacks_per_round_trip"]:
                extra = f"; rollbacks {figures['rollbacks_per_round_trip']:.2f} per round trip"
            rows.append(
                Metric(
                    f"sql {config.label}: {label} per round trip",
                    per,
                    "",
                    note=f"engine event hook ({'commit' if key == 'commits' else 'execute'})"
                    + extra,
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
        phase = asyncio.run(
            verification_phase(
                "soak",
                config,
                server=server,
                sampler=sampler,
                api_key=api_key,
                pairs=pairs,
                clients=clients,
                seconds=seconds,
            )
        )
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
