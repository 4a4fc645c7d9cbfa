"""Providers, API keys and staff accounts in SQL: a sync store for the CLI, an async directory."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from kyvs.adapters.sql import rows
from kyvs.adapters.sql.tables import api_keys, providers, staff_accounts
from kyvs.adapters.sql.units import SqlUnits, first_row
from kyvs.domain.errors import InvalidInput
from kyvs.domain.providers import Provider, RateLimit
from kyvs.ports import ApiKeyRecord, StaffAccount


def _provider_row(provider: Provider) -> dict[str, Any]:
    return {
        "provider_id": provider.provider_id,
        "name": provider.name,
        "category": provider.category,
        "scopes": ",".join(sorted(provider.scopes)),
        "purposes": ",".join(sorted(provider.purposes)),
        "daily_quota": provider.daily_quota,
        "rate_limit_count": provider.rate_limit.count,
        "rate_limit_window_s": provider.rate_limit.window_s,
        "active": provider.active,
        "return_urls": json.dumps(list(provider.return_urls)),
        "embed_origins": json.dumps(list(provider.embed_origins)),
    }


def _to_provider(row: Mapping[Any, Any]) -> Provider:
    return Provider(
        provider_id=row["provider_id"],
        name=row["name"],
        category=row["category"],
        scopes=frozenset(row["scopes"].split(",")),
        purposes=frozenset(row["purposes"].split(",")),
        daily_quota=row["daily_quota"],
        rate_limit=RateLimit(row["rate_limit_count"], row["rate_limit_window_s"]),
        active=bool(row["active"]),
        return_urls=tuple(json.loads(row["return_urls"])),
        embed_origins=tuple(json.loads(row["embed_origins"])),
    )


def _to_key(row: Mapping[Any, Any], created_at: str = "created_at") -> ApiKeyRecord:
    revoked_at = row["revoked_at"]
    return ApiKeyRecord(
        key_id=row["key_id"],
        provider_id=row["provider_id"],
        key_hash=row["key_hash"],
        # SQLite hands back naive datetimes; every adapter answers with aware UTC ones.
        created_at=rows.as_utc(row[created_at]),
        revoked_at=rows.as_utc(revoked_at) if revoked_at is not None else None,
    )


def _to_staff(row: Mapping[Any, Any]) -> StaffAccount:
    return StaffAccount(
        username=row["username"],
        provider_id=row["provider_id"],
        password_hash=row["password_hash"],
        disabled=bool(row["disabled"]),
        session_version=row["session_version"],
    )


class SqlProviderStore:
    """The operator's view: onboarding, keys and staff (synchronous, for the CLI)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, provider: Provider, *, created_at: dt.datetime) -> None:
        """Store a new provider."""
        with self.engine.begin() as connection:
            connection.execute(
                insert(providers), {**_provider_row(provider), "created_at": created_at}
            )

    def get(self, provider_id: str) -> Provider | None:
        """A provider by id."""
        with self.engine.connect() as connection:
            row = (
                connection.execute(select(providers).where(providers.c.provider_id == provider_id))
                .mappings()
                .first()
            )
        return _to_provider(row) if row else None

    def all(self) -> list[Provider]:
        """Every provider, by name."""
        with self.engine.connect() as connection:
            found = connection.execute(select(providers).order_by(providers.c.name)).mappings()
            return [_to_provider(row) for row in found]

    def save(self, provider: Provider) -> None:
        """Store changes to an existing provider."""
        with self.engine.begin() as connection:
            connection.execute(
                update(providers)
                .where(providers.c.provider_id == provider.provider_id)
                .values(_provider_row(provider))
            )

    def add_key(self, key: ApiKeyRecord) -> None:
        """Store a new API key record."""
        with self.engine.begin() as connection:
            connection.execute(
                insert(api_keys),
                {
                    "key_id": key.key_id,
                    "provider_id": key.provider_id,
                    "key_hash": key.key_hash,
                    "created_at": key.created_at,
                    "revoked_at": key.revoked_at,
                },
            )

    def keys(self, provider_id: str) -> list[ApiKeyRecord]:
        """A provider's keys, newest first."""
        query = (
            select(api_keys)
            .where(api_keys.c.provider_id == provider_id)
            .order_by(api_keys.c.created_at.desc())
        )
        with self.engine.connect() as connection:
            return [_to_key(row) for row in connection.execute(query).mappings()]

    def revoke_key(self, key_id: str, *, at: dt.datetime) -> bool:
        """Revoke an active key."""
        with self.engine.begin() as connection:
            done = connection.execute(
                update(api_keys)
                .where(api_keys.c.key_id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=at)
            )
        return done.rowcount == 1

    def add_staff(self, account: StaffAccount, *, created_at: dt.datetime) -> None:
        """Store a new staff account."""
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    insert(staff_accounts),
                    {
                        "username": account.username,
                        "provider_id": account.provider_id,
                        "password_hash": account.password_hash,
                        "disabled": account.disabled,
                        "session_version": account.session_version,
                        "created_at": created_at,
                    },
                )
        except IntegrityError:
            raise InvalidInput(f"The username {account.username!r} is taken.") from None

    def staff(self, username: str) -> StaffAccount | None:
        """A staff account by username."""
        query = select(staff_accounts).where(staff_accounts.c.username == username)
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return _to_staff(row) if row else None

    def staff_accounts(self, provider_id: str | None = None) -> list[StaffAccount]:
        """Every staff account (or one provider's), by username."""
        query = select(staff_accounts).order_by(staff_accounts.c.username)
        if provider_id is not None:
            query = query.where(staff_accounts.c.provider_id == provider_id)
        with self.engine.connect() as connection:
            return [_to_staff(row) for row in connection.execute(query).mappings()]

    def change_staff(
        self, username: str, *, disabled: bool | None = None, password_hash: str | None = None
    ) -> StaffAccount | None:
        """Set what is given and raise the session version, in one transaction."""
        changes: dict[str, Any] = {"session_version": staff_accounts.c.session_version + 1}
        if disabled is not None:
            changes["disabled"] = disabled
        if password_hash is not None:
            changes["password_hash"] = password_hash
        mine = staff_accounts.c.username == username
        with self.engine.begin() as connection:
            connection.execute(update(staff_accounts).where(mine).values(changes))
            row = connection.execute(select(staff_accounts).where(mine)).mappings().first()
        return _to_staff(row) if row else None


class SqlProviderDirectory:
    """The web's asynchronous lookups of keys, providers and staff accounts."""

    def __init__(self, units: SqlUnits) -> None:
        self.units = units

    async def by_key_id(self, key_id: str) -> tuple[Provider, ApiKeyRecord] | None:
        """The provider and key record for a key id."""
        query = (
            select(
                providers,
                api_keys.c.key_id,
                api_keys.c.key_hash,
                api_keys.c.created_at.label("key_created_at"),
                api_keys.c.revoked_at,
            )
            .join(providers, providers.c.provider_id == api_keys.c.provider_id)
            .where(api_keys.c.key_id == key_id)
        )
        row = await first_row(self.units, query)
        if row is None:
            return None
        return _to_provider(row), _to_key(row, created_at="key_created_at")

    async def provider(self, provider_id: str) -> Provider | None:
        """A provider by id."""
        query = select(providers).where(providers.c.provider_id == provider_id)
        row = await first_row(self.units, query)
        return _to_provider(row) if row else None

    async def by_username(self, username: str) -> tuple[Provider, StaffAccount] | None:
        """A staff account and its provider, in one query (every console request asks)."""
        query = (
            select(
                providers,
                staff_accounts.c.username,
                staff_accounts.c.password_hash,
                staff_accounts.c.disabled,
                staff_accounts.c.session_version,
            )
            .join(providers, providers.c.provider_id == staff_accounts.c.provider_id)
            .where(staff_accounts.c.username == username)
        )
        row = await first_row(self.units, query)
        return (_to_provider(row), _to_staff(row)) if row else None
