"""Every signing-key store keeps the same promises; the SQL one keeps private keys encrypted."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import func, select

from kyvs.adapters.clock import FixedClock
from kyvs.adapters.jws import public_jwk, thumbprint
from kyvs.adapters.secret_keys import SecretKeys
from kyvs.adapters.signing import (
    KeyRing,
    MemorySigningKeyStore,
    SigningKeyStore,
    SigningKeyUnavailable,
    verify,
)
from kyvs.adapters.sql import migrate
from kyvs.adapters.sql.engine import make_engine
from kyvs.adapters.sql.signing_keys import SqlSigningKeyStore
from kyvs.adapters.sql.tables import signing_keys
from kyvs.domain.attestations import attestation_claims

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
LIFETIME = dt.timedelta(days=30)
SECRET = "a-test-secret-that-is-long-enough"


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request) -> SigningKeyStore:
    if request.param == "memory":
        return MemorySigningKeyStore()
    engine = make_engine(request.getfixturevalue(f"{request.param}_url"))
    migrate.upgrade(engine)
    request.addfinalizer(engine.dispose)
    return SqlSigningKeyStore(engine, secret_key=SECRET)


def test_an_empty_store_has_no_active_key(store):
    assert store.active_key() is None
    assert store.all_keys() == []
    assert store.published_keys(NOW, LIFETIME) == []


def test_ensuring_an_active_key_creates_it_once(store):
    first = store.ensure_active_key(NOW)
    again = store.ensure_active_key(NOW + dt.timedelta(hours=1))
    assert again == first
    assert store.all_keys() == [first]
    assert first.created_at == NOW
    assert first.retired_at is None


def test_a_key_is_named_by_its_thumbprint_and_its_private_half_matches(store):
    key = store.ensure_active_key(NOW)
    assert key.kid == thumbprint(key.jwk)
    assert public_jwk(store.private_key(key.kid).public_key()) == key.jwk


def test_rotation_retires_the_active_key_and_keeps_it_published(store):
    old = store.ensure_active_key(NOW)
    later = NOW + dt.timedelta(days=2)
    new = store.rotate(later)
    assert store.active_key() == new
    retired = next(k for k in store.all_keys() if k.kid == old.kid)
    assert retired.retired_at == later
    before_expiry = later + LIFETIME - dt.timedelta(seconds=1)
    assert {k.kid for k in store.published_keys(before_expiry, LIFETIME)} == {old.kid, new.kid}
    assert [k.kid for k in store.published_keys(later + LIFETIME, LIFETIME)] == [new.kid]


def test_rotating_an_empty_store_creates_the_first_key(store):
    first = store.rotate(NOW)
    assert store.ensure_active_key(NOW) == first


def test_an_unknown_kid_has_no_private_key(store):
    with pytest.raises(SigningKeyUnavailable):
        store.private_key("no-such-kid")


def test_a_key_ring_over_the_store_signs_what_its_jwks_verifies(store):
    clock = FixedClock(NOW)
    ring = KeyRing(store, clock=clock, attestation_lifetime=LIFETIME)
    claims = attestation_claims(
        txn_id="txn-1",
        provider_id="provider-1",
        disclosed={"vaccination_status": 2},
        issued_at=NOW,
        lifetime=LIFETIME,
        issuer="https://kyvs.example",
    )
    token = ring.sign(claims)
    store.rotate(NOW + dt.timedelta(hours=1))  # as the CLI would, from another process
    ring.refresh()
    assert verify(token, ring.jwks(), now=NOW + dt.timedelta(hours=1)) == claims
    assert ring.active_kid == store.active_key().kid  # type: ignore[union-attr]


# SQL only: encryption at rest, and creation racing between processes.


@pytest.fixture
def sql_store(engine) -> SqlSigningKeyStore:
    return SqlSigningKeyStore(engine, secret_key=SECRET)


def stored_private_key(engine, kid: str) -> str:
    with engine.connect() as connection:
        return connection.execute(
            select(signing_keys.c.private_key).where(signing_keys.c.kid == kid)
        ).scalar_one()


def test_the_private_key_is_stored_encrypted(engine, sql_store):
    key = sql_store.ensure_active_key(NOW)
    pem = stored_private_key(engine, key.kid)
    assert pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert "PRIVATE KEY-----\nMC4" not in pem  # the clear PKCS#8 form of an Ed25519 key
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(pem.encode(), password=None)
    loaded = serialization.load_pem_private_key(pem.encode(), password=SECRET.encode())
    assert public_jwk(loaded.public_key()) == key.jwk  # type: ignore[arg-type]


def test_another_secret_cannot_read_the_private_key(engine, sql_store):
    key = sql_store.ensure_active_key(NOW)
    other = SqlSigningKeyStore(engine, secret_key="some-other-secret")
    with pytest.raises(SigningKeyUnavailable, match="KYVS_SECRET_KEY"):
        other.private_key(key.kid)
    assert other.active_key() == key  # public halves need no secret


def test_concurrent_first_callers_all_get_the_same_key(database_url, engine):
    engines = [make_engine(database_url) for _ in range(4)]
    stores = [SqlSigningKeyStore(e, secret_key=SECRET) for e in engines]
    try:
        with ThreadPoolExecutor(max_workers=len(stores)) as pool:
            kids = set(pool.map(lambda s: s.ensure_active_key(NOW).kid, stores))
    finally:
        for created in engines:
            created.dispose()
    with engine.connect() as connection:
        rows = connection.execute(select(func.count()).select_from(signing_keys)).scalar_one()
    assert len(kids) == 1
    assert rows == 1


def test_revoking_a_retired_key_unpublishes_it_at_once(store):
    old = store.ensure_active_key(NOW)
    new = store.rotate(NOW + dt.timedelta(hours=1))
    assert store.revoke(old.kid, NOW + dt.timedelta(hours=2)) == new
    assert [k.kid for k in store.published_keys(NOW + dt.timedelta(hours=2), LIFETIME)] == [new.kid]
    revoked = next(k for k in store.all_keys() if k.kid == old.kid)
    assert revoked.revoked_at == NOW + dt.timedelta(hours=2)
    assert revoked.retired_at == NOW + dt.timedelta(hours=1)  # kept as it was


def test_revoking_the_active_key_makes_a_new_one_in_the_same_step(store):
    old = store.ensure_active_key(NOW)
    new = store.revoke(old.kid, NOW)
    assert new is not None and new.kid != old.kid
    assert store.active_key() == new
    assert [k.kid for k in store.published_keys(NOW, LIFETIME)] == [new.kid]
    assert store.ensure_active_key(NOW) == new  # no second key appears


def test_revoking_an_unknown_kid_changes_nothing(store):
    key = store.ensure_active_key(NOW)
    assert store.revoke("no-such-kid", NOW) is None
    assert store.all_keys() == [key]


def test_a_key_ring_stops_publishing_a_revoked_key_on_its_next_refresh(store):
    ring = KeyRing(store, clock=FixedClock(NOW), attestation_lifetime=LIFETIME)
    old = ring.active_kid
    store.revoke(old, NOW)
    ring.refresh()
    assert ring.active_kid != old
    assert [k["kid"] for k in ring.jwks()["keys"]] == [ring.active_kid]


def test_a_key_stored_under_the_master_secret_is_read_and_re_encrypted(engine):
    master = SECRET.encode()
    before = SqlSigningKeyStore(engine, secret_key=SECRET).ensure_active_key(NOW)
    sub_key = SecretKeys.of(master).key_encryption
    upgraded = SqlSigningKeyStore(engine, secret_key=sub_key, legacy_secret_keys=(master,))
    private = upgraded.private_key(before.kid)
    assert public_jwk(private.public_key()) == before.jwk
    pem = stored_private_key(engine, before.kid).encode()
    serialization.load_pem_private_key(pem, password=sub_key)  # re-encrypted under the sub-key
    with pytest.raises(ValueError):
        serialization.load_pem_private_key(pem, password=master)
    only_new = SqlSigningKeyStore(engine, secret_key=sub_key)
    assert public_jwk(only_new.private_key(before.kid).public_key()) == before.jwk
