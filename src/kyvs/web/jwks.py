"""`/.well-known/jwks.json`: the public keys that sign attestations, for offline checks."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from kyvs.ports import PublishedKeys

router = APIRouter(tags=["attestations"])

# Verifiers may cache the set for five minutes; a rotated-out key stays published for the
# attestation lifetime, far longer, so a cached set never misses a key that still matters.
CACHE_CONTROL = "public, max-age=300"

# The Ed25519 key of RFC 8037 Appendix A, whose RFC 7638 thumbprint is its kid.
EXAMPLE: JsonDict = {
    "keys": [
        {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
            "kid": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
            "use": "sig",
            "alg": "EdDSA",
        }
    ]
}


class PublicKey(BaseModel):
    """An Ed25519 public key (RFC 8037) that signs attestations."""

    kty: Literal["OKP"]
    crv: Literal["Ed25519"]
    x: str = Field(description="The public key, base64url.")
    kid: str = Field(description="The RFC 7638 thumbprint of the key; JWS headers name it.")
    use: Literal["sig"]
    alg: Literal["EdDSA"]


class KeySet(BaseModel):
    """A JWK Set (RFC 7517): the active key first, then retired keys still in use."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})

    keys: list[PublicKey]


async def key_ring(request: Request) -> PublishedKeys:
    """The process's key ring, set on `app.state.key_ring` at startup."""
    ring: PublishedKeys = request.app.state.key_ring
    return ring


KeyRingDep = Annotated[PublishedKeys, Depends(key_ring)]


@router.get(
    "/.well-known/jwks.json",
    summary="Public keys that sign attestations",
    response_model=KeySet,
    responses={200: {"content": {"application/json": {"example": EXAMPLE}}}},
)
async def jwks(ring: KeyRingDep, response: Response) -> KeySet:
    """The keys whose attestations may still be unexpired. An attestation is a compact JWS
    (EdDSA); the key that checks it is the one whose `kid` its header names. Answered from
    memory: no database access."""
    response.headers["Cache-Control"] = CACHE_CONTROL
    return KeySet.model_validate(ring.jwks())
