"""Console staff: logging in under a per-client limit (a stranger cannot lock a real user out),
the same password work for every refusal, and sessions that end as soon as the account changes
(the HTTP side against a real server is in tests/e2e/test_console_staff_access.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from kyvs.adapters.clock import FixedClock
from kyvs.adapters.memory.verification import MemoryRateLimiter
from kyvs.bootstrap import bootstrap
from kyvs.domain.clients import Client
from kyvs.domain.providers import Provider
from kyvs.ports import StaffAccount
from kyvs.services.staff_login import LOGIN_LIMIT, LOGIN_WINDOW_S, StaffLogin, StaffSession
from kyvs.settings import Settings
from tests.factories.providers import a_provider
from tests.factories.verification import SECRET

pytestmark = pytest.mark.anyio

START = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery"
DESK = Client("198.51.100.7")  # the front desk
STRANGER = Client("203.0.113.66")


class PlainPasswords:
    """A `PasswordHasher` without the argon2 cost that records every check it makes."""

    def __init__(self) -> None:
        self.checked: list[str | None] = []

    def hash(self, password: str) -> str:
        return f"plain:{password}"

    def login_matches(self, password: str, stored_hash: str | None) -> bool:
        self.checked.append(stored_hash)
        return stored_hash == self.hash(password)


class Office:
    """Providers and staff accounts in dictionaries: the directory's read."""

    def __init__(self, *providers: Provider) -> None:
        self.providers = {p.provider_id: p for p in providers}
        self.accounts: dict[str, StaffAccount] = {}

    def hire(self, username: str, provider: Provider) -> StaffAccount:
        account = StaffAccount(username, provider.provider_id, f"plain:{PASSWORD}", False)
        self.accounts[username] = account
        return account

    def change(self, username: str, **changes: object) -> None:
        """As `change_staff` does: what is given, and one more session version."""
        account = self.accounts[username]
        version = account.session_version + 1
        self.accounts[username] = dataclasses.replace(account, session_version=version, **changes)

    async def by_username(self, username: str) -> tuple[Provider, StaffAccount] | None:
        account = self.accounts.get(username)
        return (self.providers[account.provider_id], account) if account else None


@dataclasses.dataclass
class World:
    login: StaffLogin
    office: Office
    passwords: PlainPasswords
    clock: FixedClock

    def later(self, seconds: float) -> None:
        self.clock.moment += dt.timedelta(seconds=seconds)


YATRA = a_provider(provider_id="prov-yatra", name="Yatra Travels")


@pytest.fixture
def world() -> World:
    office, passwords, clock = Office(YATRA), PlainPasswords(), FixedClock(START)
    office.hire("desk.one", YATRA)
    container = bootstrap(
        Settings(database_url="sqlite:///:memory:", secret_key=SECRET.decode()),
        clock=clock,
        rate_limiter=MemoryRateLimiter(),
        provider_directory=office,
        password_hasher=passwords,
    )
    return World(container.staff_login, office, passwords, clock)


# --- logging in --------------------------------------------------------------------------------


async def test_the_right_password_opens_the_account_whatever_the_usernames_case(world):
    account = await world.login.login("  Desk.One ", PASSWORD, DESK)
    assert account == world.office.accounts["desk.one"]


@pytest.mark.parametrize("case", ["wrong-password", "unknown-username", "disabled-account"])
async def test_every_refusal_answers_none_after_one_password_check(world, case):
    if case == "disabled-account":
        world.office.change("desk.one", disabled=True)
    username = "nobody-here" if case == "unknown-username" else "desk.one"
    password = "not the password" if case == "wrong-password" else PASSWORD
    assert await world.login.login(username, password, DESK) is None
    # A real hash, or None for "no usable account" (the adapter checks a decoy then).
    expected = f"plain:{PASSWORD}" if case == "wrong-password" else None
    assert world.passwords.checked == [expected]


async def test_past_the_client_limit_even_the_right_password_is_refused_after_the_same_work(world):
    for _ in range(LOGIN_LIMIT):
        assert await world.login.login("desk.one", "not the password", DESK) is None
    assert await world.login.login("desk.one", PASSWORD, DESK) is None
    assert len(world.passwords.checked) == LOGIN_LIMIT + 1  # the refused one was checked too


async def test_a_stranger_guessing_a_users_password_does_not_lock_the_user_out(world):
    for _ in range(LOGIN_LIMIT + 1):
        assert await world.login.login("desk.one", "guess", STRANGER) is None
    assert await world.login.login("desk.one", PASSWORD, DESK) is not None


async def test_the_limit_is_the_clients_whichever_usernames_it_tries(world):
    for n in range(LOGIN_LIMIT):
        assert await world.login.login(f"desk.{n}", "guess", STRANGER) is None
    assert await world.login.login("desk.one", PASSWORD, STRANGER) is None


async def test_a_limited_client_may_try_again_once_the_window_has_passed(world):
    for _ in range(LOGIN_LIMIT):
        await world.login.login("desk.one", "not the password", DESK)
    world.later(2 * LOGIN_WINDOW_S)
    assert await world.login.login("desk.one", PASSWORD, DESK) is not None


# --- the sessions after it -----------------------------------------------------------------------


async def test_a_session_works_for_its_provider_while_nothing_changed(world):
    account = await world.login.login("desk.one", PASSWORD, DESK)
    assert account is not None
    session = StaffSession(account.username, account.session_version)
    assert await world.login.provider_of(session) == YATRA


@pytest.mark.parametrize(
    "change",
    [
        {"disabled": True},
        {"password_hash": "plain:a new long password"},
        {},  # disabled, then enabled again: the old sessions stay ended
    ],
    ids=["disabled", "new-password", "disabled-and-enabled"],
)
async def test_a_change_to_the_account_ends_its_sessions(world, change):
    account = await world.login.login("desk.one", PASSWORD, DESK)
    assert account is not None
    world.office.change("desk.one", **change)
    session = StaffSession(account.username, account.session_version)
    assert await world.login.provider_of(session) is None


async def test_after_a_change_only_a_fresh_login_opens_a_session(world):
    world.office.change("desk.one", disabled=True)
    world.office.change("desk.one", disabled=False)
    account = await world.login.login("desk.one", PASSWORD, DESK)
    assert account is not None
    assert account.session_version == 2
    assert await world.login.provider_of(StaffSession("desk.one", 2)) == YATRA
    assert await world.login.provider_of(StaffSession("desk.one", 0)) is None


async def test_a_session_ends_with_its_account_or_its_providers_suspension(world):
    session = StaffSession("desk.one", 0)
    world.office.providers[YATRA.provider_id] = dataclasses.replace(YATRA, active=False)
    assert await world.login.provider_of(session) is None
    world.office.providers[YATRA.provider_id] = YATRA
    del world.office.accounts["desk.one"]
    assert await world.login.provider_of(session) is None
