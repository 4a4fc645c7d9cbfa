"""A citizen logged in at /me of an in-process app (bootstrap, migrated SQLite, demo SMS)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from kyvs.adapters.sms.memory import MemorySms
from kyvs.adapters.sql import migrate
from kyvs.adapters.sql.engine import make_engine
from kyvs.bootstrap import Container, bootstrap
from kyvs.domain.mobile import MobileNumber
from kyvs.settings import Settings
from kyvs.web.app import create_app
from tests.factories.people import fully_vaccinated

MOBILE = "9876543210"


class Citizen:
    """A browser logged in at /me, posting its forms."""

    def __init__(self, client: httpx.AsyncClient, wired: Container, reference_id: str) -> None:
        self.client, self.wired, self.reference_id = client, wired, reference_id

    async def csrf(self) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', (await self.client.get("/me")).text)
        assert found
        return found.group(1)

    async def post(self, path: str, **form: str) -> httpx.Response:
        return await self.client.post(path, data={"csrf": await self.csrf(), **form})


async def logged_in_citizen(
    tmp_path: Path, *, raise_app_exceptions: bool = True, **overrides: Any
) -> AsyncIterator[Citizen]:
    """Asha Patel, fully vaccinated, logged in at /me by the OTP of her SMS; `overrides` replace
    parts of the wiring (`bootstrap`)."""
    url = f"sqlite:///{tmp_path / 'kyvs.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    sms = MemorySms()
    wired = bootstrap(Settings(database_url=url, demo=True), sms=sms, **overrides)
    asha = fully_vaccinated(name="Asha Patel", mobile=MOBILE)
    wired.registry.add(asha)
    app = create_app(container=wired)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    async with httpx.AsyncClient(transport=transport, base_url="https://kyvs.test") as client:
        person = Citizen(client, wired, asha.beneficiary.reference_id)
        assert (await person.post("/me/login", mobile_number=MOBILE)).status_code == 303
        await wired.dispatcher.drain()
        otp = re.search(r"\b(\d{6})\b", sms.to(MobileNumber.parse(MOBILE))[-1].text)
        assert otp
        assert (await person.post("/me/otp", otp=otp.group(1))).status_code == 303
        yield person
    await wired.aclose()
