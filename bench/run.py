"""kyvs benchmarks: every figure is a ratio against a baseline measured in the same run.

    make bench                              # 1M people, 20 s per load run (about 10 minutes)
    .venv/bin/python bench/run.py --big     # also a 10M-people registry for the lookup target
    .venv/bin/python bench/run.py --quick   # a smoke run: 2,000 people, 2 s runs, SQLite only

Writes `bench/results/<benchmark>.json`, `summary.md` (metric, value, baseline, ratio, target,
met?) and two plots, then prints the table. Run on a quiet machine when you can: colleagues'
test suites share the cores and move the absolute numbers; the ratios are what is compared.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from itertools import chain, cycle
from pathlib import Path
from typing import Any

import import_rate
import load
import lookup
import report
from common import (
    DEFAULT_REDIS,
    RESULTS,
    Metric,
    Schema,
    at_least,
    at_most,
    bench_postgres_url,
    kyvs_wires_redis,
    log,
    machine,
    postgres_reachable,
    redis_reachable,
)
from import_rate import Dataset

BENCH = Path(__file__).resolve().parent
BIG = 10_000_000
OURS = (  # what a run writes, share_card.json aside (its own benchmark writes it too)
    "import_rate.json",
    "lookup.json",
    "load.json",
    "soak.json",
    "summary.md",
    "*.png",
    "profile-*.txt",
)


def arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000, help="registry size (1M)")
    parser.add_argument("--big", action="store_true", help="also a 10M registry for lookups")
    parser.add_argument("--seconds", type=float, default=20.0, help="per load run (20)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (16)")
    parser.add_argument("--quick", action="store_true", help="tiny smoke run, SQLite only")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where results go")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    parser.add_argument(
        "--postgres-url",
        default=bench_postgres_url(),
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("KYVS_BENCH_REDIS_URL")
        or os.environ.get("KYVS_TEST_REDIS_URL")
        or DEFAULT_REDIS,
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--soak", type=float, default=0.0, help="seconds of a memory soak run")
    parser.add_argument("--profile", action="store_true", help="py-spy the servers under load")
    parser.add_argument(
        "--configs",
        default="",
        help="load configurations whose label contains one of these (comma-separated: sqlite, 2w)",
    )
    options = parser.parse_args(argv)
    if options.quick:
        options.people = min(options.people, 2000)
        options.seconds = min(options.seconds, 2.0)
        options.clients = min(options.clients, 4)
        options.no_postgres = True
        options.big = False
    return options


def verification_pairs(dataset: Dataset) -> Iterator[tuple[str, str]]:
    """(full name, mobile) to verify: people alone on their mobile first, each mobile once.

    A tiny registry runs out; then the first person of larger households follows, and at last
    everything again (a smoke run may then meet the per-mobile OTP cap, which it reports).
    """
    rows = list(dataset.person_rows())
    holding = Counter(row[4] for row in rows)
    alone = [(row[1], row[4]) for row in rows if holding[row[4]] == 1]
    seen: set[str] = set()
    first = []
    for row in rows:
        if holding[row[4]] > 1 and row[4] not in seen:
            seen.add(row[4])
            first.append((row[1], row[4]))
    rng = random.Random(5)
    rng.shuffle(alone)
    rng.shuffle(first)
    return chain(alone, first, cycle(alone + first))


def share_card(results: Path, renders: int) -> tuple[list[Metric], list[str]]:
    """The colleague's share-card benchmark (`bench/share_card.py`), when it is there."""
    if not (BENCH / "share_card.py").exists():
        return [], ["bench/share_card.py is not there: no share-card figures"]
    log(f"share card: {renders} renders")
    out = results / "share_card.json"
    try:
        module: Any = importlib.import_module("share_card")
        if hasattr(module, "RESULTS"):
            module.RESULTS = out  # keep a smoke run's results out of bench/results
        module.main(["--renders", str(renders)])
        data = json.loads(out.read_text(encoding="utf-8"))
    except Exception as error:
        return [], [f"bench/share_card.py failed: {type(error).__name__}: {error}"]
    card, bare, cached = data.get("card_ms"), data.get("baseline_ms"), data.get("cached_ms")
    ratio, speedup = data.get("ratio"), data.get("cached_speedup")
    return [
        Metric(
            "share card: render (median)",
            card,
            "ms",
            bare,
            "bare Pillow text + QR",
            ratio,
            "<= 1.5x",
            at_most(ratio, 1.5),
        ),
        Metric(
            "share card: cached fetch (median)",
            cached,
            "ms",
            card,
            "a render",
            speedup,
            ">= 100x faster",
            at_least(speedup, 100),
            "ratio = render / cached",
        ),
    ], []


def service_notes(options: argparse.Namespace) -> tuple[str | None, str | None, list[str]]:
    """The PostgreSQL and Redis URLs to use (None: skip), and why some are skipped."""
    notes: list[str] = []
    postgres_url: str | None = None if options.no_postgres else options.postgres_url
    if postgres_url is not None and (why := postgres_reachable(postgres_url)):
        notes.append(f"{why}: PostgreSQL parts skipped")
        postgres_url = None
    redis_url: str | None = None
    if postgres_url is not None:
        if not kyvs_wires_redis():
            notes.append(
                "kyvs does not wire KYVS_REDIS_URL yet (bootstrap builds the SQL txn store and "
                "rate limiter only; kyvs.adapters.redis exists unwired): the PostgreSQL runs "
                "are PostgreSQL only, without Redis."
            )
        elif why := redis_reachable(options.redis_url):
            notes.append(f"{why}: PostgreSQL runs without Redis")
        else:
            redis_url = options.redis_url
    return postgres_url, redis_url, notes


def measure_all(
    options: argparse.Namespace,
    work: Path,
    notes: list[str],
    postgres_url: str | None,
    redis_url: str | None,
) -> tuple[list[Metric], dict[str, Any] | None]:
    """Import, lookups, load (and soak), share cards; the metrics and the load results."""
    results: Path = options.results
    metrics: list[Metric] = []
    postgres: Schema | None = None
    try:
        log(f"generating {options.people:,} synthetic people (once, in memory)")
        dataset = import_rate.make_dataset(options.people)
        gc.collect()
        gc.freeze()  # a million objects the collector need not walk again
        log(f"  {dataset.people:,} people, {dataset.doses:,} doses")

        found, databases = import_rate.run(dataset, work, results, postgres_url)
        postgres = databases.postgres
        metrics += found
        metrics += lookup.run(
            dataset,
            sqlite_url=databases.sqlite_url,
            postgres=postgres,
            postgres_url=postgres_url,
            work=work,
            results=results,
            big=BIG if options.big else None,
            lookups=300 if options.quick else lookup.LOOKUPS,
        )

        pairs = verification_pairs(dataset)
        del dataset
        gc.unfreeze()
        gc.collect()
        configs = [load.Config("sqlite-1w", "sqlite", 1, databases.sqlite_url)]
        if postgres is not None:
            label = "postgresql+redis" if redis_url else "postgresql"
            configs += [
                load.Config(f"{label}-{n}w", "postgresql", n, postgres.url, redis_url)
                for n in (1, 2)
            ]
        if wanted := [w for w in options.configs.split(",") if w]:
            configs = [c for c in configs if any(w in c.label for w in wanted)]
        api_keys = {c.database_url: load.onboard(c, work) for c in configs}
        found, load_data = load.run(
            configs,
            work,
            results,
            pairs,
            api_keys=api_keys,
            clients=options.clients,
            seconds=options.seconds,
            notes=notes,
            profile=options.profile,
        )
        metrics += found

        found, card_notes = share_card(results, 8 if options.quick else 96)
        metrics += found
        notes += card_notes

        if options.soak > 0:
            config = configs[-1]
            metrics += load.soak(
                config,
                work,
                results,
                pairs,
                api_key=api_keys[config.database_url],
                clients=options.clients,
                seconds=options.soak,
            )
        else:
            notes.append(
                "RSS flatness over 10 minutes needs `--soak 600`; the slopes above are over one "
                "load run only."
            )
    finally:
        if postgres is not None:
            postgres.drop()
    return metrics, load_data


def main(argv: Sequence[str]) -> int:
    options = arguments(argv)
    started = time.monotonic()
    results: Path = options.results
    results.mkdir(parents=True, exist_ok=True)
    for stale in OURS:  # an earlier run's files would pass for this one's
        for path in results.glob(stale):
            path.unlink()
    work = options.work or Path(tempfile.mkdtemp(prefix="kyvs-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    postgres_url, redis_url, notes = service_notes(options)
    notes[:0] = [
        f"{options.people:,} people; {options.clients} clients, {options.seconds:g} s per load "
        f"run; machine: {machine()}",
        "Other work on the machine (colleagues' test suites) moves absolute numbers; the load "
        "client shares the cores with the server. Compare ratios, measured in the same run.",
    ]
    try:
        metrics, load_data = measure_all(options, work, notes, postgres_url, redis_url)
    finally:
        if options.work is None:
            shutil.rmtree(work, ignore_errors=True)
    report.plots(load_data, results)
    minutes = (time.monotonic() - started) / 60
    notes.append(f"The whole run took {minutes:.1f} minutes.")
    title = "kyvs benchmarks" + (" (quick smoke run)" if options.quick else "")
    rendered = report.write_summary(results / "summary.md", metrics, title=title, notes=notes)
    print(rendered)
    print()
    for note in notes:
        print(f"- {note}")
    print(f"\nwritten to {results}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
