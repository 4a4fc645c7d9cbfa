"""API-key authentication: only a live key of an active provider gets in; lookups are cached for
a short TTL, so a revocation or suspension applies within it; sprayed ids cannot grow memory
nor push known keys out of the cache."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import replace

import pytest

from kyvs.domain import api_keys
from kyvs.domain.errors import ProviderSuspended, ProviderUnauthorized
from kyvs.domain.providers import Provider
from kyvs.ports import ApiKeyRecord
from kyvs.services import provider_auth
from kyvs.services.provider_auth import ProviderAuthenticator
from tests.factories.providers import a_provider

pytestmark = pytest.mark.anyio

CREATED = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
TTL = 30.0


class FakeMonotonic:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeDirectory:
    """A `ProviderDirectory` in dictionaries that counts its key lookups."""

    def __init__(self) -> None:
        self.providers: dict[str, Provider] = {}
        self.keys: dict[str, ApiKeyRecord] = {}
        self.lookups = 0

    def onboard(self, provider: Provider) -> str:
        """Store the provider with a new key; the plaintext key."""
        issued = api_keys.issue(secrets.token_hex, secrets.token_urlsafe)
        self.providers[provider.provider_id] = provider
        self.keys[issued.key_id] = ApiKeyRecord(
            issued.key_id, provider.provider_id, issued.key_hash, CREATED, None
        )
        return issued.plaintext

    def revoke(self, plaintext: str) -> None:
        key_id = api_keys.key_id_of(plaintext)
        assert key_id is not None
        self.keys[key_id] = replace(self.keys[key_id], revoked_at=CREATED)

    def suspend(self, provider_id: str) -> None:
        self.providers[provider_id] = replace(self.providers[provider_id], active=False)

    async def by_key_id(self, key_id: str) -> tuple[Provider, ApiKeyRecord] | None:
        self.lookups += 1
        key = self.keys.get(key_id)
        return (self.providers[key.provider_id], key) if key else None

    async def provider(self, provider_id: str) -> Provider | None:
        return self.providers.get(provider_id)

    async def by_username(self, username: str) -> None:
        return None  # no staff here: only API keys are looked up


@pytest.fixture
def directory() -> FakeDirectory:
    return FakeDirectory()


@pytest.fixture
def clock() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def auth(directory, clock) -> ProviderAuthenticator:
    return ProviderAuthenticator(directory, ttl_s=TTL, monotonic=clock)


@pytest.fixture
def yatra_key(directory) -> str:
    return directory.onboard(a_provider(provider_id="prov-yatra", name="Yatra Travels"))


async def test_a_live_key_gives_its_provider(auth, yatra_key):
    provider = await auth.authenticate(yatra_key)
    assert (provider.provider_id, provider.name) == ("prov-yatra", "Yatra Travels")


@pytest.mark.parametrize(
    "api_key",
    [None, "", "not-a-key", "kyvs_x_y", "Bearer kyvs_0123456789ab_" + "a" * 43],
)
async def test_a_missing_or_malformed_key_is_refused_without_a_lookup(auth, directory, api_key):
    with pytest.raises(ProviderUnauthorized):
        await auth.authenticate(api_key)
    assert directory.lookups == 0


async def test_a_well_formed_key_nobody_holds_is_refused(auth):
    with pytest.raises(ProviderUnauthorized):
        await auth.authenticate(api_keys.issue(secrets.token_hex, secrets.token_urlsafe).plaintext)


async def test_a_revoked_key_is_refused(auth, directory, yatra_key):
    directory.revoke(yatra_key)
    with pytest.raises(ProviderUnauthorized):
        await auth.authenticate(yatra_key)


async def test_a_wrong_secret_for_a_known_key_id_is_refused_even_when_cached(auth, yatra_key):
    forged = yatra_key[:-1] + ("A" if yatra_key[-1] != "A" else "B")
    assert api_keys.key_id_of(forged) == api_keys.key_id_of(yatra_key)
    await auth.authenticate(yatra_key)  # the key id's record is now cached
    with pytest.raises(ProviderUnauthorized):
        await auth.authenticate(forged)
    assert (await auth.authenticate(yatra_key)).provider_id == "prov-yatra"


async def test_a_suspended_provider_is_told_so(auth, directory, yatra_key):
    directory.suspend("prov-yatra")
    with pytest.raises(ProviderSuspended):
        await auth.authenticate(yatra_key)


async def test_a_key_id_is_looked_up_once_per_ttl(auth, directory, clock, yatra_key):
    for _ in range(5):
        await auth.authenticate(yatra_key)
        clock.now += 5
    assert directory.lookups == 1
    clock.now += 5  # 30 s after the first lookup
    await auth.authenticate(yatra_key)
    assert directory.lookups == 2


async def test_a_revocation_is_seen_once_the_ttl_has_passed(auth, directory, clock, yatra_key):
    await auth.authenticate(yatra_key)
    directory.revoke(yatra_key)
    clock.now += TTL - 0.001
    assert (await auth.authenticate(yatra_key)).provider_id == "prov-yatra"
    clock.now += 0.001
    with pytest.raises(ProviderUnauthorized):
        await auth.authenticate(yatra_key)


async def test_a_suspension_is_seen_once_the_ttl_has_passed(auth, directory, clock, yatra_key):
    await auth.authenticate(yatra_key)
    directory.suspend("prov-yatra")
    clock.now += TTL - 0.001
    await auth.authenticate(yatra_key)
    clock.now += 0.001
    with pytest.raises(ProviderSuspended):
        await auth.authenticate(yatra_key)


def sprayed(n: int) -> str:
    """A well-formed key whose id nobody holds."""
    return f"kyvs_{n:012x}_{'a' * 43}"


async def test_unknown_key_ids_sprayed_at_it_do_not_grow_the_cache_past_its_bound(
    auth, directory, yatra_key
):
    await auth.authenticate(yatra_key)
    for n in range(12_000):
        with pytest.raises(ProviderUnauthorized):
            await auth.authenticate(sprayed(n))
        # white-box: memory is what this test is about
        assert auth.cached_key_ids <= 1 + provider_auth.UNKNOWN_IDS_CACHED
    assert directory.lookups == 1 + 12_000


async def test_a_flood_of_unknown_key_ids_does_not_evict_a_known_key(
    auth, directory, clock, yatra_key
):
    await auth.authenticate(yatra_key)
    for n in range(12_000):  # more than any bound of the cache
        with pytest.raises(ProviderUnauthorized):
            await auth.authenticate(sprayed(n))
    clock.now += TTL / 2
    lookups = directory.lookups
    assert (await auth.authenticate(yatra_key)).provider_id == "prov-yatra"
    assert directory.lookups == lookups  # still cached: no lookup


async def test_an_unknown_key_id_asked_again_within_the_ttl_is_not_looked_up_again(
    auth, directory, clock
):
    for _ in range(3):
        with pytest.raises(ProviderUnauthorized):
            await auth.authenticate(sprayed(1))
    assert directory.lookups == 1
    clock.now += TTL
    with pytest.raises(ProviderUnauthorized):
        await auth.authenticate(sprayed(1))
    assert directory.lookups == 2


async def test_a_key_onboarded_after_its_id_was_refused_works_once_the_ttl_has_passed(
    auth, directory, clock
):
    issued = api_keys.issue(secrets.token_hex, secrets.token_urlsafe)
    with pytest.raises(ProviderUnauthorized):
        await auth.authenticate(issued.plaintext)
    provider = a_provider(provider_id="prov-late")
    directory.providers[provider.provider_id] = provider
    directory.keys[issued.key_id] = ApiKeyRecord(
        issued.key_id, provider.provider_id, issued.key_hash, CREATED, None
    )
    clock.now += TTL
    assert (await auth.authenticate(issued.plaintext)).provider_id == "prov-late"


async def test_known_keys_are_bounded_too_the_least_recently_used_going_first(directory, clock):
    auth = ProviderAuthenticator(directory, ttl_s=TTL, monotonic=clock, known_keys_cached=2)
    keys = [directory.onboard(a_provider(provider_id=f"prov-{n}")) for n in range(3)]
    for key in (keys[0], keys[1], keys[0], keys[2]):  # keys[1] is then the least recent
        await auth.authenticate(key)
    assert directory.lookups == 3
    await auth.authenticate(keys[0])
    assert directory.lookups == 3
    await auth.authenticate(keys[1])
    assert directory.lookups == 4
