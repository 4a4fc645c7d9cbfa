"""What soak scenarios share: the pools they draw people and mobiles from, the providers' keys,
and a base class holding the client, the pools and the OTP watcher."""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count

from load import OtpWatcher
from soak_tally import Api, Tally

OTP_WAIT_S = 15.0
SESSIONS_KEPT = 200
LINKS_KEPT = 200
SESSION_REUSE_S = 600.0  # citizen sessions last 15 minutes
LANGUAGES = ("en", "hi", "gu", "mr")
NEW_LINK_SHARE = 0.05  # of share-card arrivals; the rest fetch cards of links made earlier
RETURN_URL = "http://127.0.0.1:9/kyvs/return"
UNMATCHED_NAME = "Zorawar Quixote Xylander"


@dataclass
class Session:
    """A logged-in citizen: the token and the people on the mobile."""

    token: str
    refs: list[str]
    since: float


@dataclass
class Pools:
    """What scenarios draw from; nothing is handed to two scenarios at once."""

    alone: Iterator[tuple[str, str]]  # (full name, mobile) of people alone on their mobile
    households: Iterator[str]  # mobiles for citizen logins, disjoint from `alone`
    unregistered: Iterator[str]  # mobiles nobody is registered on
    verified: deque[str] = field(default_factory=deque)  # mobiles verified in this run
    sessions: deque[Session] = field(default_factory=lambda: deque(maxlen=SESSIONS_KEPT))
    links: deque[str] = field(default_factory=lambda: deque(maxlen=LINKS_KEPT))


def unregistered_mobiles(registered: set[str], seed: int) -> Iterator[str]:
    """Valid mobile numbers that nobody in the registry has, in a seeded order."""
    base = random.Random(seed).randrange(6_000_000_000, 9_000_000_000)
    for n in count():
        mobile = str(base + n * 7919 % 1_000_000_000)
        if mobile not in registered:
            yield mobile


@dataclass
class Keys:
    """The API keys and ids of the soak's providers."""

    main: str
    main_id: str
    tight: str  # a provider with a small rate limit: its 429s are expected


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Scenarios:
    """The client, the pools and the OTP watcher every scenario uses."""

    def __init__(
        self, api: Api, pools: Pools, watcher: OtpWatcher, keys: Keys, rng: random.Random
    ) -> None:
        self.api = api
        self.pools = pools
        self.watcher = watcher
        self.keys = keys
        self.rng = rng
        self.ends_at = float("inf")  # monotonic: when arrivals stop
        self.tally: Tally = api.tally

    def _key(self, key: str | None = None) -> dict[str, str]:
        return {"X-Api-Key": key or self.keys.main}

    async def _otp(self, future: asyncio.Future[str], mobile: str, what: str) -> str | None:
        try:
            return await asyncio.wait_for(future, OTP_WAIT_S)
        except TimeoutError:
            self.watcher.forget(mobile)
            self.tally.error(f"no OTP for {what} in {OTP_WAIT_S:g} s", mobile)
            return None
