"""Browser fixtures: Debian's Chromium driven by Playwright against a real `kyvs serve`.

One browser per session, one deployment (database, people, provider, staff login, server) per
module, a fresh browser context per page a test opens, and full-page screenshots of every step
in `test-artefacts/` (git-ignored) for a human to look at.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Browser, Frame, Page, ViewportSize, sync_playwright

from tests.e2e.conftest import Cli, environment, free_port, running_server
from tests.e2e.deployments import Onboarding, Resident, add_staff_login, onboard, register, upgrade
from tests.e2e.phone import Phones

CHROMIUM = os.environ.get("KYVS_CHROMIUM", "/usr/bin/chromium")
# Playwright cannot download its own browser here; these flags suit a headless container.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
ARTEFACTS = Path(__file__).resolve().parents[3] / "test-artefacts"
STAFF_USERNAME = "desk"
STAFF_PASSWORD = "a-long-password"
PROVIDER_NAME = "Yatra Travels"


@dataclass(frozen=True)
class Person:
    name: str
    mobile: str
    doses: tuple[str, ...]
    status: int  # what the doses make of them: 0 not, 1 partially, 2 fully vaccinated


# Each person has a mobile of their own: a mobile gets only a few OTPs an hour.
PEOPLE = {
    "asha": Person("Asha Patel", "9100000001", ("2021-05-01", "2021-08-01"), 2),
    "bhavesh": Person("ભાવેશ શાહ", "9100000002", ("2021-06-01", "2021-09-01"), 2),
    "meera": Person("Meera Shah", "9100000003", ("2022-01-20",), 1),
    "ravi": Person("Ravi Kumar", "9100000004", (), 0),
}


@dataclass(frozen=True)
class Deployment:
    base: str
    cli: Cli
    provider: dict[str, Any]
    site: str  # the provider's website: its return URL and the origin allowed to embed
    phones: Phones

    @property
    def site_port(self) -> int:
        return int(self.site.rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium per test module (a session-wide one would keep Playwright's event loop
    running under the async tests that follow); skipped (or failed in CI) when missing."""
    if not Path(CHROMIUM).exists():
        reason = (
            f"the browser tests need Chromium at {CHROMIUM} "
            "(`apt-get install chromium fonts-noto-core`; `make test` does it when run as root)"
        )
        if os.environ.get("KYVS_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason}; KYVS_REQUIRE_SERVICES=1 forbids skipping")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def deployment(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """A SQLite deployment set up with the CLI, served by a real `kyvs serve` process."""
    folder = tmp_path_factory.mktemp("browser")
    database_url = f"sqlite:///{folder / 'kyvs.db'}"
    cli = Cli(environment(database_url, KYVS_DEMO="1"), folder)
    upgrade(database_url)
    register(cli, [Resident(p.name, p.mobile, p.doses, birth_year=1988) for p in PEOPLE.values()])
    site = f"http://127.0.0.1:{free_port()}"
    onboarding = Onboarding(
        PROVIDER_NAME,
        purposes=("travel", "employment"),
        return_urls=(f"{site}/return",),
        embed_origins=(site,),
    )
    provider = onboard(database_url, [onboarding])[PROVIDER_NAME]
    add_staff_login(database_url, provider["provider_id"], STAFF_USERNAME, STAFF_PASSWORD)
    phones = Phones(cli.env["KYVS_DATABASE_URL"])
    with running_server(cli.env, folder) as base:
        yield Deployment(base=base, cli=cli, provider=provider, site=site, phones=phones)
    phones.close()


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Opens a page in a fresh context (its own cookies); every context is closed afterwards and
    any uncaught JavaScript error on those pages fails the test."""
    contexts = []
    errors: list[str] = []

    def new_page(viewport: ViewportSize = PHONE, **options: Any) -> Page:
        context = browser.new_context(viewport=viewport, locale="en-IN", **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield new_page
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture(scope="session")
def artefacts() -> Path:
    """`<repo>/test-artefacts/`: screenshots for people to look at (git-ignored)."""
    ARTEFACTS.mkdir(exist_ok=True)
    return ARTEFACTS


@pytest.fixture
def shoot(request: pytest.FixtureRequest, artefacts: Path) -> Callable[[Page, str], Path]:
    """Saves a full-page screenshot named after the test and the step."""
    test = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")

    def save(page: Page, step: str) -> Path:
        path = artefacts / f"{test}--{step}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return save


def assert_accessible(target: Page | Frame, where: str) -> None:
    """axe-core finds no serious or critical violation on the page (or frame) as it is now."""
    violations = Axe().run(target).response["violations"]
    serious = [v for v in violations if v["impact"] in {"serious", "critical"}]
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(" ".join(map(str, node["target"])) for node in v["nodes"][:5])
        for v in serious
    )
    assert not serious, f"axe: serious accessibility problems on {where}:\n{report}"
