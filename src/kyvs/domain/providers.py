"""Providers (verifier entities) and their limits."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kyvs.domain.errors import DomainError, InvalidInput

# At most 9 digits each: int() refuses strings of 4300+ digits with a ValueError.
_RATE = re.compile(r"^\s*(\d{1,9})\s*/\s*(\d{0,9})\s*(s|sec|min|m|h|hour|d|day)\s*$", re.I)
_UNIT_SECONDS = {
    "s": 1,
    "sec": 1,
    "m": 60,
    "min": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}


class ProviderNotFound(DomainError):
    """No provider has that id."""

    slug = "provider-not-found"
    title = "No provider with that id"


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most `count` requests in any `window_s` seconds."""

    count: int
    window_s: int

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """Accept `100/5min`, `10/s`, `1000/h`, `10000/day`."""
        found = _RATE.match(text)
        multiple = int(found.group(2) or 1) if found else 0  # `100/0min` is no window at all
        if not found or int(found.group(1)) < 1 or multiple < 1:
            raise InvalidInput("A rate limit looks like 100/5min, 10/s, 1000/h or 10000/day.")
        return cls(int(found.group(1)), multiple * _UNIT_SECONDS[found.group(3).lower()])

    def __str__(self) -> str:
        for unit, seconds in (("day", 86400), ("h", 3600), ("min", 60)):
            if self.window_s % seconds == 0:
                n = self.window_s // seconds
                return f"{self.count}/{'' if n == 1 else n}{unit}"
        return f"{self.count}/{self.window_s}s"


@dataclass(frozen=True, slots=True)
class Provider:
    """A provider onboarded by an operator: what it may see, why, and how much."""

    provider_id: str
    name: str
    category: str
    scopes: frozenset[str]
    purposes: frozenset[str]
    daily_quota: int
    rate_limit: RateLimit
    active: bool = True
    return_urls: tuple[str, ...] = field(default=())
    embed_origins: tuple[str, ...] = field(default=())

    def default_purpose(self) -> str:
        """The purpose used when a client (e.g. the CoWIN facade) names none."""
        return sorted(self.purposes)[0]


def check_provider_name(text: str) -> str:
    """A provider's display name (it is named in SMS): 2 to 60 characters."""
    name = " ".join(text.split())
    if not 2 <= len(name) <= 60:
        raise InvalidInput("A provider name has 2 to 60 characters.")
    return name
