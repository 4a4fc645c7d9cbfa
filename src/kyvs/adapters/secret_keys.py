"""One sub-key per purpose, derived from KYVS_SECRET_KEY with HKDF-SHA256 (RFC 5869).

A key used for one thing cannot be replayed against another: an OTP hash is no session cookie,
a status token is no key-encryption password. `info` is `kyvs/<purpose>`; no salt, because the
master secret is already uniformly random (the settings refuse a short one outside demo mode).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PURPOSES = ("otp", "tokens", "cookies", "key-encryption", "proof-of-work")
KEY_BYTES = 32


def derive(master: bytes, purpose: str) -> bytes:
    """The 32-byte sub-key of `master` for `purpose` (one of `PURPOSES`)."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown secret purpose {purpose!r}")
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=b"kyvs/" + purpose.encode()
    )
    return hkdf.derive(master)


@dataclass(frozen=True, slots=True)
class SecretKeys:
    """The sub-keys of one master secret; `legacy` is the master itself, only for reading
    signing keys stored before sub-keys existed (they are re-encrypted on first read)."""

    otp: bytes
    tokens: bytes
    cookies: bytes
    key_encryption: bytes
    proof_of_work: bytes
    legacy: bytes

    @classmethod
    def of(cls, master: bytes) -> SecretKeys:
        """Derive every sub-key of `master`."""
        return cls(
            otp=derive(master, "otp"),
            tokens=derive(master, "tokens"),
            cookies=derive(master, "cookies"),
            key_encryption=derive(master, "key-encryption"),
            proof_of_work=derive(master, "proof-of-work"),
            legacy=master,
        )
