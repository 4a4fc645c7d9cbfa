"""A small deployment for the abuse tests: people imported with `kyvs registry import`,
providers onboarded through the provider use case, a real `kyvs serve`, and the demo SMS outbox
read the way a phone would (straight from its table)."""

from __future__ import annotations

import contextlib
import re
import secrets
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from kyvs.adapters.sql import migrate
from kyvs.adapters.sql.engine import make_engine
from tests.e2e.conftest import Cli, environment, running_server
from tests.e2e.deployments import Onboarding, onboard

PROBLEMS = "https://kyvs.dev/problems/"


@dataclass
class World:
    """A running server, its database and the operator's CLI."""

    cli: Cli
    base: str
    database: Path
    providers: dict[str, dict[str, Any]] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)

    def key(self, provider: str) -> dict[str, str]:
        return {"X-Api-Key": self.providers[provider]["api_key"]}

    def post(self, path: str, provider: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = self._headers(provider, kwargs.pop("headers", {}))
        return httpx.post(f"{self.base}{path}", headers=headers, timeout=10, **kwargs)

    def get(self, path: str, provider: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = self._headers(provider, kwargs.pop("headers", {}))
        return httpx.get(f"{self.base}{path}", headers=headers, timeout=10, **kwargs)

    def _headers(self, provider: str | None, given: dict[str, str]) -> dict[str, str]:
        """The key, and a client address of the request's own unless the test names one: the
        server sits behind a trusted proxy (loopback), as in production behind nginx, so that
        the tests' calls are not all one client to the per-client limits."""
        key = self.key(provider) if provider else {}
        return {"X-Forwarded-For": an_address(), **key, **given}

    @staticmethod
    def as_another_client(request: httpx.Request) -> None:
        """An httpx request hook: each request from a client address of its own."""
        request.headers.setdefault("X-Forwarded-For", an_address())

    def start(self, provider: str, name: str, mobile: str, purpose: str) -> httpx.Response:
        body = {"full_name": name, "mobile_number": mobile, "purpose": purpose}
        return self.post("/api/v1/verifications", provider, json=body)

    def start_with(self, api_key: str) -> httpx.Response:
        """Start a verification presenting `api_key` (whatever it really is)."""
        body = {"full_name": "Anyone", "mobile_number": "9999999999", "purpose": "travel"}
        return self.post("/api/v1/verifications", json=body, headers={"X-Api-Key": api_key})

    def sms_count(self, mobile: str) -> int:
        with contextlib.closing(sqlite3.connect(self.database)) as db:
            (count,) = db.execute(
                "SELECT count(*) FROM sms_outbox WHERE to_mobile = ?", (mobile,)
            ).fetchone()
        return int(count)

    def otp_after(self, mobile: str, seen: int) -> str:
        """The OTP of the first SMS to `mobile` after the `seen` it already had (it leaves after
        the response, so wait for it)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.closing(sqlite3.connect(self.database)) as db:
                texts = db.execute(
                    "SELECT text FROM sms_outbox WHERE to_mobile = ? ORDER BY id", (mobile,)
                ).fetchall()
            if len(texts) > seen:
                found = re.search(r"\b\d{6}\b", texts[seen][0])
                assert found, "no OTP in the SMS"
                return found.group(0)
            time.sleep(0.05)
        raise AssertionError(f"no SMS reached {mobile}")

    def metric(self, name: str, **labels: str) -> float:
        """One sample of `/metrics` as Prometheus reads it (0 when absent)."""
        for family in text_string_to_metric_families(self.get("/metrics").text):
            for sample in family.samples:
                if sample.name == name and sample.labels == labels:
                    return float(sample.value)
        return 0.0

    def citizen_login(self, mobile: str) -> dict[str, str]:
        """Log in as the citizen holding `mobile`: the Authorization header of the session."""
        seen = self.sms_count(mobile)
        txn = self.post("/api/v1/citizen/login", json={"mobile_number": mobile}).json()["txn_id"]
        otp = self.otp_after(mobile, seen)
        confirmed = self.post(f"/api/v1/citizen/login/{txn}/confirm", json={"otp": otp})
        assert confirmed.status_code == 200, confirmed.text
        return {"Authorization": f"Bearer {confirmed.json()['token']}"}


def an_address() -> str:
    """A client address from the benchmarking range (RFC 2544), new with each call."""
    return f"198.18.{secrets.randbelow(256)}.{secrets.randbelow(256)}"


@contextlib.contextmanager
def deployed(
    folder: Path,
    people: list[tuple[str, str]],
    providers: list[Onboarding],
    **env: str,
) -> Iterator[World]:
    """Import `people` (name, mobile; each fully vaccinated), onboard `providers`, serve, and
    yield the world."""
    database = folder / "kyvs.db"
    cli = Cli(environment(f"sqlite:///{database}", KYVS_DEMO="1", **env), folder)
    engine = make_engine(f"sqlite:///{database}")
    migrate.upgrade(engine)
    engine.dispose()
    rows = ["full_name,birth_year,gender,mobile,dose1_vaccine,dose1_date,dose2_vaccine,dose2_date"]
    rows += [
        f"{name},1985,F,{mobile},COVISHIELD,2021-05-01,COVISHIELD,2021-08-01"
        for name, mobile in people
    ]
    csv = folder / "people.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    cli.run("registry", "import", str(csv))
    made = onboard(f"sqlite:///{database}", providers)
    with contextlib.closing(sqlite3.connect(database)) as db:
        refs = dict(db.execute("SELECT full_name, reference_id FROM beneficiaries").fetchall())
    with running_server(cli.env | {"KYVS_FORWARDED_ALLOW_IPS": "127.0.0.1"}, folder) as base:
        yield World(cli, base, database, made, refs)
