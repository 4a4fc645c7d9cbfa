"""Import rate: kyvs's bulk path against the driver's raw rate for the same rows, in one run.

The synthetic people are generated once into memory (as `Registration`s and as row tuples);
then, each into a fresh database with kyvs's schema and in batches of `BATCH` people per
transaction, the paths taking turns batch by batch (so that whatever else the machine does
weighs on all of them alike, and the three databases grow together):

  raw       SQLite: `executemany` of plain INSERTs (sqlite3); PostgreSQL: `COPY ... FROM STDIN`
            (psycopg) of the row tuples, prepared beforehand;
  bulk      `SqlRegistry.write_many` (rows built from the registrations, ON CONFLICT DO NOTHING on
            SQLite, COPY into a staging table and a merge on PostgreSQL);
  service   `load_registrations`, what `kyvs registry import` and `synth` run: duplicate and
            per-mobile checks against the registry, then `write_many`.

Reported: people/s of each, bulk / raw (target >= 0.5) and the seconds 1M people take through
the service path (target < 120 s).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import Metric, Schema, at_least, log, machine, metrics_data, ratio_of, write_result
from kyvs.adapters.sql import migrate
from kyvs.adapters.sql.engine import make_engine
from kyvs.adapters.sql.registry import SqlRegistry
from kyvs.domain.people import Registration
from kyvs.domain.reference_ids import synthetic
from kyvs.rules import load_rule_set
from kyvs.services.importing.load import load_registrations, registrations_as_outcomes
from kyvs.services.synth import generate
from kyvs.services.synth_names import Mobiles

BATCH = 5000  # people per transaction: `load_registrations`' default
SEED = 7
PEOPLE_PER_SEED = 5_000_000  # about 2.4M households: under a seed's 4M
RATIO_TARGET = 0.5
SECONDS_PER_MILLION_TARGET = 120.0
PATHS = ("raw", "bulk", "service")
PEOPLE_COLUMNS = (
    "reference_id",
    "full_name",
    "birth_year",
    "gender",
    "mobile",
    "photo_id_type",
    "photo_id_number",
)
DOSE_COLUMNS = ("reference_id", "dose_number", "vaccine", "kind", "given_on", "centre", "batch")
PersonRow = tuple[str, str, int, str, str, str | None, str | None]
DoseRow = tuple[str, int, str, str, Any, str, str]
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA cache_size=-65536",
)


@dataclass
class Batch:
    """One transaction's worth: people, as registrations and as rows, and their doses' rows."""

    registrations: list[Registration]
    people: list[PersonRow]
    doses: list[DoseRow]


@dataclass
class Dataset:
    """The people of the run, in batches (made once, reused by every path)."""

    batches: list[Batch]

    @property
    def people(self) -> int:
        return sum(len(b.people) for b in self.batches)

    @property
    def doses(self) -> int:
        return sum(len(b.doses) for b in self.batches)

    def person_rows(self) -> Iterator[PersonRow]:
        for batch in self.batches:
            yield from batch.people


def rows_of(registrations: Sequence[Registration]) -> Batch:
    """The registrations with their table rows (dates kept as `date`)."""
    people: list[PersonRow] = []
    doses: list[DoseRow] = []
    for registration in registrations:
        person = registration.beneficiary
        photo = person.photo_id
        ref = person.reference_id
        people.append(
            (
                ref,
                person.full_name,
                person.birth_year,
                person.gender.value,
                person.mobile.national,
                photo.kind.value if photo else None,
                photo.number if photo else None,
            )
        )
        doses.extend(
            (ref, d.dose_number, d.vaccine, d.kind.value, d.date, d.centre, d.batch)
            for d in registration.doses
        )
    return Batch(list(registrations), people, doses)


def seeds(count: int) -> list[tuple[int, int]]:
    """(seed, people) to make `count` people: one seed holds under 4M households, so a big
    registry takes several, chosen so that no two share reference-id prefixes or mobile blocks."""
    chosen: list[tuple[int, int]] = []
    taken: set[str] = set()
    seed = SEED
    while count > 0:
        # The id prefix, and the first household's mobile (which names the seed's mobile block).
        marks = {synthetic(seed, 0)[:4], Mobiles(seed)(0).national}
        if not marks & taken:
            chosen.append((seed, min(count, PEOPLE_PER_SEED)))
            count -= PEOPLE_PER_SEED
            taken |= marks
        seed += 1
    return chosen


def generated_batches(count: int, *, keep: bool = True) -> Iterator[Batch]:
    """`count` synthetic people in batches of `BATCH`; without `keep`, registrations are dropped."""
    rules = load_rule_set()
    for seed, people in seeds(count):
        chunk: list[Registration] = []
        for registration in generate(people, seed=seed, rules=rules):
            chunk.append(registration)
            if len(chunk) == BATCH:
                batch = rows_of(chunk)
                yield batch if keep else Batch([], batch.people, batch.doses)
                chunk = []
        if chunk:
            batch = rows_of(chunk)
            yield batch if keep else Batch([], batch.people, batch.doses)


def make_dataset(count: int) -> Dataset:
    """Generate the run's people once."""
    return Dataset(list(generated_batches(count)))


def migrated(url: str) -> None:
    """Create kyvs's schema at `url` (as `kyvs db upgrade` does)."""
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()


def sqlite_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def _insert(table: str, columns: Sequence[str]) -> str:
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608


class RawSqlite:
    """Plain `executemany` INSERTs of the row tuples, one transaction per batch.

    Dates become ISO text first (as SQLAlchemy stores them on SQLite), outside the timing.
    """

    def __init__(self, url: str) -> None:
        self.connection = sqlite3.connect(sqlite_path(url), isolation_level=None)
        for pragma in SQLITE_PRAGMAS:
            self.connection.execute(pragma)
        self.people_sql = _insert("beneficiaries", PEOPLE_COLUMNS)
        self.doses_sql = _insert("doses", DOSE_COLUMNS)
        self.refused = 0

    def write(self, batch: Batch) -> float:
        doses = [(*row[:4], row[4].isoformat(), *row[5:]) for row in batch.doses]
        started = time.perf_counter()
        self.connection.execute("BEGIN")
        self.connection.executemany(self.people_sql, batch.people)
        self.connection.executemany(self.doses_sql, doses)
        self.connection.execute("COMMIT")
        return time.perf_counter() - started

    def close(self) -> None:
        self.connection.close()


class RawPostgres:
    """`COPY ... FROM STDIN` of the row tuples, one transaction per batch."""

    def __init__(self, url: str) -> None:
        import psycopg  # noqa: PLC0415

        self.connection = psycopg.connect(url)
        self.people_copy = f"COPY beneficiaries ({', '.join(PEOPLE_COLUMNS)}) FROM STDIN"
        self.doses_copy = f"COPY doses ({', '.join(DOSE_COLUMNS)}) FROM STDIN"
        self.refused = 0

    def write(self, batch: Batch) -> float:
        started = time.perf_counter()
        with self.connection.transaction(), self.connection.cursor() as cursor:
            with cursor.copy(self.people_copy) as copy:
                for person in batch.people:
                    copy.write_row(person)
            with cursor.copy(self.doses_copy) as copy:
                for dose in batch.doses:
                    copy.write_row(dose)
        return time.perf_counter() - started

    def close(self) -> None:
        self.connection.close()


class KyvsBulk:
    """`SqlRegistry.write_many`, one call (one transaction) per batch."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.registry = SqlRegistry(self.engine)
        self.refused = 0

    def write(self, batch: Batch) -> float:
        started = time.perf_counter()
        self.registry.write_many(batch.registrations)
        return time.perf_counter() - started

    def close(self) -> None:
        self.engine.dispose()


class KyvsService(KyvsBulk):
    """`load_registrations`, the import use case: duplicate and per-mobile checks, then
    `write_many`; called per batch (with its own batch size), as an import runs it."""

    def write(self, batch: Batch) -> float:
        started = time.perf_counter()
        report = load_registrations(
            registrations_as_outcomes(batch.registrations),
            registry=self.registry,
            max_per_mobile=6,
            batch_size=BATCH,
        )
        elapsed = time.perf_counter() - started
        self.refused += len(report.errors)
        return elapsed


Loader = RawSqlite | RawPostgres | KyvsBulk


def loader(path: str, backend: str, url: str) -> Loader:
    if path == "bulk":
        return KyvsBulk(url)
    if path == "service":
        return KyvsService(url)
    return RawSqlite(url) if backend == "sqlite" else RawPostgres(url)


def raw_load(backend: str, url: str, batches: Iterable[Batch]) -> float:
    """Seconds the raw path takes for `batches` (also how lookups build big registries)."""
    raw = loader("raw", backend, url)
    try:
        return sum(raw.write(batch) for batch in batches)
    finally:
        raw.close()


def count_people(url: str) -> int:
    engine = make_engine(url)
    try:
        return SqlRegistry(engine).count()
    finally:
        engine.dispose()


@dataclass
class Databases:
    """The registries the import left behind for the lookup and load benchmarks."""

    sqlite_url: str
    postgres: Schema | None


@dataclass
class Target:
    """A fresh database for one path: a SQLite file or a PostgreSQL schema."""

    url: str
    file: Path | None = None
    schema: Schema | None = None

    def discard(self) -> None:
        if self.schema is not None:
            self.schema.drop()
        if self.file is not None:
            for leftover in self.file.parent.glob(f"{self.file.name}*"):
                leftover.unlink()


def fresh(backend: str, name: str, work: Path, postgres_url: str | None) -> Target:
    """An empty database with kyvs's schema."""
    if backend == "sqlite":
        target = Target("", file=work / f"{name}.db")
        target.discard()
        target.url = f"sqlite:///{target.file}"
    else:
        if postgres_url is None:
            raise ValueError("PostgreSQL needs a URL")
        schema = Schema(postgres_url).create()
        target = Target(schema.url, schema=schema)
    migrated(target.url)
    return target


def backend_metrics(backend: str, people: int, timings: dict[str, float]) -> list[Metric]:
    rates = {path: people / seconds for path, seconds in timings.items()}
    raw_label = "raw executemany" if backend == "sqlite" else "raw COPY"
    bulk, service = ratio_of(rates["bulk"], rates["raw"]), ratio_of(rates["service"], rates["raw"])
    per_million = timings["service"] * 1_000_000 / people
    return [
        Metric(
            f"import {backend}: write_many people/s",
            rates["bulk"],
            "people/s",
            rates["raw"],
            raw_label,
            bulk,
            f">= {RATIO_TARGET}x",
            at_least(bulk, RATIO_TARGET),
        ),
        Metric(
            f"import {backend}: load_registrations people/s",
            rates["service"],
            "people/s",
            rates["raw"],
            raw_label,
            service,
            f">= {RATIO_TARGET}x",
            at_least(service, RATIO_TARGET),
            "the import use case: duplicate and per-mobile checks + write_many",
        ),
        Metric(
            f"import {backend}: seconds per 1M people (load_registrations)",
            per_million,
            "s",
            target=f"< {SECONDS_PER_MILLION_TARGET:.0f} s",
            met=per_million < SECONDS_PER_MILLION_TARGET,
            note="" if people == 1_000_000 else f"scaled from {people:,} people",
        ),
    ]


def run(
    dataset: Dataset, work: Path, results: Path, postgres_url: str | None
) -> tuple[list[Metric], Databases]:
    """Every path on SQLite, then on PostgreSQL when it is there; keeps the service databases."""
    people, doses = dataset.people, dataset.doses
    data: dict[str, Any] = {
        "benchmark": "import_rate",
        "machine": machine(),
        "people": people,
        "doses": doses,
        "batch": BATCH,
        "backends": {},
    }
    metrics: list[Metric] = []
    kept: dict[str, Target] = {}
    backends = ["sqlite"] + ([] if postgres_url is None else ["postgresql"])
    for backend in backends:
        targets = {path: fresh(backend, f"import-{path}", work, postgres_url) for path in PATHS}
        loaders = {path: loader(path, backend, targets[path].url) for path in PATHS}
        timings = dict.fromkeys(PATHS, 0.0)
        log(f"import {backend}: {people:,} people, {doses:,} doses, paths taking turns per batch")
        try:
            for number, batch in enumerate(dataset.batches):
                turn = number % len(PATHS)  # each path goes first as often as the others
                for path in PATHS[turn:] + PATHS[:turn]:
                    timings[path] += loaders[path].write(batch)
        finally:
            for each in loaders.values():
                each.close()
        refused = loaders["service"].refused
        for path in PATHS:
            stored = count_people(targets[path].url)
            rate = people / timings[path]
            log(f"  {path}: {timings[path]:.1f} s, {rate:,.0f} people/s ({stored:,} stored)")
            if stored != people - (refused if path == "service" else 0):
                for target in targets.values():
                    target.discard()
                raise RuntimeError(f"{backend}/{path} stored {stored:,} of {people:,} people")
        targets["raw"].discard()
        targets["bulk"].discard()
        kept[backend] = targets["service"]
        found = backend_metrics(backend, people, timings)
        data["backends"][backend] = {
            "seconds": timings,
            "people_per_s": {path: people / seconds for path, seconds in timings.items()},
            "bulk_over_raw": found[0].ratio,
            "service_over_raw": found[1].ratio,
            "service_seconds_per_million": found[2].value,
            "refused": refused,
        }
        metrics += found
    data["metrics"] = metrics_data(metrics)
    write_result(results, "import_rate", data)
    postgres = kept["postgresql"].schema if "postgresql" in kept else None
    return metrics, Databases(kept["sqlite"].url, postgres)
