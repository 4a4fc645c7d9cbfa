"""`/.well-known/jwks.json` publishes the key ring's public keys, cacheable for five minutes."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
from fastapi import FastAPI

from kyvs.adapters.clock import FixedClock
from kyvs.adapters.signing import KeyRing, MemorySigningKeyStore
from kyvs.web import jwks

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def get(app: FastAPI, path: str) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kyvs.test") as client:
            return await client.get(path)

    return asyncio.run(call())


def app_with(ring: KeyRing) -> FastAPI:
    app = FastAPI()
    app.include_router(jwks.router)
    app.state.key_ring = ring
    return app


def test_the_jwks_lists_the_published_keys_and_may_be_cached():
    store = MemorySigningKeyStore()
    ring = KeyRing(store, clock=FixedClock(NOW))
    old = ring.active_kid
    store.rotate(NOW)
    ring.refresh()
    answer = get(app_with(ring), "/.well-known/jwks.json")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "public, max-age=300"
    assert answer.json() == ring.jwks()
    assert [k["kid"] for k in answer.json()["keys"]] == [ring.active_kid, old]


def test_the_jwks_is_documented_with_an_example():
    document = get(
        app_with(KeyRing(MemorySigningKeyStore(), clock=FixedClock(NOW))), "/openapi.json"
    )
    operation = document.json()["paths"]["/.well-known/jwks.json"]["get"]
    example = operation["responses"]["200"]["content"]["application/json"]["example"]
    assert example["keys"][0]["kid"] == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
