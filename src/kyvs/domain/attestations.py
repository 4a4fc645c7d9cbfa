"""What an attestation claims: kyvs said, at a time, what it disclosed to one provider."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

# How long anyone may check an attestation offline; a retired signing key stays published this
# long after its retirement so every attestation it signed can still be checked.
ATTESTATION_LIFETIME = timedelta(days=30)

# The private claim that holds the disclosed fields, beside the registered JWT claims.
DISCLOSED_CLAIM = "kyvs"


def attestation_claims(
    *,
    txn_id: str,
    provider_id: str,
    disclosed: Mapping[str, Any],
    issued_at: datetime,
    lifetime: timedelta,
    issuer: str,
) -> dict[str, Any]:
    """The JWT claims of an attestation: `iss`, `iat`, `exp` (whole seconds since the epoch),
    `jti` (the txn id), `aud` (the provider) and `kyvs` (a copy of the disclosed fields).

    Raises ValueError for a naive `issued_at` or a lifetime that is not positive.
    """
    if issued_at.tzinfo is None:
        raise ValueError("issued_at must be timezone-aware")
    if lifetime <= timedelta(0):
        raise ValueError("an attestation's lifetime must be positive")
    issued = int(issued_at.timestamp())
    return {
        "iss": issuer,
        "iat": issued,
        "exp": issued + int(lifetime.total_seconds()),
        "jti": txn_id,
        "aud": provider_id,
        DISCLOSED_CLAIM: dict(disclosed),
    }
