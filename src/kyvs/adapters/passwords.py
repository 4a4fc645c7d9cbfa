"""Staff passwords hashed with argon2id (argon2-cffi's defaults follow RFC 9106)."""

from __future__ import annotations

import functools
import secrets

from argon2 import PasswordHasher as _Argon2Hasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = _Argon2Hasher()


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return _hasher.hash(password)


def password_matches(password: str, stored_hash: str) -> bool:
    """True when `password` matches the stored argon2id hash."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _decoy_hash() -> str:
    # A hash of a random password, made once: checking against it costs what a real check costs.
    return _hasher.hash(secrets.token_urlsafe(32))


def login_matches(password: str, stored_hash: str | None) -> bool:
    """`password_matches`, or (no account: `stored_hash` is None) False after the same argon2
    work against a decoy, so the answer's timing does not tell whether the username exists."""
    if stored_hash is None:
        password_matches(password, _decoy_hash())
        return False
    return password_matches(password, stored_hash)


class Argon2Passwords:
    """The `PasswordHasher` port over the functions above."""

    def hash(self, password: str) -> str:
        """An argon2id hash of `password`."""
        return hash_password(password)

    def login_matches(self, password: str, stored_hash: str | None) -> bool:
        """See `login_matches`."""
        return login_matches(password, stored_hash)
