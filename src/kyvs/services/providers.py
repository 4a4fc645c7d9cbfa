"""Provider onboarding: create, suspend, keys (issue, list, revoke, rotate) and staff logins
(add, list, disable, enable, reset the password)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import replace
from urllib.parse import urlsplit

from kyvs.domain import api_keys
from kyvs.domain.access import AccessCatalogue
from kyvs.domain.errors import InvalidInput
from kyvs.domain.providers import Provider, ProviderNotFound, RateLimit, check_provider_name
from kyvs.ports import ApiKeyRecord, ProviderStore, StaffAccount

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,59}$")
MIN_PASSWORD = 10
GENERATED_PASSWORD_BYTES = 18  # 24 URL-safe characters, 144 random bits


def create_provider(
    *,
    store: ProviderStore,
    access: AccessCatalogue,
    name: str,
    category: str,
    scopes: Iterable[str],
    purposes: Iterable[str],
    daily_quota: int = 10_000,
    rate_limit: str = "100/5min",
    return_urls: Iterable[str] = (),
    embed_origins: Iterable[str] = (),
    now: dt.datetime,
) -> tuple[Provider, str]:
    """Onboard a provider; returns it with its first API key (the only time it is shown)."""
    if daily_quota < 1:
        raise InvalidInput("The daily quota is at least 1.")
    provider = Provider(
        provider_id=f"prv_{secrets.token_hex(8)}",
        name=check_provider_name(name),
        category=access.check_category(category),
        scopes=access.check_scopes(scopes),
        purposes=access.check_purposes(purposes),
        daily_quota=daily_quota,
        rate_limit=RateLimit.parse(rate_limit),
        return_urls=tuple(check_return_url(u) for u in return_urls),
        embed_origins=tuple(check_origin(o) for o in embed_origins),
    )
    store.add(provider, created_at=now)
    return provider, issue_key(store=store, provider_id=provider.provider_id, now=now)


def get_provider(store: ProviderStore, provider_id: str) -> Provider:
    """The provider with this id, or `ProviderNotFound`."""
    provider = store.get(provider_id.strip())
    if provider is None:
        raise ProviderNotFound(f"No provider has id {provider_id!r}.")
    return provider


def set_active(*, store: ProviderStore, provider_id: str, active: bool) -> Provider:
    """Suspend (active=False) or resume a provider; a suspended provider's keys stop working."""
    provider = replace(get_provider(store, provider_id), active=active)
    store.save(provider)
    return provider


def issue_key(
    *, store: ProviderStore, provider_id: str, now: dt.datetime, fixed: str | None = None
) -> str:
    """A new API key for the provider; `fixed` lets demo mode use a key derived from its secret."""
    get_provider(store, provider_id)
    if fixed is not None:
        key_id = api_keys.key_id_of(fixed)
        if key_id is None:
            raise InvalidInput("Not a well-formed API key.")
        issued = api_keys.IssuedKey(key_id, fixed, api_keys.hash_key(fixed))
    else:
        issued = api_keys.issue(secrets.token_hex, secrets.token_urlsafe)
    store.add_key(ApiKeyRecord(issued.key_id, provider_id, issued.key_hash, now, None))
    return issued.plaintext


def revoke_key(*, store: ProviderStore, key_id: str, now: dt.datetime) -> None:
    """Revoke an API key at once (by its id, the part after `kyvs_`)."""
    if not store.revoke_key(key_id.strip(), at=now):
        raise InvalidInput(f"No active API key has id {key_id!r}.")


def rotate_key(*, store: ProviderStore, provider_id: str, now: dt.datetime) -> str:
    """Issue a new key and revoke every other active key of the provider."""
    previous = [k for k in store.keys(provider_id) if k.revoked_at is None]
    fresh = issue_key(store=store, provider_id=provider_id, now=now)
    for key in previous:
        store.revoke_key(key.key_id, at=now)
    return fresh


def add_staff(
    *,
    store: ProviderStore,
    provider_id: str,
    username: str,
    password: str,
    hash_password: Callable[[str], str],
    now: dt.datetime,
) -> StaffAccount:
    """Create a console login for the provider's staff (argon2id-hashed password)."""
    get_provider(store, provider_id)
    login = _login_name(username)
    if not _USERNAME.match(login):
        raise InvalidInput("A username has 3 to 60 letters, digits, dots, dashes or underscores.")
    account = StaffAccount(login, provider_id, hash_password(_check_password(password)), False)
    store.add_staff(account, created_at=now)
    return account


def list_staff(*, store: ProviderStore, provider_id: str | None = None) -> list[StaffAccount]:
    """Every staff login by username, or one provider's (`ProviderNotFound` if there is none)."""
    if provider_id is None:
        return store.staff_accounts()
    return store.staff_accounts(get_provider(store, provider_id).provider_id)


def set_staff_disabled(*, store: ProviderStore, username: str, disabled: bool) -> StaffAccount:
    """Disable (or enable again) a staff login; either way its console sessions end at once."""
    return _changed(store.change_staff(_login_name(username), disabled=disabled), username)


def reset_staff_password(
    *,
    store: ProviderStore,
    username: str,
    hash_password: Callable[[str], str],
    password: str | None = None,
) -> tuple[StaffAccount, str]:
    """Give a staff login a new password (a random one unless `password` is given), ending its
    console sessions at once; returns the account and the password, to be shown only once."""
    chosen = _check_password(password) if password is not None else _random_password()
    changed = store.change_staff(_login_name(username), password_hash=hash_password(chosen))
    return _changed(changed, username), chosen


def _login_name(typed: str) -> str:
    return typed.strip().lower()


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"A staff password has at least {MIN_PASSWORD} characters.")
    return password


def _random_password() -> str:
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)


def _changed(account: StaffAccount | None, username: str) -> StaffAccount:
    if account is None:
        raise InvalidInput(f"No staff login has username {_login_name(username)!r}.")
    return account


def check_return_url(url: str) -> str:
    """An absolute https URL (http only on localhost), without a fragment."""
    parts = urlsplit(url.strip())
    local = parts.hostname in {"localhost", "127.0.0.1", "::1"}
    if parts.scheme not in {"https", "http"} or (parts.scheme == "http" and not local):
        raise InvalidInput(f"{url!r}: a return URL uses https (http only for localhost).")
    if not parts.netloc or parts.fragment:
        raise InvalidInput(f"{url!r}: a return URL is absolute and has no #fragment.")
    return url.strip()


def check_origin(origin: str) -> str:
    """A web origin: scheme://host[:port] with nothing after it."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in {"https", "http"} or not parts.netloc or parts.path not in {"", "/"}:
        raise InvalidInput(f"{origin!r}: an origin looks like https://shop.example.com.")
    return f"{parts.scheme}://{parts.netloc}"
