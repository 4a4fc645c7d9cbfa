"""API keys: `kyvs_<key id>_<secret>`, 256 random bits, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass

PREFIX = "kyvs"
_SHAPE = re.compile(r"^kyvs_([0-9a-f]{12})_([A-Za-z0-9_-]{43})\Z")  # `$` allows a final newline


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new key: `plaintext` is shown once, only `key_id` and `key_hash` are stored."""

    key_id: str
    plaintext: str
    key_hash: str


def issue(token_hex: Callable[[int], str], token_urlsafe: Callable[[int], str]) -> IssuedKey:
    """A fresh key; pass `secrets.token_hex` and `secrets.token_urlsafe`."""
    key_id = token_hex(6)
    plaintext = f"{PREFIX}_{key_id}_{token_urlsafe(32)}"
    return IssuedKey(key_id, plaintext, hash_key(plaintext))


def hash_key(plaintext: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def key_id_of(plaintext: str) -> str | None:
    """The lookup id of a well-formed key, None for anything else."""
    found = _SHAPE.match(plaintext)
    return found.group(1) if found else None


_ID_OR_PREFIX = re.compile(r"^(?:kyvs_)?([0-9a-f]{12})(?:_[A-Za-z0-9_-]*)?\Z")


def parse_key_id(text: str) -> str | None:
    """The key id an operator typed: the id (`3f2a...`), the prefix `kyvs provider key list`
    shows (`kyvs_3f2a..._`) or a whole key; None when it is none of these."""
    found = _ID_OR_PREFIX.match(text.strip())
    return found.group(1) if found else None


def key_matches(plaintext: str, stored_hash: str) -> bool:
    """Constant-time check of a presented key against its stored hash."""
    return hmac.compare_digest(hash_key(plaintext), stored_hash)
