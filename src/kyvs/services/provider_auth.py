"""API-key authentication for the hot path: one directory lookup per key id per 30 seconds."""

from __future__ import annotations

import time
from collections.abc import Callable

from kyvs.domain import api_keys
from kyvs.domain.errors import ProviderSuspended, ProviderUnauthorized
from kyvs.domain.providers import Provider
from kyvs.ports import ApiKeyRecord, ProviderDirectory

CACHE_TTL_S = 30.0


class ProviderAuthenticator:
    """Turns an `X-Api-Key` into its provider; suspensions and revocations apply within the TTL."""

    def __init__(
        self,
        directory: ProviderDirectory,
        *,
        ttl_s: float = CACHE_TTL_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.directory = directory
        self.ttl_s = ttl_s
        self.monotonic = monotonic
        self._cache: dict[str, tuple[float, tuple[Provider, ApiKeyRecord] | None]] = {}

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

    async def _lookup(self, key_id: str) -> tuple[Provider, ApiKeyRecord] | None:
        now = self.monotonic()
        cached = self._cache.get(key_id)
        if cached is not None and now - cached[0] < self.ttl_s:
            return cached[1]
        found = await self.directory.by_key_id(key_id)
        if len(self._cache) > 10_000:  # unknown ids sprayed at us must not grow memory forever
            self._cache.clear()
        self._cache[key_id] = (now, found)
        return found
