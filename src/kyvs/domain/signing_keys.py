"""Attestation signing keys as records: which key signs, which keys the JWKS publishes.

Only public halves and dates live here; making keys and signing is the adapters' work
(`kyvs.adapters.signing`, `kyvs.adapters.jws`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

ALGORITHM = "EdDSA"  # RFC 8037: Ed25519 signatures in JWS

Jwks = dict[str, list[dict[str, str]]]
# What every kyvs JWS carried before kinds had their own `typ`; still accepted when `iss` matches,
# so attestations and share links signed before the upgrade stay valid until they expire.
LEGACY_TYPE = "JWT"


@dataclass(frozen=True, slots=True)
class TokenKind:
    """One kind of JWS kyvs signs: its header `typ` and its `iss` claim. A verifier expecting one
    kind refuses the other, so a share claim never passes as a provider attestation."""

    typ: str
    issuer: str


ATTESTATION = TokenKind(typ="kyvs-attestation+jwt", issuer="kyvs")
SHARE_CLAIM = TokenKind(typ="kyvs-share+jwt", issuer="kyvs-share")
# A consent record (domain/consent.py): the proof of one disclosure, kept a year.
CONSENT_RECORD = TokenKind(typ="kyvs-consent+jwt", issuer="kyvs-consent")


class AttestationInvalid(Exception):
    """A token is not a valid kyvs attestation; `reason` says why in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """The public half of a signing key and its life: it signs until retired, and stays
    published until `retired_at + attestation lifetime` unless revoked (compromised), which
    unpublishes it at once."""

    kid: str
    jwk: Mapping[str, str]
    created_at: datetime
    retired_at: datetime | None = None
    revoked_at: datetime | None = None

    def published(self, now: datetime, lifetime: timedelta) -> bool:
        """True while attestations this key signed can still be unexpired at `now`, and the key
        is not revoked."""
        if self.revoked_at is not None:
            return False
        return self.retired_at is None or self.retired_at + lifetime > now

    def published_jwk(self) -> dict[str, str]:
        """The JWK as the JWKS shows it, with `kid`, `use` and `alg`."""
        return {**self.jwk, "kid": self.kid, "use": "sig", "alg": ALGORITHM}


def active_of(records: Iterable[KeyRecord]) -> KeyRecord | None:
    """The key that signs: the newest unretired one (ties broken by kid, so processes agree)."""
    live = [r for r in records if r.retired_at is None and r.revoked_at is None]
    return max(live, key=lambda r: (r.created_at, r.kid), default=None)


def jwks_of(records: Iterable[KeyRecord], *, now: datetime, lifetime: timedelta) -> Jwks:
    """The JWK Set of the keys still published at `now`: unretired first, then newest first."""
    shown = sorted(
        (r for r in records if r.published(now, lifetime)),
        key=lambda r: (r.retired_at is None, r.created_at, r.kid),
        reverse=True,
    )
    return {"keys": [r.published_jwk() for r in shown]}
