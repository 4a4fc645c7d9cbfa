"""Taking a staff member's console access away, against a real `kyvs serve`: a logged-in session
stops at its next request once the operator disables the login or resets its password, and only
a fresh login opens it again. Wrong passwords from one address never keep the right password out
from another (the server sits behind a trusted proxy that names each client)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from kyvs.services.staff_login import LOGIN_LIMIT
from tests.e2e.conftest import Cli, environment, running_server
from tests.e2e.deployments import Onboarding, add_staff_login, onboard, upgrade

LOGINS = ("desk.one", "desk.two", "desk.three")
PASSWORD = "correct horse battery"
DESK = "198.51.100.7"
STRANGER = "203.0.113.66"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Browser:
    """One client of the console: its own cookies, its own address (X-Forwarded-For)."""

    http: httpx.Client
    username: str

    def csrf(self) -> str:
        found = _CSRF.search(self.http.get("/console").text)
        assert found, "no CSRF token on the console page"
        return found.group(1)

    def log_in(self, password: str = PASSWORD) -> httpx.Response:
        data = {"username": self.username, "password": password, "csrf": self.csrf()}
        return self.http.post("/console/login", data=data)

    def in_console(self) -> bool:
        """Whether the session is still open: the history page shows, not a redirect to log in."""
        history = self.http.get("/console/history")
        if history.status_code == 303:
            assert history.headers["location"] == "/console"
            assert 'action="/console/login"' in self.http.get("/console").text
            return False
        assert history.status_code == 200
        return True


@pytest.fixture(scope="module")
def cli(tmp_path_factory) -> Cli:
    """The operator's CLI on one database for the module (each test has a login of its own)."""
    folder = tmp_path_factory.mktemp("staff-access")
    database_url = f"sqlite:///{folder / 'kyvs.db'}"
    upgrade(database_url)
    provider = onboard(database_url, [Onboarding("Yatra Travels")])["Yatra Travels"]
    for username in LOGINS:
        add_staff_login(database_url, provider["provider_id"], username, PASSWORD)
    return Cli(environment(database_url, KYVS_DEMO="1"), folder)


@pytest.fixture(scope="module")
def served(cli: Cli) -> Iterator[str]:
    with running_server(cli.env | {"KYVS_FORWARDED_ALLOW_IPS": "127.0.0.1"}, cli.cwd) as base:
        yield base


@pytest.fixture
def browser(served: str) -> Iterator[Callable[[str, str], Browser]]:
    opened: list[httpx.Client] = []

    def open_from(address: str, username: str) -> Browser:
        http = httpx.Client(base_url=served, headers={"X-Forwarded-For": address}, timeout=30)
        opened.append(http)
        return Browser(http, username)

    yield open_from
    for http in opened:
        http.close()


def test_disabling_a_login_ends_its_open_session_at_once(cli, browser):
    username = LOGINS[0]
    desk = browser("198.51.100.1", username)
    assert desk.log_in().status_code == 303
    assert desk.in_console()

    cli.run("provider", "staff", "disable", username)
    assert not desk.in_console()
    assert desk.log_in().status_code == 401

    cli.run("staff", "enable", username)  # the top-level alias
    assert not desk.in_console()  # enabling does not revive the old session
    assert desk.log_in().status_code == 303
    assert desk.in_console()


def test_a_new_password_ends_every_open_session_of_that_login(cli, browser):
    username = LOGINS[1]
    desk, phone = browser("198.51.100.2", username), browser("198.51.100.8", username)
    for session in (desk, phone):
        assert session.log_in().status_code == 303
        assert session.in_console()

    fresh = cli.json("provider", "staff", "reset-password", username)["password"]
    assert not desk.in_console()
    assert not phone.in_console()
    assert desk.log_in(PASSWORD).status_code == 401
    assert desk.log_in(fresh).status_code == 303
    assert desk.in_console()


def test_a_strangers_wrong_passwords_do_not_lock_the_real_user_out(browser):
    stranger, desk = browser(STRANGER, LOGINS[2]), browser(DESK, LOGINS[2])
    for _ in range(LOGIN_LIMIT + 1):
        assert stranger.log_in("a guessed password").status_code == 401
    assert stranger.log_in(PASSWORD).status_code == 401  # that address is limited now
    assert desk.log_in().status_code == 303
    assert desk.in_console()
