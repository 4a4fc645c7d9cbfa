"""Soak: a real `kyvs serve` under a fixed rate of mixed traffic; prints each check, exits 1
if any fails.

    make soak                                        # 10 minutes on SQLite (and the long fuzzing)
    .venv/bin/python bench/soak.py --seconds 60      # a short run
    .venv/bin/python bench/soak.py --postgres        # PostgreSQL + Redis, 2 workers

The registry is `--people` synthetic people plus the demo data, loaded by the CLI into a fresh
database (SQLite in a temporary folder; with `--postgres`, a fresh schema, dropped afterwards,
and a private `redis-server` on a free port unless `--redis-url` is given). The traffic and the
checks are described in `soak_mix.py` and `soak_report.py`. Results: `soak-<config>.json` and
`summary.md` in `--results` (default `bench/results/soak`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import cycle
from pathlib import Path
from typing import Any

import httpx

import soak_report
from common import (
    RESULTS,
    Cli,
    CpuMeter,
    MemorySampler,
    Schema,
    bench_postgres_url,
    environment,
    free_port,
    log,
    machine,
    postgres_reachable,
    running_server,
)
from load import Config, watching
from soak_mix import SCENARIOS, Mix, arrivals
from soak_pools import RETURN_URL, Keys, Pools, unregistered_mobiles
from soak_tally import Api, Tally

SEED = 7
PRIMING_CONNECTIONS = 6  # enough that each worker is very likely primed


def arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0, help="timed arrivals (600)")
    parser.add_argument("--rate", type=float, default=50.0, help="HTTP requests per second (50)")
    parser.add_argument("--people", type=int, default=100_000, help="synthetic people (100k)")
    parser.add_argument("--warmup", type=float, help="RSS baseline from (default: 60 s or 1/4)")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL + Redis")
    parser.add_argument("--workers", type=int, help="server workers (1; 2 with --postgres)")
    parser.add_argument(
        "--postgres-url",
        default=bench_postgres_url(),
    )
    parser.add_argument("--redis-url", help="Redis to use (default: a private redis-server)")
    parser.add_argument("--results", type=Path, default=RESULTS / "soak", help="where to write")
    options = parser.parse_args(argv)
    if options.workers is None:
        options.workers = 2 if options.postgres else 1
    if options.warmup is None:
        options.warmup = min(60.0, options.seconds / 4)
    return options


@dataclass
class Target:
    """The database (and Redis) the server runs on."""

    label: str
    config: Config

    def env(self) -> dict[str, str]:
        extra = {"KYVS_REDIS_URL": self.config.redis_url} if self.config.redis_url else {}
        # Citizens log in from many addresses, as behind the deployment's proxy: the soak's
        # client is that proxy (`X-Forwarded-For`), so the per-client abuse limits count each
        # citizen's address, not the one address every soak request comes from.
        extra["KYVS_FORWARDED_ALLOW_IPS"] = "127.0.0.1"
        return environment(self.config.database_url, **extra)


@contextlib.contextmanager
def private_redis(work: Path) -> Iterator[str]:
    """A `redis-server` of our own on a free port, without persistence."""
    port = free_port()
    server = shutil.which("redis-server")
    if server is None:
        raise SystemExit("--postgres needs redis-server (or --redis-url)")
    args = [server, "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(work)]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.contextmanager
def target(options: argparse.Namespace, work: Path) -> Iterator[Target]:
    """SQLite in `work`, or a fresh PostgreSQL schema (dropped afterwards) with Redis."""
    workers = options.workers
    if not options.postgres:
        url = f"sqlite:///{work / 'kyvs.db'}"
        yield Target(f"sqlite-{workers}w", Config("sqlite", "sqlite", workers, url))
        return
    if why := postgres_reachable(options.postgres_url):
        raise SystemExit(why)
    schema = Schema(options.postgres_url).create()
    try:
        with contextlib.ExitStack() as stack:
            redis = options.redis_url or stack.enter_context(private_redis(work))
            config = Config("postgresql", "postgresql", workers, schema.url, redis)
            yield Target(f"postgresql+redis-{workers}w", config)
    finally:
        schema.drop()


def prepare(cli: Cli, people: int) -> Keys:
    """Schema, `people` synthetic people, the demo data, a signing key and two providers."""
    cli.run("db", "upgrade")
    cli.run("registry", "synth", "--count", str(people), "--seed", str(SEED), "--json")
    Cli(cli.env | {"KYVS_DEMO": "1"}, cli.cwd).run("demo", "load", "--json")
    cli.run("attestation", "rotate")
    common = ["--category", "travel", "--purposes", "travel", "--quota", "1000000000"]
    main = cli.json(
        "provider", "create", "--name", "Soak Travels", "--scopes",
        "status,vaccinations,demographics", "--rate-limit", "100000000/min",
        "--return-url", RETURN_URL, *common,
    )  # fmt: skip
    tight = cli.json(
        "provider", "create", "--name", "Soak Tight", "--scopes", "status",
        "--rate-limit", "30/min", *common,
    )  # fmt: skip
    return Keys(str(main["api_key"]), str(main["provider_id"]), str(tight["api_key"]))


def query(config: Config, sql: str) -> list[tuple[Any, ...]]:
    """Rows of `sql` from the target database (read after the CLI or the server wrote)."""
    if config.backend == "sqlite":
        path = config.database_url.removeprefix("sqlite:///")
        with contextlib.closing(sqlite3.connect(path)) as connection:
            return list(connection.execute(sql))
    import psycopg  # noqa: PLC0415 - only with --postgres

    with psycopg.connect(config.database_url) as connection:
        return list(connection.execute(sql))


def pools(config: Config, seed: int) -> Pools:
    """People alone on their mobile for verifications, other mobiles for citizen logins."""
    rows = query(config, "SELECT full_name, mobile FROM beneficiaries")
    holding = Counter(mobile for _, mobile in rows)
    alone = [(name, mobile) for name, mobile in rows if holding[mobile] == 1]
    households = sorted(mobile for mobile, n in holding.items() if n > 1)
    rng = random.Random(seed)
    rng.shuffle(alone)
    rng.shuffle(households)
    return Pools(cycle(alone), cycle(households), unregistered_mobiles(set(holding), seed))


def access_entries(config: Config, provider_id: str) -> dict[tuple[str, str], int]:
    """`(txn id, outcome) -> entries` of the provider in the access log."""
    rows = query(
        config,
        "SELECT provider_id, txn_id, outcome, count(*) FROM access_log "
        "GROUP BY provider_id, txn_id, outcome",
    )
    return {(str(txn), str(outcome)): int(n) for who, txn, outcome, n in rows if who == provider_id}


async def drive(
    server_base: str, config: Config, keys: Keys, pool: Pools, options: argparse.Namespace
) -> Tally:
    """Prime every worker (several connections at once), then the timed arrivals."""
    tally = Tally()
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with watching(config) as watcher:

        async def prime(number: int) -> None:
            async with httpx.AsyncClient(base_url=server_base, timeout=30) as client:
                rng = random.Random(SEED + number)
                await Mix(Api(client, tally), pool, watcher, keys, rng).prime()

        await asyncio.gather(*(prime(n) for n in range(1, PRIMING_CONNECTIONS + 1)))
        log(f"  primed; {options.seconds:g} s at {options.rate:g} requests/s")
        async with httpx.AsyncClient(base_url=server_base, timeout=30, limits=limits) as client:
            mix = Mix(Api(client, tally), pool, watcher, keys, random.Random(SEED))
            await arrivals(mix, rate=options.rate, seconds=options.seconds, seed=SEED)
    return tally


def soak(options: argparse.Namespace, work: Path) -> tuple[list[soak_report.Check], dict[str, Any]]:
    """Set up, run, and judge one configuration."""
    with target(options, work) as where:
        config = where.config
        cli = Cli(where.env(), work)
        log(f"soak {where.label}: {options.people:,} people + demo data")
        keys = prepare(cli, options.people)
        pool = pools(config, SEED)
        with (
            running_server(where.env(), work, config.workers) as server,
            MemorySampler(server, interval=2.0) as sampler,
        ):
            origin = time.monotonic() - sampler.seconds()  # the samples' t = 0
            meter = CpuMeter(server.worker_pids())
            meter.start()
            tally = asyncio.run(drive(server.base, config, keys, pool, options))
            cores = meter.stop()
            samples = list(sampler.samples)
        entries = access_entries(config, keys.main_id)
        audited = int(query(config, "SELECT count(*) FROM api_audit")[0][0])
        expiries = [int(at) for (at,) in query(config, "SELECT expires_at FROM rate_counters")]
        server_log = server.log
        log_verdict = soak_report.log_check(server_log)
    arrivals_from, arrivals_to = (at - origin for at in tally.window)
    errors = soak_report.errors_check(tally)
    access, access_figures = soak_report.access_check(tally, entries)
    memory, memory_figures = soak_report.memory_check(
        samples, warmup_s=arrivals_from + options.warmup, end_s=arrivals_to
    )
    rate, rate_figures = soak_report.rate_check(tally, target=options.rate, seconds=options.seconds)
    audit = soak_report.audit_check(log_verdict[1]["answered"], audited)
    counters = soak_report.counters_check(expiries, now_s=time.time())
    checks = [errors, access, memory, rate, log_verdict[0], audit, counters]
    data = {
        "benchmark": "soak",
        "label": where.label,
        "machine": machine(),
        "seconds": options.seconds,
        "people": options.people,
        "workers": config.workers,
        "mix": {name: {"weight": w, "requests": r} for name, (w, r) in SCENARIOS.items()},
        "rate": rate_figures,
        "cpu_cores": cores,
        "tally": tally.summary(),
        "access_log": access_figures,
        "rss": memory_figures,
        "server_log": log_verdict[1],
        "rss_samples": samples,
    }
    return checks, data


def main(argv: Sequence[str]) -> int:
    options = arguments(argv)
    work = Path(tempfile.mkdtemp(prefix="kyvs-soak-"))
    try:
        checks, data = soak(options, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    path, summary = soak_report.write(options.results, data["label"], data, checks)
    for check in checks:
        print(f"{'PASS' if check.passed else 'FAIL'}  {check.name}: {check.detail}")
    print(f"\nwritten to {path} and {summary}")
    return 0 if all(c.passed for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
