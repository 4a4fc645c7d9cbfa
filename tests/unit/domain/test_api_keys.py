"""API keys: `kyvs_<12 hex key id>_<43 URL-safe chars>` (256 random bits), kept only as SHA-256."""

from __future__ import annotations

import hashlib
import secrets

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyvs.domain import api_keys

KEY_ID = "0123456789ab"
SECRET_PART = "Xb3_-" + "a" * 38  # 43 characters: 32 bytes in base64url
GOOD = f"kyvs_{KEY_ID}_{SECRET_PART}"


class Recorder:
    """A `secrets` function that returns a fixed value and remembers what it was asked."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.asked: list[int] = []

    def __call__(self, n: int) -> str:
        self.asked.append(n)
        return self.value


def test_a_key_is_a_prefix_a_lookup_id_and_256_random_bits():
    token_hex, token_urlsafe = Recorder(KEY_ID), Recorder(SECRET_PART)
    issued = api_keys.issue(token_hex, token_urlsafe)
    assert issued.plaintext == GOOD
    assert issued.key_id == KEY_ID
    assert (token_hex.asked, token_urlsafe.asked) == ([6], [32])  # 48-bit id, 256-bit secret


def test_only_a_sha256_of_the_key_is_kept():
    issued = api_keys.issue(Recorder(KEY_ID), Recorder(SECRET_PART))
    assert issued.key_hash == hashlib.sha256(GOOD.encode()).hexdigest()
    assert issued.key_hash == api_keys.hash_key(GOOD)
    assert SECRET_PART not in issued.key_hash


def test_real_keys_are_well_formed_and_never_repeat():
    issued = [api_keys.issue(secrets.token_hex, secrets.token_urlsafe) for _ in range(20)]
    assert all(api_keys.key_id_of(k.plaintext) == k.key_id for k in issued)
    assert len({k.plaintext for k in issued}) == 20
    assert len({k.key_id for k in issued}) == 20


def test_the_key_id_of_a_well_formed_key_is_its_lookup_id():
    assert api_keys.key_id_of(GOOD) == KEY_ID
    assert api_keys.key_id_of(f"kyvs_{KEY_ID}_{'_' * 43}") == KEY_ID  # `_` is URL-safe


@pytest.mark.parametrize(
    "malformed",
    [
        "",
        "kyvs_",
        GOOD[:-1],  # 42-character secret
        GOOD + "a",  # 44-character secret
        GOOD.replace("kyvs_", "kyv_"),
        GOOD.replace("kyvs_", "KYVS_"),
        GOOD.replace(KEY_ID, KEY_ID.upper()),  # the id is lower-case hex
        GOOD.replace(KEY_ID, "0123456789ag"),
        GOOD.replace(KEY_ID, KEY_ID[:-1]),
        f"kyvs_{KEY_ID}_{'a' * 42}=",  # padded base64
        f"kyvs_{KEY_ID}_{'a' * 42}+",  # not URL-safe
        f"kyvs_{KEY_ID}_{'a' * 42}é",
        " " + GOOD,
        GOOD + " ",
        GOOD + "\n",
        f"Bearer {GOOD}",
    ],
)
def test_anything_else_has_no_key_id(malformed):
    assert api_keys.key_id_of(malformed) is None


def test_the_presented_key_matches_only_its_own_hash():
    stored = api_keys.hash_key(GOOD)
    assert api_keys.key_matches(GOOD, stored)
    assert not api_keys.key_matches(GOOD[:-1] + "b", stored)
    assert not api_keys.key_matches(GOOD, api_keys.hash_key(GOOD[:-1] + "b"))
    assert not api_keys.key_matches(stored, stored)  # the hash is not a key


@given(presented=st.text(max_size=80))
def test_any_presented_text_is_checked_without_raising(presented):
    assert api_keys.key_matches(presented, api_keys.hash_key(GOOD)) == (presented == GOOD)
    key_id = api_keys.key_id_of(presented)
    assert key_id is None or presented.startswith(f"kyvs_{key_id}_")


@pytest.mark.parametrize(
    "typed",
    ["3f2a9c01b2d4", " kyvs_3f2a9c01b2d4_ ", "kyvs_3f2a9c01b2d4_" + "A" * 43, "kyvs_3f2a9c01b2d4"],
)
def test_an_operator_names_a_key_by_its_id_its_listed_prefix_or_the_key(typed):
    assert api_keys.parse_key_id(typed) == "3f2a9c01b2d4"


@pytest.mark.parametrize(
    "typed", ["", "3f2a9c01b2d", "3F2A9C01B2D4", "kyvs__3f2a9c01b2d4", "prv_x"]
)
def test_anything_else_names_no_key(typed):
    assert api_keys.parse_key_id(typed) is None
