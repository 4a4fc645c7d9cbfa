"""Front-desk staff logging in to the console: a per-username limit, then the password check.

The check runs argon2id in a worker thread; an unknown or disabled username costs the same work
as a wrong password (the password check's job), and a limited username is refused after it, so
neither the answer nor its timing tells which usernames exist.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from kyvs.domain.limits import Limit
from kyvs.ports import Clock, ProviderStore, RateLimiter, StaffAccount

LOGIN_LIMIT = 10  # wrong passwords per username per 15 minutes
LOGIN_WINDOW_S = 15 * 60


@dataclass
class StaffLogin:
    """Staff login for the console."""

    limiter: RateLimiter
    accounts: ProviderStore
    # (typed password, stored hash or None for no account) -> whether they match
    password_matches: Callable[[str, str | None], bool]
    clock: Clock

    async def login(self, username: str, password: str) -> StaffAccount | None:
        """The account for a right username and password within the limit, else None."""
        login_name = normalised_username(username)
        denied = await self.limiter.acquire(
            [Limit(f"login:{login_name}", LOGIN_LIMIT, LOGIN_WINDOW_S, reason="rate-limited")],
            now_s=self.clock.now().timestamp(),
        )
        account = await asyncio.to_thread(self.accounts.staff, login_name)
        usable = account is not None and not account.disabled
        stored = account.password_hash if usable and account is not None else None
        matches = await asyncio.to_thread(self.password_matches, password, stored)
        return account if matches and not denied else None


def normalised_username(typed: str) -> str:
    """A username as stored: trimmed, lower case, at most 60 characters."""
    return typed.strip().lower()[:60]
