"""Provider onboarding on real databases (SQLite and PostgreSQL): the operator's use cases over
`SqlProviderStore`, and the web's `SqlProviderDirectory` reading what they wrote."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import MetaData, select

from kyvs.adapters.passwords import hash_password, password_matches
from kyvs.adapters.sql.providers import SqlProviderDirectory, SqlProviderStore
from kyvs.adapters.sql.units import make_units
from kyvs.domain import api_keys
from kyvs.domain.errors import InvalidInput
from kyvs.domain.providers import Provider, ProviderNotFound, RateLimit
from kyvs.ports import ApiKeyRecord
from kyvs.rules import load_access_catalogue
from kyvs.services import providers as onboarding

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
ACCESS = load_access_catalogue()


@pytest.fixture
def store(engine) -> SqlProviderStore:
    return SqlProviderStore(engine)


def create(store: SqlProviderStore, **overrides: Any) -> tuple[Provider, str]:
    given: dict[str, Any] = {
        "name": "Yatra Travels",
        "category": "travel",
        "scopes": ["vaccinations"],
        "purposes": ["travel"],
    }
    return onboarding.create_provider(store=store, access=ACCESS, now=NOW, **{**given, **overrides})


def later(minutes: int) -> dt.datetime:
    return NOW + dt.timedelta(minutes=minutes)


# --- creating a provider ---------------------------------------------------------------------


def test_a_new_provider_is_stored_with_the_status_scope_and_its_first_key(store):
    provider, key = create(
        store,
        name="  Yatra   Travels ",
        category="Travel",
        scopes=["Vaccinations", " demographics "],
        purposes=["travel", "employment"],
        daily_quota=500,
        rate_limit="50/min",
    )
    assert provider.provider_id.startswith("prv_")
    assert provider.name == "Yatra Travels"
    assert provider.category == "travel"
    assert provider.scopes == {"status", "vaccinations", "demographics"}
    assert provider.purposes == {"travel", "employment"}
    assert (provider.daily_quota, provider.rate_limit) == (500, RateLimit(50, 60))
    assert provider.active
    assert store.get(provider.provider_id) == provider
    key_id = api_keys.key_id_of(key)
    assert key_id is not None
    assert [k.key_id for k in store.keys(provider.provider_id)] == [key_id]


def test_with_no_scope_given_a_provider_still_sees_status(store):
    provider, _ = create(store, scopes=[])
    assert provider.scopes == {"status"}


@pytest.mark.parametrize(
    ("field", "value", "known"),
    [
        ("scopes", ["status", "address"], ACCESS.scopes),
        ("purposes", ["travel", "dating"], ACCESS.purposes),
        ("category", "casino", ACCESS.categories),
    ],
)
def test_an_unknown_code_is_refused_naming_the_known_ones(store, field, value, known):
    with pytest.raises(InvalidInput) as refused:
        create(store, **{field: value})
    unknown = value if isinstance(value, str) else value[1]
    assert f"Unknown {field.rstrip('s')} {unknown}" in refused.value.detail
    assert f"known: {', '.join(sorted(known))}." in refused.value.detail
    assert store.all() == []


@pytest.mark.parametrize(
    "overrides",
    [{"purposes": []}, {"daily_quota": 0}, {"rate_limit": "lots"}, {"name": "Y"}],
    ids=["no-purpose", "zero-quota", "bad-rate", "short-name"],
)
def test_other_invalid_onboarding_is_refused_and_stores_nothing(store, overrides):
    with pytest.raises(InvalidInput):
        create(store, **overrides)
    assert store.all() == []


def test_providers_are_listed_by_name(store):
    for name in ("Zephyr Hotels", "Acme Employer", "Metro Rail"):
        create(store, name=name)
    assert [p.name for p in store.all()] == ["Acme Employer", "Metro Rail", "Zephyr Hotels"]


def dump(engine) -> str:
    """Every row of every table (the migration's bookkeeping included), as one text."""
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return "\n".join(
            repr(tuple(row))
            for table in metadata.sorted_tables
            for row in connection.execute(select(table))
        )


def test_the_plaintext_api_key_is_stored_nowhere(engine, store):
    provider, first = create(store)
    second = onboarding.issue_key(store=store, provider_id=provider.provider_id, now=later(1))
    third = onboarding.rotate_key(store=store, provider_id=provider.provider_id, now=later(2))
    everything = dump(engine)
    assert provider.provider_id in everything  # the dump does see the data
    for key in (first, second, third):
        # The secret may itself hold "_" (URL-safe base64): cut the known prefix, not at "_".
        secret = key.removeprefix(f"kyvs_{api_keys.key_id_of(key)}_")
        assert len(secret) >= 20
        assert api_keys.hash_key(key) in everything
        assert key not in everything
        assert secret not in everything


# --- API keys ----------------------------------------------------------------------------------


def test_issued_keys_are_listed_newest_first_with_aware_utc_times(store):
    provider, first = create(store)
    second = onboarding.issue_key(store=store, provider_id=provider.provider_id, now=later(5))
    assert store.keys(provider.provider_id) == [
        ApiKeyRecord(
            api_keys.key_id_of(k) or "", provider.provider_id, api_keys.hash_key(k), t, None
        )
        for k, t in ((second, later(5)), (first, NOW))
    ]


def test_a_key_for_an_unknown_provider_is_refused(store):
    with pytest.raises(ProviderNotFound):
        onboarding.issue_key(store=store, provider_id="prv_0000000000000000", now=NOW)


def test_a_revoked_key_stays_listed_with_its_revocation_time(store):
    provider, key = create(store)
    key_id = api_keys.key_id_of(key) or ""
    onboarding.revoke_key(store=store, key_id=f" {key_id} ", now=later(3))
    [record] = store.keys(provider.provider_id)
    assert record.revoked_at == later(3)


def test_a_key_cannot_be_revoked_twice_nor_an_unknown_one(store):
    _, key = create(store)
    key_id = api_keys.key_id_of(key) or ""
    onboarding.revoke_key(store=store, key_id=key_id, now=later(1))
    with pytest.raises(InvalidInput, match="No active API key"):
        onboarding.revoke_key(store=store, key_id=key_id, now=later(2))
    with pytest.raises(InvalidInput, match="No active API key"):
        onboarding.revoke_key(store=store, key_id="0123456789ab", now=later(2))
    assert [k.revoked_at for k in store.keys(store.all()[0].provider_id)] == [later(1)]


def test_rotating_revokes_every_other_key_of_that_provider_only(store):
    provider, first = create(store)
    second = onboarding.issue_key(store=store, provider_id=provider.provider_id, now=later(1))
    other, other_key = create(store, name="Hotel Sagar")
    fresh = onboarding.rotate_key(store=store, provider_id=provider.provider_id, now=later(2))

    revoked = {k.key_id: k.revoked_at for k in store.keys(provider.provider_id)}
    assert revoked == {
        api_keys.key_id_of(fresh): None,
        api_keys.key_id_of(second): later(2),
        api_keys.key_id_of(first): later(2),
    }
    assert [k.revoked_at for k in store.keys(other.provider_id)] == [None]
    assert fresh not in {first, second, other_key}


# --- suspension --------------------------------------------------------------------------------


def test_a_provider_is_suspended_and_resumed(store):
    provider, _ = create(store)
    suspended = onboarding.set_active(
        store=store, provider_id=f" {provider.provider_id} ", active=False
    )
    assert not suspended.active
    assert store.get(provider.provider_id) == suspended
    onboarding.set_active(store=store, provider_id=provider.provider_id, active=True)
    assert store.get(provider.provider_id) == provider


def test_suspending_an_unknown_provider_says_so(store):
    with pytest.raises(ProviderNotFound, match="prv_0000000000000000"):
        onboarding.set_active(store=store, provider_id="prv_0000000000000000", active=False)


# --- staff accounts ----------------------------------------------------------------------------


def add_staff(store: SqlProviderStore, provider_id: str, username: str, password: str):
    return onboarding.add_staff(
        store=store,
        provider_id=provider_id,
        username=username,
        password=password,
        hash_password=hash_password,
        now=NOW,
    )


def test_a_staff_password_is_stored_as_an_argon2id_hash(store):
    provider, _ = create(store)
    account = add_staff(store, provider.provider_id, "  Desk.One ", "correct horse battery")
    stored = store.staff("desk.one")
    assert stored == account
    assert (stored.username, stored.provider_id, stored.disabled) == (
        "desk.one",
        provider.provider_id,
        False,
    )
    assert stored.password_hash.startswith("$argon2id$")
    assert "correct horse battery" not in stored.password_hash
    assert password_matches("correct horse battery", stored.password_hash)
    assert not password_matches("correct horse batterY", stored.password_hash)


def test_a_taken_username_is_refused_whatever_its_case(store):
    provider, _ = create(store)
    other, _ = create(store, name="Hotel Sagar")
    add_staff(store, provider.provider_id, "desk-1", "long enough password")
    with pytest.raises(InvalidInput, match="taken"):
        add_staff(store, other.provider_id, "DESK-1", "another long password")
    stored = store.staff("desk-1")
    assert stored is not None
    assert stored.provider_id == provider.provider_id


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("desk-1", "123456789", "at least 10 characters"),
        ("ab", "long enough password", "3 to 60"),
        ("desk one", "long enough password", "3 to 60"),
        ("-desk", "long enough password", "3 to 60"),
    ],
)
def test_short_passwords_and_odd_usernames_are_refused(store, username, password, message):
    provider, _ = create(store)
    with pytest.raises(InvalidInput, match=message):
        add_staff(store, provider.provider_id, username, password)
    assert store.staff(username.lower()) is None


def test_staff_for_an_unknown_provider_is_refused(store):
    with pytest.raises(ProviderNotFound):
        add_staff(store, "prv_0000000000000000", "desk-1", "long enough password")


def test_an_unknown_username_reads_as_none(store):
    assert store.staff("nobody") is None


def test_staff_logins_are_listed_by_username_for_everyone_or_one_provider(store):
    yatra, _ = create(store)
    sagar, _ = create(store, name="Hotel Sagar")
    for provider, username in ((yatra, "desk-2"), (sagar, "front"), (yatra, "desk-1")):
        add_staff(store, provider.provider_id, username, "long enough password")
    everyone = onboarding.list_staff(store=store)
    assert [(a.username, a.provider_id) for a in everyone] == [
        ("desk-1", yatra.provider_id),
        ("desk-2", yatra.provider_id),
        ("front", sagar.provider_id),
    ]
    mine = onboarding.list_staff(store=store, provider_id=f" {yatra.provider_id} ")
    assert [a.username for a in mine] == ["desk-1", "desk-2"]
    with pytest.raises(ProviderNotFound):
        onboarding.list_staff(store=store, provider_id="prv_0000000000000000")


def test_disabling_enabling_and_a_new_password_each_raise_the_session_version(store):
    provider, _ = create(store)
    other, _ = create(store, name="Hotel Sagar")
    add_staff(store, provider.provider_id, "desk-1", "long enough password")
    add_staff(store, other.provider_id, "front", "long enough password")
    assert store.staff("desk-1").session_version == 0

    disabled = onboarding.set_staff_disabled(store=store, username=" DESK-1 ", disabled=True)
    assert (disabled.disabled, disabled.session_version) == (True, 1)
    enabled = onboarding.set_staff_disabled(store=store, username="desk-1", disabled=False)
    assert (enabled.disabled, enabled.session_version) == (False, 2)
    reset, password = onboarding.reset_staff_password(
        store=store, username="desk-1", hash_password=hash_password
    )
    assert reset.session_version == 3
    assert store.staff("desk-1") == reset
    assert password_matches(password, reset.password_hash)
    assert not password_matches("long enough password", reset.password_hash)
    assert store.staff("front").session_version == 0  # nobody else's sessions end


def test_a_new_password_is_random_and_long_unless_one_is_given(store):
    provider, _ = create(store)
    add_staff(store, provider.provider_id, "desk-1", "long enough password")
    passwords = {
        onboarding.reset_staff_password(
            store=store, username="desk-1", hash_password=hash_password
        )[1]
        for _ in range(3)
    }
    assert len(passwords) == 3
    assert all(len(p) >= 24 for p in passwords)
    chosen, given = onboarding.reset_staff_password(
        store=store, username="desk-1", hash_password=hash_password, password="my own long one"
    )
    assert given == "my own long one"
    assert password_matches("my own long one", chosen.password_hash)


def test_a_short_new_password_or_an_unknown_username_changes_nothing(store):
    provider, _ = create(store)
    before = add_staff(store, provider.provider_id, "desk-1", "long enough password")
    with pytest.raises(InvalidInput, match="at least 10 characters"):
        onboarding.reset_staff_password(
            store=store, username="desk-1", hash_password=hash_password, password="short"
        )
    with pytest.raises(InvalidInput, match="No staff login has username 'nobody'"):
        onboarding.set_staff_disabled(store=store, username="Nobody", disabled=True)
    with pytest.raises(InvalidInput, match="No staff login has username 'nobody'"):
        onboarding.reset_staff_password(store=store, username="nobody", hash_password=hash_password)
    assert store.staff("desk-1") == before
    assert store.staff("nobody") is None


# --- hosted-flow return URLs and embed origins ----------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://shop.example.com/kyvs/return",
        "https://shop.example.com/return?from=kyvs",
        "http://localhost:8080/cb",
        "http://127.0.0.1/cb",
        "http://[::1]:3000/cb",
    ],
)
def test_https_return_urls_and_local_http_ones_are_kept(store, url):
    provider, _ = create(store, return_urls=[f" {url} "])
    assert provider.return_urls == (url,)
    assert store.get(provider.provider_id) == provider


@pytest.mark.parametrize(
    "url",
    [
        "http://shop.example.com/return",
        "http://localhost.evil.example/return",
        "http://localhost@evil.example/return",
        "https://shop.example.com/return#done",
        "/return",
        "javascript:alert(1)",
        "ftp://shop.example.com/return",
        "https:///return",
    ],
)
def test_unsafe_return_urls_are_refused(store, url):
    with pytest.raises(InvalidInput, match="return URL"):
        create(store, return_urls=["https://fine.example.com/", url])
    assert store.all() == []


def test_embed_origins_are_stored_normalised(store):
    provider, _ = create(
        store,
        embed_origins=[
            " https://shop.example.com/ ",
            "https://app.example.com:8443",
            "HTTPS://a.example",
        ],
    )
    assert provider.embed_origins == (
        "https://shop.example.com",
        "https://app.example.com:8443",
        "https://a.example",
    )
    assert store.get(provider.provider_id) == provider


@pytest.mark.parametrize(
    "origin",
    ["shop.example.com", "https://shop.example.com/embed", "ftp://shop.example.com", "https://"],
)
def test_an_origin_with_a_path_or_no_host_is_refused(store, origin):
    with pytest.raises(InvalidInput, match="origin"):
        create(store, embed_origins=[origin])


# --- the web's directory -----------------------------------------------------------------------


@pytest.fixture
async def directory(engine, database_url):
    units = make_units(database_url)
    yield SqlProviderDirectory(units)
    await units.aclose()


@pytest.mark.anyio
async def test_the_directory_finds_the_provider_and_key_record_by_key_id(store, directory):
    provider, key = create(store, return_urls=["https://shop.example.com/r"])
    create(store, name="Hotel Sagar")
    key_id = api_keys.key_id_of(key) or ""
    found = await directory.by_key_id(key_id)
    assert found == (
        provider,
        ApiKeyRecord(key_id, provider.provider_id, api_keys.hash_key(key), NOW, None),
    )
    assert found is not None
    assert api_keys.key_matches(key, found[1].key_hash)
    assert await directory.provider(provider.provider_id) == provider


@pytest.mark.anyio
async def test_the_directory_sees_revocations_and_suspensions(store, directory):
    provider, key = create(store)
    key_id = api_keys.key_id_of(key) or ""
    onboarding.revoke_key(store=store, key_id=key_id, now=later(1))
    onboarding.set_active(store=store, provider_id=provider.provider_id, active=False)
    found = await directory.by_key_id(key_id)
    assert found is not None
    seen, record = found
    assert not seen.active
    assert record.revoked_at == later(1)


@pytest.mark.anyio
async def test_the_directory_answers_none_for_unknown_ids(directory):
    assert await directory.by_key_id("0123456789ab") is None
    assert await directory.provider("prv_0000000000000000") is None


@pytest.mark.anyio
async def test_the_directory_reads_a_staff_account_with_its_provider(store, directory):
    provider, _ = create(store)
    add_staff(store, provider.provider_id, "desk-1", "long enough password")
    onboarding.set_staff_disabled(store=store, username="desk-1", disabled=True)
    onboarding.set_active(store=store, provider_id=provider.provider_id, active=False)
    found = await directory.by_username("desk-1")
    assert found is not None
    seen, account = found
    assert seen == store.get(provider.provider_id)
    assert not seen.active
    assert account == store.staff("desk-1")
    assert (account.disabled, account.session_version) == (True, 1)
    assert await directory.by_username("nobody") is None
