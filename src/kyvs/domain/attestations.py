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
# Claims that bind an attestation to the provider's own record of the check: the hosted
# session's id, and the nonce the provider's server chose when it opened the session.
BINDING_CLAIMS = frozenset({"hosted_session", "nonce"})


def attestation_claims(
    *,
    txn_id: str,
    provider_id: str,
    disclosed: Mapping[str, Any],
    issued_at: datetime,
    lifetime: timedelta,
    issuer: str,
    bound_to: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The JWT claims of an attestation: `iss`, `iat`, `exp` (whole seconds since the epoch),
    `jti` (the txn id), `aud` (the provider) and `kyvs` (a copy of the disclosed fields), plus
    `bound_to`'s claims (a hosted check's `hosted_session` and the provider's `nonce`).

    Raises ValueError for a naive `issued_at`, a lifetime that is not positive, or a `bound_to`
    claim that is not one of `BINDING_CLAIMS`.
    """
    if issued_at.tzinfo is None:
        raise ValueError("issued_at must be timezone-aware")
    if lifetime <= timedelta(0):
        raise ValueError("an attestation's lifetime must be positive")
    binding = dict(bound_to or {})
    if not binding.keys() <= BINDING_CLAIMS:
        raise ValueError(f"not binding claims: {sorted(binding.keys() - BINDING_CLAIMS)}")
    issued = int(issued_at.timestamp())
    return binding | {
        "iss": issuer,
        "iat": issued,
        "exp": issued + int(lifetime.total_seconds()),
        "jti": txn_id,
        "aud": provider_id,
        DISCLOSED_CLAIM: dict(disclosed),
    }
