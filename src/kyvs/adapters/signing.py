"""Attestation signing keys: their records, the store protocol, an in-memory store, the key ring.

A `KeyRing` reads its keys from a `SigningKeyStore` once and keeps them in memory, so signing on
the request path never touches the database nor decrypts anything; `keep_refreshed` re-reads
them in the background so a rotation made by the CLI reaches a long-running server. The JWS
itself lives in `kyvs.adapters.jws`; the SQL store in `kyvs.adapters.sql.signing_keys`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kyvs.adapters.jws import AttestationInvalid, public_jwk, sign_jws, thumbprint, verify
from kyvs.domain.attestations import ATTESTATION_LIFETIME
from kyvs.domain.signing_keys import ATTESTATION, Jwks, KeyRecord, TokenKind, active_of, jwks_of
from kyvs.ports import Clock, SigningKeyStore

__all__ = [
    "AttestationInvalid",
    "KeyGenerator",
    "KeyQueries",
    "KeyRecord",
    "KeyRing",
    "MemorySigningKeyStore",
    "SigningKeyStore",
    "SigningKeyUnavailable",
    "active_of",
    "jwks_of",
    "keep_refreshed",
    "new_key",
    "verify",
]

log = logging.getLogger("kyvs.signing")

KeyGenerator = Callable[[], Ed25519PrivateKey]


class SigningKeyUnavailable(RuntimeError):
    """A private signing key cannot be read: unknown, or KYVS_SECRET_KEY has changed."""


def new_key(generate: KeyGenerator, *, now: datetime) -> tuple[Ed25519PrivateKey, KeyRecord]:
    """A fresh Ed25519 key and its record, whose `kid` is the RFC 7638 thumbprint."""
    private = generate()
    jwk = public_jwk(private.public_key())
    return private, KeyRecord(kid=thumbprint(jwk), jwk=jwk, created_at=now)


class KeyQueries:
    """`active_key` and `published_keys` for any store that lists its `all_keys()`."""

    def all_keys(self) -> list[KeyRecord]:
        """Every key, oldest first."""
        raise NotImplementedError

    def active_key(self) -> KeyRecord | None:
        """The key that signs now, or None before the first key exists."""
        return active_of(self.all_keys())

    def published_keys(self, now: datetime, attestation_lifetime: timedelta) -> list[KeyRecord]:
        """The active key and the retired keys whose attestations may still be unexpired."""
        return [k for k in self.all_keys() if k.published(now, attestation_lifetime)]


class MemorySigningKeyStore(KeyQueries):
    """A `SigningKeyStore` in dictionaries (tests, one process); `generate` makes new keys."""

    def __init__(self, generate: KeyGenerator = Ed25519PrivateKey.generate) -> None:
        self._generate = generate
        self._records: dict[str, KeyRecord] = {}
        self._private: dict[str, Ed25519PrivateKey] = {}
        self._lock = threading.Lock()

    def all_keys(self) -> list[KeyRecord]:
        """Every key, oldest first."""
        with self._lock:
            return sorted(self._records.values(), key=lambda r: (r.created_at, r.kid))

    def ensure_active_key(self, now: datetime) -> KeyRecord:
        """The active key, created first if there is none."""
        with self._lock:
            return active_of(self._records.values()) or self._add(now)

    def rotate(self, now: datetime) -> KeyRecord:
        """Create a new active key and retire the others at `now`."""
        with self._lock:
            for record in list(self._records.values()):
                if record.retired_at is None:
                    self._records[record.kid] = replace(record, retired_at=now)
            return self._add(now)

    def revoke(self, kid: str, now: datetime) -> KeyRecord | None:
        """Revoke `kid` (a new active key first if it was the active one); None if unknown."""
        with self._lock:
            record = self._records.get(kid)
            if record is None:
                return None
            made = self._add(now) if active_of([record]) is not None else None
            self._records[kid] = replace(
                record, retired_at=record.retired_at or now, revoked_at=record.revoked_at or now
            )
            return made or active_of(self._records.values())

    def private_key(self, kid: str) -> Ed25519PrivateKey:
        """The private key of `kid`, or `SigningKeyUnavailable`."""
        try:
            return self._private[kid]
        except KeyError:
            raise SigningKeyUnavailable(f"no signing key {kid}") from None

    def _add(self, now: datetime) -> KeyRecord:
        private, record = new_key(self._generate, now=now)
        self._records[record.kid] = record
        self._private[record.kid] = private
        return record


@dataclass(frozen=True, slots=True)
class _Loaded:
    records: tuple[KeyRecord, ...]
    active: KeyRecord
    private_key: Ed25519PrivateKey
    monotonic: float


class KeyRing:
    """The keys one process signs with and publishes. Built from the store (creating the first
    key if there is none); afterwards `sign` and `jwks` work from memory only."""

    def __init__(
        self,
        store: SigningKeyStore,
        *,
        clock: Clock,
        attestation_lifetime: timedelta = ATTESTATION_LIFETIME,
    ) -> None:
        self._store = store
        self._clock = clock
        self._lifetime = attestation_lifetime
        self._loaded = self._load(previous=None)

    def _load(self, previous: _Loaded | None) -> _Loaded:
        ensured = self._store.ensure_active_key(self._clock.now())
        records = tuple(self._store.all_keys())
        active = active_of(records) or ensured
        if previous is not None and previous.active.kid == active.kid:
            private = previous.private_key  # decrypt only a key we have not seen
        else:
            private = self._store.private_key(active.kid)
        return _Loaded(records, active, private, time.monotonic())

    def refresh(self) -> None:
        """Re-read the keys from the store now (two queries; decrypts only a new active key)."""
        self._loaded = self._load(previous=self._loaded)

    def refresh_if_older_than(self, seconds: float) -> bool:
        """Refresh when the keys were read more than `seconds` ago; True when it did."""
        if time.monotonic() - self._loaded.monotonic <= seconds:
            return False
        self.refresh()
        return True

    @property
    def active_kid(self) -> str:
        """The `kid` that `sign` puts in its header."""
        return self._loaded.active.kid

    def sign(self, claims: Mapping[str, Any], *, kind: TokenKind = ATTESTATION) -> str:
        """A compact JWS of `claims` (JSON-ready values) under the active key, with `kind`'s
        `typ` in the header (verifiers check it and `iss` against the kind they expect); no I/O."""
        loaded = self._loaded
        return sign_jws(claims, loaded.private_key, loaded.active.kid, typ=kind.typ)

    def jwks(self) -> Jwks:
        """The public JWK Set: the active key and retired keys still in use; no I/O."""
        return jwks_of(self._loaded.records, now=self._clock.now(), lifetime=self._lifetime)


async def keep_refreshed(ring: KeyRing, *, every: float = 30.0) -> None:
    """Until cancelled, re-read `ring`'s keys in a worker thread every `every` seconds; a failed
    refresh is logged and the keys already loaded keep signing."""
    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.to_thread(ring.refresh_if_older_than, every / 2)
        except Exception as error:  # a database blip must not stop signing
            log.warning("signing keys not refreshed (%s)", type(error).__name__)
