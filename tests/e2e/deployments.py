"""Deployments for the end-to-end tests, set up in a few calls instead of a CLI process each.

The schema is migrated and providers are onboarded in the test process, through the same code
`kyvs db upgrade` and `kyvs provider create` run; the people are imported with one
`kyvs registry import` of a CSV file. The commands themselves are tested one by one in
`tests/e2e/test_cli_registry.py`, `test_cli_providers.py` and `test_readme_first_hour.py`.
"""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text

from kyvs.bootstrap import Container, bootstrap
from kyvs.services.providers import add_staff, create_provider
from kyvs.settings import Settings
from tests.e2e.conftest import Cli

MAX_DOSES = 3


@dataclass(frozen=True)
class Resident:
    """One person for the registry: name, mobile and the dates of their doses."""

    name: str
    mobile: str
    doses: tuple[str, ...] = ()
    vaccine: str = "COVISHIELD"
    birth_year: int = 1985
    gender: str = "F"


@dataclass(frozen=True)
class Onboarding:
    """One provider to onboard, with what `kyvs provider create` would be given."""

    name: str
    purposes: Sequence[str] = ("travel",)
    scopes: Sequence[str] = ("status", "vaccinations", "demographics")
    category: str = "travel"
    rate_limit: str = "1000/min"
    daily_quota: int = 10_000
    return_urls: Sequence[str] = ()
    embed_origins: Sequence[str] = ()


@contextlib.contextmanager
def wired(database_url: str) -> Iterator[Container]:
    """kyvs wired for `database_url` in the test process, as the CLI wires it."""
    container = bootstrap(Settings(database_url=database_url, demo=True))
    try:
        yield container
    finally:
        container.engine.dispose()


def upgrade(database_url: str) -> None:
    """The schema, as `kyvs db upgrade` makes it."""
    with wired(database_url) as container:
        container.upgrade_schema()


def register(cli: Cli, people: Iterable[Resident]) -> dict[str, str]:
    """Import `people` with one `kyvs registry import`; each one's reference id by name."""
    path = cli.cwd / "residents.csv"
    write_registry_csv(path, people)
    cli.run("registry", "import", str(path))
    with wired(cli.env["KYVS_DATABASE_URL"]) as container, container.engine.connect() as db:
        rows = db.execute(text("SELECT full_name, reference_id FROM beneficiaries"))
        return {str(name): str(ref) for name, ref in rows}


def write_registry_csv(path: Path, people: Iterable[Resident]) -> Path:
    """The registry CSV `kyvs registry import` reads (at most `MAX_DOSES` doses a person)."""
    doses = [f"dose{n}_{field}" for n in range(1, MAX_DOSES + 1) for field in ("vaccine", "date")]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["full_name", "birth_year", "gender", "mobile", *doses])
        for person in people:
            cells: list[str] = []
            for day in person.doses:
                cells += [person.vaccine, day]
            cells += [""] * (len(doses) - len(cells))
            writer.writerow([person.name, person.birth_year, person.gender, person.mobile, *cells])
    return path


def onboard(database_url: str, providers: Iterable[Onboarding]) -> dict[str, dict[str, Any]]:
    """Onboard each provider as `kyvs provider create` does: its id and first API key by name."""
    made = {}
    with wired(database_url) as container:
        for wanted in providers:
            provider, key = create_provider(
                store=container.provider_store,
                access=container.access,
                name=wanted.name,
                category=wanted.category,
                scopes=wanted.scopes,
                purposes=wanted.purposes,
                daily_quota=wanted.daily_quota,
                rate_limit=wanted.rate_limit,
                return_urls=wanted.return_urls,
                embed_origins=wanted.embed_origins,
                now=container.clock.now(),
            )
            made[wanted.name] = {"provider_id": provider.provider_id, "api_key": key}
    return made


def add_staff_login(database_url: str, provider_id: str, username: str, password: str) -> None:
    """A console login, as `kyvs provider staff add` makes it."""
    with wired(database_url) as container:
        add_staff(
            store=container.provider_store,
            provider_id=provider_id,
            username=username,
            password=password,
            hash_password=container.password_hasher.hash,
            now=container.clock.now(),
        )
