"""Signing keys in the `signing_keys` table, the private half encrypted under a sub-key of
KYVS_SECRET_KEY (`kyvs/key-encryption`). Keys stored before sub-keys existed were encrypted under
the master secret itself: they are still read, and re-encrypted under the sub-key on first read."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, exists, insert, literal, select, text, update
from sqlalchemy.exc import IntegrityError

from kyvs.adapters.jws import ALGORITHM
from kyvs.adapters.signing import (
    KeyGenerator,
    KeyQueries,
    KeyRecord,
    SigningKeyUnavailable,
    new_key,
)
from kyvs.adapters.sql.engine import is_postgresql
from kyvs.adapters.sql.tables import signing_keys as table


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything this store writes is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _record(row: Any) -> KeyRecord:
    retired, revoked = row.retired_at, row.revoked_at
    return KeyRecord(
        kid=row.kid,
        jwk=json.loads(row.public_jwk),
        created_at=_utc(row.created_at),
        retired_at=None if retired is None else _utc(retired),
        revoked_at=None if revoked is None else _utc(revoked),
    )


class SqlSigningKeyStore(KeyQueries):
    """A `SigningKeyStore` on SQLite or PostgreSQL (sync). Private keys are kept as PKCS#8 PEM
    encrypted with `secret_key` (cryptography's best available scheme), never in clear; a key
    that only one of `legacy_secret_keys` opens is re-encrypted under `secret_key` when read."""

    def __init__(
        self,
        engine: Engine,
        *,
        secret_key: str | bytes,
        legacy_secret_keys: tuple[bytes, ...] = (),
        generate: KeyGenerator = Ed25519PrivateKey.generate,
    ) -> None:
        if not secret_key:
            raise ValueError("a secret key is needed to encrypt signing keys")
        self._engine = engine
        self._password = secret_key.encode("utf-8") if isinstance(secret_key, str) else secret_key
        self._legacy = tuple(k for k in legacy_secret_keys if k and k != self._password)
        self._generate = generate

    def all_keys(self) -> list[KeyRecord]:
        """Every key, oldest first."""
        query = select(
            table.c.kid,
            table.c.public_jwk,
            table.c.created_at,
            table.c.retired_at,
            table.c.revoked_at,
        ).order_by(table.c.created_at, table.c.kid)
        with self._engine.connect() as connection:
            return [_record(row) for row in connection.execute(query)]

    def ensure_active_key(self, now: datetime) -> KeyRecord:
        """The active key, created first if there is none. Concurrent callers (threads or
        processes) all get the one key that was stored first."""
        found = self.active_key()
        if found is not None:
            return found
        _, row = self._new_row(now)
        # One conditional INSERT (no read before the write, so SQLite's busy timeout applies);
        # PostgreSQL serialises it with a table lock so two empty tables cannot both insert.
        guarded = select(*(literal(value, table.c[name].type) for name, value in row.items()))
        live = table.c.retired_at.is_(None) & table.c.revoked_at.is_(None)
        guarded = guarded.where(~exists().where(live))
        try:
            with self._engine.begin() as connection:
                self._serialise(connection)
                connection.execute(insert(table).from_select(list(row), guarded))
        except IntegrityError:
            pass  # the same kid was stored by another caller first: that key is the active one
        active = self.active_key()
        if active is None:  # pragma: no cover - only if the key was deleted meanwhile
            raise SigningKeyUnavailable("no active signing key after creating one")
        return active

    def rotate(self, now: datetime) -> KeyRecord:
        """Create a new active key and retire every other unretired key at `now`."""
        record, row = self._new_row(now)
        with self._engine.begin() as connection:
            self._serialise(connection)
            connection.execute(
                update(table).where(table.c.retired_at.is_(None)).values(retired_at=_utc(now))
            )
            connection.execute(insert(table).values(**row))
        return record

    def revoke(self, kid: str, now: datetime) -> KeyRecord | None:
        """Revoke `kid` at `now` (unpublished at once); when it was the active key a new active
        key is made in the same transaction. The new active key, or None if `kid` is unknown."""
        with self._engine.begin() as connection:
            self._serialise(connection)
            row = connection.execute(
                select(table.c.retired_at, table.c.revoked_at).where(table.c.kid == kid)
            ).one_or_none()
            if row is None:
                return None
            record: KeyRecord | None = None
            if row.retired_at is None and row.revoked_at is None:
                record, new = self._new_row(now)
                connection.execute(insert(table).values(**new))
            connection.execute(
                update(table)
                .where(table.c.kid == kid)
                .values(
                    revoked_at=row.revoked_at or _utc(now),
                    retired_at=row.retired_at or _utc(now),
                )
            )
        return record or self.active_key()

    def private_key(self, kid: str) -> Ed25519PrivateKey:
        """The decrypted private key of `kid`, or `SigningKeyUnavailable`."""
        with self._engine.connect() as connection:
            pem = connection.execute(
                select(table.c.private_key).where(table.c.kid == kid)
            ).scalar_one_or_none()
        if pem is None:
            raise SigningKeyUnavailable(f"no signing key {kid}")
        key = self._decrypt(pem)
        if key is None:
            key = self._decrypt_legacy(kid, pem)
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyUnavailable(f"signing key {kid} is not an Ed25519 key")
        return key

    def _decrypt(self, pem: str, password: bytes | None = None) -> object | None:
        try:
            return serialization.load_pem_private_key(
                pem.encode("ascii"), password=password or self._password
            )
        except (ValueError, TypeError):
            return None

    def _decrypt_legacy(self, kid: str, pem: str) -> object:
        for password in self._legacy:
            key = self._decrypt(pem, password)
            if isinstance(key, Ed25519PrivateKey):
                self._reencrypt(kid, key)
                return key
        raise SigningKeyUnavailable(
            f"signing key {kid} cannot be decrypted: was KYVS_SECRET_KEY changed?"
        )

    def _reencrypt(self, kid: str, key: Ed25519PrivateKey) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                update(table).where(table.c.kid == kid).values(private_key=self._encrypt(key))
            )

    def _encrypt(self, key: Ed25519PrivateKey) -> str:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._password),
        ).decode("ascii")

    def _new_row(self, now: datetime) -> tuple[KeyRecord, dict[str, Any]]:
        private, record = new_key(self._generate, now=_utc(now))
        return record, {
            "kid": record.kid,
            "algorithm": ALGORITHM,
            "private_key": self._encrypt(private),
            "public_jwk": json.dumps(dict(record.jwk), separators=(",", ":")),
            "created_at": record.created_at,
        }

    @staticmethod
    def _serialise(connection: Connection) -> None:
        # SQLite already has one writer at a time; PostgreSQL needs a lock that conflicts with
        # itself (not with readers) so key creation and rotation run one after another.
        if is_postgresql(connection.engine):
            connection.execute(text("LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE"))
