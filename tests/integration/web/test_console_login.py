"""Console login through the app: the right password opens a session; a wrong password and an
unknown username get the same page after the same argon2 work (regression: an unknown username
skipped argon2 and answered measurably faster, telling which usernames exist)."""

from __future__ import annotations

import re

import httpx
import pytest

from kyvs.adapters import passwords
from kyvs.adapters.passwords import hash_password
from kyvs.adapters.sql import migrate
from kyvs.adapters.sql.engine import make_engine
from kyvs.services.providers import add_staff, create_provider
from kyvs.settings import Settings
from kyvs.web.app import create_app

pytestmark = pytest.mark.anyio


async def test_every_refusal_looks_the_same_and_costs_one_argon2_check(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'kyvs.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app(Settings(database_url=url, demo=True))
    wired = app.state.container
    provider, _ = create_provider(
        store=wired.provider_store, access=wired.access, name="Desk Travels", category="travel",
        scopes=["status"], purposes=["travel"], now=wired.clock.now(),
    )  # fmt: skip
    add_staff(
        store=wired.provider_store, provider_id=provider.provider_id, username="desk1",
        password="correct horse battery", hash_password=hash_password, now=wired.clock.now(),
    )  # fmt: skip
    checked: list[str] = []
    real = passwords.password_matches
    monkeypatch.setattr(
        passwords, "password_matches", lambda pw, stored: checked.append(stored) or real(pw, stored)
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://kyvs.test") as client:
        form = (await client.get("/console")).text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
        assert csrf

        async def log_in(username: str, password: str) -> httpx.Response:
            data = {"username": username, "password": password, "csrf": csrf.group(1)}
            return await client.post("/console/login", data=data)

        wrong = await log_in("desk1", "not the password")
        unknown = await log_in("nobody-here", "not the password")
        assert wrong.status_code == unknown.status_code == 401
        assert "Wrong username or password." in unknown.text
        assert len(checked) == 2  # the unknown username was checked against a decoy
        right = await log_in("desk1", "correct horse battery")
        assert right.status_code == 303
    await wired.aclose()
