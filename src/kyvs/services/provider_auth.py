"""API-key authentication for the hot path: one directory lookup per key id per 30 seconds."""

from __future__ import annotations

import time
from collections.abc import Callable

from cachetools import TTLCache

from kyvs.domain import api_keys
from kyvs.domain.errors import ProviderSuspended, ProviderUnauthorized
from kyvs.domain.providers import Provider
from kyvs.ports import ApiKeyRecord, ProviderDirectory

CACHE_TTL_S = 30.0
# Keys that exist: as many as kyvs could plausibly have providers; beyond, the least recently used
# goes first. Only the directory's own keys can enter, so strangers cannot fill it.
KNOWN_KEYS_CACHED = 10_000
# Key ids nobody holds, kept apart so a spray of them never evicts a known key; small, since a
# spray of distinct ids misses it anyway and then costs one directory lookup each.
UNKNOWN_IDS_CACHED = 1_000

_Found = tuple[Provider, ApiKeyRecord]


class ProviderAuthenticator:
    """Turns an `X-Api-Key` into its provider; suspensions and revocations apply within the TTL."""

    def __init__(
        self,
        directory: ProviderDirectory,
        *,
        ttl_s: float = CACHE_TTL_S,
        monotonic: Callable[[], float] = time.monotonic,
        known_keys_cached: int = KNOWN_KEYS_CACHED,
        unknown_ids_cached: int = UNKNOWN_IDS_CACHED,
    ) -> None:
        self.directory = directory
        self._known: TTLCache[str, _Found] = TTLCache(known_keys_cached, ttl_s, timer=monotonic)
        self._unknown: TTLCache[str, None] = TTLCache(unknown_ids_cached, ttl_s, timer=monotonic)

    @property
    def cached_key_ids(self) -> int:
        """How many key ids the caches hold, known and unknown (for tests and metrics)."""
        return len(self._known) + len(self._unknown)

    async def authenticate(self, api_key: str | None) -> Provider:
        """The active provider owning this key, or `ProviderUnauthorized` / `ProviderSuspended`."""
        key_id = api_keys.key_id_of(api_key or "")
        if key_id is None or api_key is None:
            raise ProviderUnauthorized("Send a valid API key in the X-Api-Key header.")
        found = await self._lookup(key_id)
        if found is None:
            raise ProviderUnauthorized("This API key is not valid.")
        provider, key = found
        if key.revoked_at is not None or not api_keys.key_matches(api_key, key.key_hash):
            raise ProviderUnauthorized("This API key is not valid.")
        if not provider.active:
            raise ProviderSuspended("This provider is suspended; contact the kyvs operator.")
        return provider

    async def _lookup(self, key_id: str) -> _Found | None:
        if (found := self._known.get(key_id)) is not None or key_id in self._unknown:
            return found
        found = await self.directory.by_key_id(key_id)
        if found is None:
            self._unknown[key_id] = None
        else:
            self._known[key_id] = found
        return found
