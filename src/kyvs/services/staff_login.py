"""Front-desk staff in the console: logging in (a per-client limit, then the password check) and,
on every request after it, whether the session still stands.

The check runs argon2id in a worker thread; an unknown or disabled username costs the same work
as a wrong password (the password check's job), and a limited client is refused after it, so
neither the answer nor its timing tells which usernames exist.

The limit counts attempts per client address, never per username: a per-username lock would let
anyone who knows (or guesses) a username keep its owner out of the console from anywhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from kyvs.domain.clients import QUARTER_HOUR_S, Client
from kyvs.domain.limits import Limit
from kyvs.domain.providers import Provider
from kyvs.ports import Clock, ProviderDirectory, RateLimiter, StaffAccount

LOGIN_LIMIT = 10  # login attempts (right or wrong) per client per 15 minutes
LOGIN_WINDOW_S = QUARTER_HOUR_S


@dataclass(frozen=True, slots=True)
class StaffSession:
    """What a console session remembers of its login."""

    username: str
    session_version: int


@dataclass
class StaffLogin:
    """Staff login for the console, and the check of its sessions."""

    limiter: RateLimiter
    directory: ProviderDirectory
    # (typed password, stored hash or None for no account) -> whether they match
    password_matches: Callable[[str, str | None], bool]
    clock: Clock

    async def login(self, username: str, password: str, client: Client) -> StaffAccount | None:
        """The account for a right username and password within the client's limit, else None."""
        login_name = normalised_username(username)
        denied = await self.limiter.acquire(
            [login_limit(client)], now_s=self.clock.now().timestamp()
        )
        found = await self.directory.by_username(login_name)
        account = found[1] if found else None
        usable = account is not None and not account.disabled
        stored = account.password_hash if usable and account is not None else None
        matches = await asyncio.to_thread(self.password_matches, password, stored)
        return account if matches and not denied else None

    async def provider_of(self, session: StaffSession) -> Provider | None:
        """The provider a session works for, while its account is enabled and unchanged since
        the login (the same session version) and the provider is active; else None."""
        found = await self.directory.by_username(session.username)
        if found is None:
            return None
        provider, account = found
        stands = not account.disabled and account.session_version == session.session_version
        return provider if stands and provider.active else None


def login_limit(client: Client) -> Limit:
    """Console login attempts from one client address."""
    return Limit(f"staff-login-client:{client.address}", LOGIN_LIMIT, LOGIN_WINDOW_S)


def normalised_username(typed: str) -> str:
    """A username as stored: trimmed, lower case, at most 60 characters."""
    return typed.strip().lower()[:60]
