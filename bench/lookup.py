"""Registry lookup by mobile: p50/p99 latency at N people against a registry a tenth (or ten times)
that size, on SQLite and PostgreSQL.

Each lookup is timed alone, after a warm-up, alternating between the two registries compared, so
that whatever else the machine does slows both alike:
  kyvs   `SqlRegistryReader.names_on_mobile`, the verification hot path (its units of work);
  raw    the same indexed SELECT straight through the driver (sqlite3 / psycopg).

The target compares p99 at 10M people with p99 at 1M (<= 1.5x); 10M is built only with `--big`
(streamed from the generator with raw inserts, about 10 minutes). Without it, the registry of
N/10 people gives the same comparison one decade lower, reported as a proxy.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import (
    Metric,
    Schema,
    at_most,
    log,
    machine,
    metrics_data,
    percentiles,
    ratio_of,
    write_result,
)
from import_rate import (
    Batch,
    Dataset,
    Target,
    fresh,
    generated_batches,
    loader,
    raw_load,
    sqlite_path,
)
from kyvs.adapters.sql.units import make_units
from kyvs.adapters.sql.verifications import SqlRegistryReader
from kyvs.domain.mobile import MobileNumber

RATIO_TARGET = 1.5
LOOKUPS = 3000  # timed lookups per registry and way; a tenth as many more warm up first
SELECT = "SELECT reference_id, full_name FROM beneficiaries WHERE mobile = "


@dataclass
class Registry:
    """A registry to look up in: its URL, how many people, and mobiles that are in it."""

    label: str
    backend: str
    url: str
    people: int
    mobiles: list[str]


def sample_mobiles(people: Iterable[tuple[Any, ...]], count: int, seed: int = 11) -> list[str]:
    """`count` mobiles drawn uniformly from the people's (a reservoir: one pass, any size)."""
    rng = random.Random(seed)
    reservoir: list[str] = []
    for seen, person in enumerate(people):
        if seen < count:
            reservoir.append(person[4])
        elif (slot := rng.randrange(seen + 1)) < count:
            reservoir[slot] = person[4]
    rng.shuffle(reservoir)
    if reservoir and len(reservoir) < count:  # a tiny registry: look its people up again
        reservoir = [reservoir[i % len(reservoir)] for i in range(count)]
    return reservoir


async def _kyvs_lookups(registries: Sequence[Registry], warmup: int) -> list[list[float]]:
    """`names_on_mobile` on each registry in turn, lookup by lookup: noise hits all alike."""
    engines = [make_units(r.url) for r in registries]
    readers = [SqlRegistryReader(units) for units in engines]
    numbers = [[MobileNumber(m) for m in r.mobiles] for r in registries]
    times: list[list[float]] = [[] for _ in registries]
    try:
        for index in range(min(len(n) for n in numbers)):
            for reader, mobiles, kept in zip(readers, numbers, times, strict=True):
                started = time.perf_counter()
                found = await reader.names_on_mobile(mobiles[index])
                if index >= warmup:
                    kept.append((time.perf_counter() - started) * 1000)
                if not found:
                    raise RuntimeError(f"nobody on {mobiles[index].masked}: the sample is wrong")
        return times
    finally:
        for engine in engines:
            await engine.aclose()


def _raw_lookups(registries: Sequence[Registry], warmup: int) -> list[list[float]]:
    """The same SELECT through the driver, interleaved the same way."""
    with contextlib.ExitStack() as stack:
        lookups: list[Callable[[str], object]] = []
        for registry in registries:
            if registry.backend == "sqlite":
                path = sqlite_path(registry.url)
                lite = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
                stack.callback(lite.close)
                lookups.append(functools.partial(_sqlite_select, lite))
            else:
                import psycopg  # noqa: PLC0415

                pg = stack.enter_context(psycopg.connect(registry.url, autocommit=True))
                lookups.append(functools.partial(_postgres_select, pg))
        times: list[list[float]] = [[] for _ in registries]
        for index in range(min(len(r.mobiles) for r in registries)):
            for lookup, registry, kept in zip(lookups, registries, times, strict=True):
                started = time.perf_counter()
                lookup(registry.mobiles[index])
                if index >= warmup:
                    kept.append((time.perf_counter() - started) * 1000)
        return times


def _sqlite_select(connection: sqlite3.Connection, mobile: str) -> object:
    return connection.execute(SELECT + "?", (mobile,)).fetchall()


def _postgres_select(connection: Any, mobile: str) -> object:
    return connection.execute(SELECT + "%s", (mobile,)).fetchall()


def measure(registries: Sequence[Registry]) -> list[dict[str, Any]]:
    """p50/p95/p99 in ms of both ways of looking up, per registry, measured interleaved."""
    warmup = min(len(r.mobiles) for r in registries) // 11
    names = ", ".join(f"{r.backend}/{r.label}" for r in registries)
    log(f"lookup {names}: {min(len(r.mobiles) for r in registries) - warmup:,} lookups each")
    kyvs = asyncio.run(_kyvs_lookups(registries, warmup))
    raw = _raw_lookups(registries, warmup)
    results = []
    for index, registry in enumerate(registries):
        result: dict[str, Any] = {"people": registry.people, "backend": registry.backend}
        for name, times in (("kyvs", kyvs[index]), ("raw", raw[index])):
            p50, p95, p99 = percentiles(times)
            result[name] = {"p50_ms": p50, "p95_ms": p95, "p99_ms": p99, "lookups": len(times)}
        results.append(result)
    return results


def load_raw(backend: str, url: str, batches: Iterable[Batch]) -> None:
    raw_load(backend, url, batches)


def build_big(
    count: int, work: Path, postgres_url: str | None, sample: int
) -> tuple[list[Registry], list[Target]]:
    """Registries of `count` people on every backend, streamed from the generator once."""
    backends = ["sqlite"] + (["postgresql"] if postgres_url else [])
    targets = {backend: fresh(backend, "lookup-big", work, postgres_url) for backend in backends}
    rng = random.Random(13)
    reservoir: list[str] = []
    seen = 0
    log(f"lookup: building {count:,} people on {', '.join(backends)} (streamed)")
    started = time.monotonic()
    writers = {backend: loader("raw", backend, target.url) for backend, target in targets.items()}
    for number, batch in enumerate(generated_batches(count, keep=False)):
        for writer in writers.values():
            writer.write(batch)
        for person in batch.people:
            if seen < sample:
                reservoir.append(person[4])
            elif (slot := rng.randrange(seen + 1)) < sample:
                reservoir[slot] = person[4]
            seen += 1
        if number % 200 == 0:
            log(f"  {seen:,} people in {time.monotonic() - started:.0f} s")
    for writer in writers.values():
        writer.close()
    rng.shuffle(reservoir)
    registries = [Registry(_label(count), b, t.url, count, reservoir) for b, t in targets.items()]
    return registries, list(targets.values())


def first_people(dataset: Dataset, count: int) -> list[Batch]:
    """The dataset's first `count` people (and their doses), in batches."""
    batches: list[Batch] = []
    taken = 0
    for batch in dataset.batches:
        if taken >= count:
            break
        keep = batch.people[: count - taken]
        refs = {person[0] for person in keep}
        batches.append(Batch([], keep, [d for d in batch.doses if d[0] in refs]))
        taken += len(keep)
    return batches


def compare(larger: Registry, smaller: Registry, data: dict[str, Any], note: str) -> list[Metric]:
    """Both registries measured; p99 of the larger over the smaller, per way of looking up."""
    found = {}
    for registry, result in zip((smaller, larger), measure((smaller, larger)), strict=True):
        found[registry.label] = data["registries"][f"{registry.backend}/{registry.label}"] = result
    metrics = []
    for way in ("kyvs", "raw"):
        high = found[larger.label][way]["p99_ms"]
        low = found[smaller.label][way]["p99_ms"]
        ratio = ratio_of(high, low)
        metrics.append(
            Metric(
                f"lookup {larger.backend} ({way}): p99 at {larger.label}",
                high,
                "ms",
                low,
                f"p99 at {smaller.label}",
                ratio,
                f"<= {RATIO_TARGET}x" if way == "kyvs" else "",
                at_most(ratio, RATIO_TARGET) if way == "kyvs" else None,
                note if way == "kyvs" else "the driver alone: microseconds, for reference",
            )
        )
    return metrics


def run(
    dataset: Dataset,
    *,
    sqlite_url: str,
    postgres: Schema | None,
    postgres_url: str | None,
    work: Path,
    results: Path,
    big: int | None,
    lookups: int = LOOKUPS,
) -> list[Metric]:
    """Lookups at N (the import's registries) against N/10, or `big` against N, per backend."""
    people = dataset.people
    sample = lookups + lookups // 10
    mobiles = sample_mobiles(dataset.person_rows(), sample)
    data: dict[str, Any] = {"benchmark": "lookup", "machine": machine(), "registries": {}}
    metrics: list[Metric] = []
    temporary: list[Target] = []
    registries = [Registry(_label(people), "sqlite", sqlite_url, people, mobiles)]
    if postgres is not None:
        registries.append(Registry(_label(people), "postgresql", postgres.url, people, mobiles))
    try:
        if big:
            built, temporary = build_big(big, work, postgres_url, sample)
            larger = {registry.backend: registry for registry in built}
            for registry in registries:
                metrics += compare(larger[registry.backend], registry, data, "")
        else:
            batches = first_people(dataset, max(people // 10, 1))
            few = sum(len(b.people) for b in batches)
            few_mobiles = sample_mobiles((p for b in batches for p in b.people), sample)
            for registry in registries:
                target = fresh(registry.backend, "lookup-small", work, postgres_url)
                temporary.append(target)
                load_raw(registry.backend, target.url, batches)
                smaller = Registry(_label(few), registry.backend, target.url, few, few_mobiles)
                note = "proxy one decade lower; --big measures 10M vs 1M"
                metrics += compare(registry, smaller, data, note)
    finally:
        for target in temporary:
            target.discard()
    data["metrics"] = metrics_data(metrics)
    write_result(results, "lookup", data)
    return metrics


def _label(count: int) -> str:
    if count >= 1_000_000 and count % 1_000_000 == 0:
        return f"{count // 1_000_000}M"
    if count >= 1000 and count % 1000 == 0:
        return f"{count // 1000}k"
    return f"{count:,}"
