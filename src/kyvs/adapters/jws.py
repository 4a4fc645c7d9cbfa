"""Ed25519 compact JWS (RFC 7515 with RFC 8037's EdDSA) and RFC 7638 JWK thumbprints.

Pure functions: keys come in as arguments, nothing is stored or fetched here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kyvs.domain.signing_keys import ALGORITHM, LEGACY_TYPE, AttestationInvalid, TokenKind

__all__ = ["ALGORITHM", "AttestationInvalid", "public_jwk", "sign_jws", "thumbprint", "verify"]

LEEWAY = timedelta(seconds=60)
# Attestations are a few kilobytes; refusing far larger input bounds the work of a bad token.
MAX_TOKEN_LENGTH = 64 * 1024
_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    # Strict: a segment must re-encode to itself, so one signature has exactly one spelling.
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise AttestationInvalid("malformed") from None
    if b64url(data) != text:
        raise AttestationInvalid("malformed")
    return data


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    """The RFC 8037 JWK of an Ed25519 public key: `kty`, `crv` and `x` only."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}


def thumbprint(jwk: Mapping[str, str]) -> str:
    """The RFC 7638 thumbprint of an OKP JWK: base64url SHA-256 of `{"crv","kty","x"}` JSON."""
    canonical = json.dumps({m: jwk[m] for m in ("crv", "kty", "x")}, separators=(",", ":"))
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def _segment(value: Mapping[str, Any]) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return b64url(text.encode("utf-8"))


def sign_jws(
    claims: Mapping[str, Any], key: Ed25519PrivateKey, kid: str, *, typ: str = LEGACY_TYPE
) -> str:
    """A compact JWS of `claims` with header `{"alg":"EdDSA","typ":typ,"kid":kid}`."""
    signing_input = f"{_segment({'alg': ALGORITHM, 'typ': typ, 'kid': kid})}.{_segment(claims)}"
    return f"{signing_input}.{b64url(key.sign(signing_input.encode('ascii')))}"


def verify(
    token: str | bytes,
    jwks: Mapping[str, Any],
    *,
    now: datetime,
    audience: str | None = None,
    kind: TokenKind | None = None,
    leeway: timedelta = LEEWAY,
) -> dict[str, Any]:
    """The claims of `token` if it is an EdDSA compact JWS signed by a key of `jwks` (by `kid`),
    unexpired at `now` (timezone-aware) within `leeway`, not issued in the future, addressed
    to `audience` when one is given, and of `kind` (its `typ`, or the legacy `JWT`, and its `iss`)
    when one is given. Anything else raises `AttestationInvalid`, never another error.
    """
    header_part, payload_part, signature = _split(token)
    header = _json_object(_unb64url(header_part))
    if header.get("alg") != ALGORITHM:
        raise AttestationInvalid("unsupported algorithm")
    if "crit" in header:  # RFC 7515 §4.1.11: we understand no header extension
        raise AttestationInvalid("unsupported header")
    if kind is not None and header.get("typ") not in (kind.typ, LEGACY_TYPE):
        raise AttestationInvalid("wrong token type")
    public_key = _key_for(jwks, header.get("kid"))
    try:
        public_key.verify(signature, f"{header_part}.{payload_part}".encode("ascii"))
    except InvalidSignature:
        raise AttestationInvalid("bad signature") from None
    claims = _json_object(_unb64url(payload_part))
    _check_times(claims, at=now.timestamp(), slack=leeway.total_seconds())
    if kind is not None and claims.get("iss") != kind.issuer:
        raise AttestationInvalid("wrong issuer")
    if audience is not None and not _addressed_to(claims.get("aud"), audience):
        raise AttestationInvalid("wrong audience")
    return claims


def _split(token: object) -> tuple[str, str, bytes]:
    if isinstance(token, bytes):
        token = token.decode("ascii", errors="replace")
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise AttestationInvalid("malformed")
    if not _COMPACT.fullmatch(token):
        raise AttestationInvalid("malformed")
    header_part, payload_part, signature_part = token.split(".")
    return header_part, payload_part, _unb64url(signature_part)


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


def _json_object(data: bytes) -> dict[str, Any]:
    try:  # UnicodeDecodeError and JSONDecodeError are ValueErrors; deep nesting recurses
        value = json.loads(data, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise AttestationInvalid("malformed") from None
    if not isinstance(value, dict):
        raise AttestationInvalid("malformed")
    return value


def _key_for(jwks: Mapping[str, Any], kid: object) -> Ed25519PublicKey:
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(kid, str) or not isinstance(keys, list):
        raise AttestationInvalid("unknown key")
    for jwk in keys:
        if isinstance(jwk, Mapping) and jwk.get("kid") == kid:
            return _ed25519_key(jwk)
    raise AttestationInvalid("unknown key")


def _ed25519_key(jwk: Mapping[str, Any]) -> Ed25519PublicKey:
    x = jwk.get("x")
    usable = jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519"
    if not usable or jwk.get("alg", ALGORITHM) != ALGORITHM or not isinstance(x, str):
        raise AttestationInvalid("unknown key")
    try:
        return Ed25519PublicKey.from_public_bytes(_unb64url(x))
    except (AttestationInvalid, ValueError):
        raise AttestationInvalid("unknown key") from None


def _number(claims: Mapping[str, Any], name: str) -> int | float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AttestationInvalid("malformed")
    if isinstance(value, float) and not math.isfinite(value):
        raise AttestationInvalid("malformed")
    return value


def _check_times(claims: Mapping[str, Any], *, at: float, slack: float) -> None:
    expires, issued = _number(claims, "exp"), _number(claims, "iat")
    if expires <= at - slack:
        raise AttestationInvalid("expired")
    if issued > at + slack:
        raise AttestationInvalid("issued in the future")


def _addressed_to(aud: object, audience: str) -> bool:
    return aud == audience or (isinstance(aud, list) and audience in aud)
