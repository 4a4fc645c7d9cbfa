"""Attestations are Ed25519 compact JWS that anyone can check offline against the JWKS."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from kyvs.adapters.clock import FixedClock
from kyvs.adapters.jws import LEEWAY, b64url, public_jwk, sign_jws, thumbprint
from kyvs.adapters.signing import (
    AttestationInvalid,
    KeyRing,
    MemorySigningKeyStore,
    keep_refreshed,
    verify,
)
from kyvs.domain.attestations import ATTESTATION_LIFETIME, attestation_claims
from kyvs.domain.signing_keys import ATTESTATION, SHARE_CLAIM, TokenKind

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)

# RFC 8037 Appendix A.1: an Ed25519 key; A.3: its RFC 7638 thumbprint.
RFC_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def rfc_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(RFC_D + "="))


def claims_at(issued_at: dt.datetime = NOW) -> dict:
    return attestation_claims(
        txn_id="txn-1",
        provider_id="provider-1",
        disclosed={"vaccination_status": 2, "status": "FULLY_VACCINATED", "name": "ભાવેશ શાહ"},
        issued_at=issued_at,
        lifetime=ATTESTATION_LIFETIME,
        issuer="https://kyvs.example",
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def store() -> MemorySigningKeyStore:
    return MemorySigningKeyStore()


@pytest.fixture
def ring(store, clock) -> KeyRing:
    return KeyRing(store, clock=clock)


def segments(token: str) -> list[str]:
    return token.split(".")


def encode(value: object) -> str:
    return b64url(json.dumps(value).encode())


def reason(token: object, jwks, **kwargs) -> str:
    kwargs.setdefault("now", NOW)
    with pytest.raises(AttestationInvalid) as raised:
        verify(token, jwks, **kwargs)  # type: ignore[arg-type]
    return raised.value.reason


def test_a_signed_attestation_verifies_and_gives_back_its_claims(ring):
    claims = claims_at()
    token = ring.sign(claims)
    assert verify(token, ring.jwks(), now=NOW, audience="provider-1") == claims


def test_the_header_names_the_algorithm_the_type_and_the_key(ring):
    header = json.loads(base64.urlsafe_b64decode(segments(ring.sign(claims_at()))[0] + "=="))
    assert header == {"alg": "EdDSA", "typ": "kyvs-attestation+jwt", "kid": ring.active_kid}


def test_the_jwks_publishes_public_keys_only(ring):
    (key,) = ring.jwks()["keys"]
    assert key == {**key, "kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA"}
    assert set(key) == {"kty", "crv", "x", "kid", "use", "alg"}
    assert key["kid"] == ring.active_kid


def test_a_tampered_payload_is_rejected(ring):
    header, _, signature = segments(ring.sign(claims_at()))
    forged = {**claims_at(), "kyvs": {"vaccination_status": 2, "status": "FULLY_VACCINATED"}}
    forged["aud"] = "provider-2"
    assert reason(f"{header}.{encode(forged)}.{signature}", ring.jwks()) == "bad signature"


def test_a_tampered_header_is_rejected(ring):
    _, payload, signature = segments(ring.sign(claims_at()))
    header = encode({"alg": "EdDSA", "typ": "JOSE", "kid": ring.active_kid})
    assert reason(f"{header}.{payload}.{signature}", ring.jwks()) == "bad signature"


def test_a_tampered_signature_is_rejected(ring):
    header, payload, signature = segments(ring.sign(claims_at()))
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[0] ^= 1
    assert reason(f"{header}.{payload}.{b64url(bytes(raw))}", ring.jwks()) == "bad signature"


def test_a_signature_spelled_non_canonically_is_rejected(ring):
    header, payload, signature = segments(ring.sign(claims_at()))
    # The last of 86 characters carries 2 bits of the signature and 4 bits that must be 0:
    # another spelling of the same bytes exists, and only the canonical one is accepted.
    raw = base64.urlsafe_b64decode(signature + "==")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    respelled = next(
        signature[:-1] + c
        for c in alphabet
        if c != signature[-1] and base64.urlsafe_b64decode(signature[:-1] + c + "==") == raw
    )
    assert reason(f"{header}.{payload}.{respelled}", ring.jwks()) == "malformed"


def test_the_algorithm_none_is_rejected(ring):
    _, payload, signature = segments(ring.sign(claims_at()))
    header = encode({"alg": "none", "kid": ring.active_kid})
    assert reason(f"{header}.{payload}.", ring.jwks()) == "malformed"
    assert reason(f"{header}.{payload}.{signature}", ring.jwks()) == "unsupported algorithm"


def test_hs256_keyed_with_the_public_key_is_rejected(ring):
    key = ring.jwks()["keys"][0]
    signing_input = f"{encode({'alg': 'HS256', 'kid': key['kid']})}.{encode(claims_at())}"
    mac = hmac.new(key["x"].encode(), signing_input.encode(), hashlib.sha256).digest()
    assert reason(f"{signing_input}.{b64url(mac)}", ring.jwks()) == "unsupported algorithm"


def test_a_critical_header_extension_is_rejected(ring):
    claims = encode(claims_at())
    header = encode({"alg": "EdDSA", "kid": ring.active_kid, "crit": ["exp"], "exp": 1})
    assert reason(f"{header}.{claims}.{'A' * 86}", ring.jwks()) == "unsupported header"


def test_a_key_missing_from_the_jwks_is_unknown(ring, clock):
    stranger = KeyRing(MemorySigningKeyStore(), clock=clock)
    assert reason(stranger.sign(claims_at()), ring.jwks()) == "unknown key"
    assert reason(ring.sign(claims_at()), {"keys": []}) == "unknown key"
    assert reason(ring.sign(claims_at()), {"nothing": "here"}) == "unknown key"


def test_a_header_without_kid_names_no_key(ring):
    token = sign_jws(claims_at(), rfc_key(), kid="x")
    _, payload, signature = segments(token)
    assert reason(f"{encode({'alg': 'EdDSA'})}.{payload}.{signature}", ring.jwks()) == (
        "unknown key"
    )


def test_an_expired_attestation_is_rejected_after_the_leeway(ring):
    token = ring.sign(claims_at())
    expiry = NOW + ATTESTATION_LIFETIME
    assert verify(token, ring.jwks(), now=expiry + LEEWAY - dt.timedelta(seconds=1))
    assert reason(token, ring.jwks(), now=expiry + LEEWAY) == "expired"


def test_an_attestation_from_the_future_is_rejected(ring):
    token = ring.sign(claims_at(NOW + dt.timedelta(minutes=5)))
    assert reason(token, ring.jwks()) == "issued in the future"
    assert verify(token, ring.jwks(), now=NOW + dt.timedelta(minutes=4))


def test_the_audience_is_checked_when_asked(ring):
    token = ring.sign(claims_at())
    assert reason(token, ring.jwks(), audience="provider-2") == "wrong audience"
    assert verify(token, ring.jwks(), now=NOW)["aud"] == "provider-1"


def sign_text(payload: str, key: Ed25519PrivateKey, kid: str) -> str:
    signing_input = f"{encode({'alg': 'EdDSA', 'kid': kid})}.{b64url(payload.encode())}"
    return f"{signing_input}.{b64url(key.sign(signing_input.encode()))}"


@pytest.mark.parametrize(
    "payload",
    [
        '{"iat": 1}',
        '{"exp": 1099511627776}',
        '{"iat": 1, "exp": true}',
        '{"iat": 1, "exp": "2999-01-01"}',
        '{"iat": 1, "exp": NaN}',
        '{"iat": 1, "exp": Infinity}',
        '{"iat": 1, "exp": 1e999}',
        "[1, 2]",
        "not json",
        '{"iat": 1, "exp": 1099511627776',
    ],
)
def test_payloads_without_numeric_exp_and_iat_are_malformed(payload):
    jwks = {"keys": [{**public_jwk(rfc_key().public_key()), "kid": RFC_THUMBPRINT}]}
    assert reason(sign_text(payload, rfc_key(), RFC_THUMBPRINT), jwks) == "malformed"


def test_very_large_numbers_are_compared_exactly():
    jwks = {"keys": [{**public_jwk(rfc_key().public_key()), "kid": RFC_THUMBPRINT}]}
    token = sign_text('{"iat": 1, "exp": 1' + "0" * 400 + "}", rfc_key(), RFC_THUMBPRINT)
    assert verify(token, jwks, now=NOW)["exp"] == 10**400


def test_the_kid_is_the_rfc_7638_thumbprint_of_the_rfc_8037_key():
    jwk = public_jwk(rfc_key().public_key())
    assert jwk == {"kty": "OKP", "crv": "Ed25519", "x": RFC_X}
    # RFC 7638 §3.1's method: required members in lexicographic order, no whitespace, SHA-256.
    canonical = '{"crv":"Ed25519","kty":"OKP","x":"' + RFC_X + '"}'
    by_hand = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=")
    assert by_hand.decode() == RFC_THUMBPRINT
    assert thumbprint(jwk) == RFC_THUMBPRINT


def test_a_stored_key_is_named_by_its_thumbprint(clock):
    ring = KeyRing(MemorySigningKeyStore(generate=rfc_key), clock=clock)
    assert ring.active_kid == RFC_THUMBPRINT
    assert ring.jwks()["keys"][0]["kid"] == RFC_THUMBPRINT


def test_rotation_keeps_old_attestations_verifiable_until_they_expire(store, ring, clock):
    old_token = ring.sign(claims_at())
    old_kid = ring.active_kid
    clock.moment = NOW + dt.timedelta(days=1)
    store.rotate(clock.moment)
    ring.refresh()
    assert ring.active_kid != old_kid
    new_token = ring.sign(claims_at(clock.moment))
    for token in (old_token, new_token):
        assert verify(token, ring.jwks(), now=clock.moment)
    clock.moment = NOW + dt.timedelta(days=1) + ATTESTATION_LIFETIME
    assert [k["kid"] for k in ring.jwks()["keys"]] == [ring.active_kid]


def test_the_ring_works_from_memory_until_refreshed(store, ring):
    calls: list[str] = []
    for name in ("all_keys", "ensure_active_key", "private_key"):
        original = getattr(store, name)
        setattr(store, name, lambda *a, _n=name, _f=original: calls.append(_n) or _f(*a))
    first = ring.active_kid
    store.rotate(NOW)
    ring.sign(claims_at())
    ring.jwks()
    assert calls == []
    assert ring.active_kid == first
    assert ring.refresh_if_older_than(3600) is False
    assert ring.refresh_if_older_than(0) is True
    assert ring.active_kid != first
    assert calls.count("private_key") == 1
    calls.clear()
    ring.refresh()
    assert "private_key" not in calls  # the same active key is not decrypted again


def test_a_background_refresh_picks_up_a_rotation(store, ring):
    async def scenario() -> str:
        task = asyncio.create_task(keep_refreshed(ring, every=0.01))
        rotated = store.rotate(NOW).kid
        for _ in range(300):
            await asyncio.sleep(0.01)
            if ring.active_kid == rotated:
                break
        task.cancel()
        return rotated

    assert asyncio.run(scenario()) == ring.active_kid


def test_a_failed_background_refresh_keeps_the_loaded_keys(store, ring, caplog):
    def broken() -> list:
        raise ConnectionError("database down")

    store.all_keys = broken
    kid = ring.active_kid

    async def scenario() -> None:
        task = asyncio.create_task(keep_refreshed(ring, every=0.01))
        await asyncio.sleep(0.1)
        task.cancel()

    asyncio.run(scenario())
    assert ring.active_kid == kid
    assert verify(ring.sign(claims_at()), ring.jwks(), now=NOW)
    assert "signing keys not refreshed (ConnectionError)" in caplog.text


# Modest example counts keep this file to a few seconds.
examples = settings(max_examples=200, deadline=None)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=10,
)


@examples
@given(token=st.text() | st.binary())
def test_any_string_or_bytes_is_refused_with_attestation_invalid(token):
    jwks = {"keys": [{**public_jwk(rfc_key().public_key()), "kid": RFC_THUMBPRINT}]}
    with pytest.raises(AttestationInvalid):
        verify(token, jwks, now=NOW)


@examples
@given(parts=st.lists(st.binary(), min_size=1, max_size=4))
def test_any_base64url_segments_are_refused_with_attestation_invalid(parts):
    jwks = {"keys": [{**public_jwk(rfc_key().public_key()), "kid": RFC_THUMBPRINT}]}
    with pytest.raises(AttestationInvalid):
        verify(".".join(b64url(p) for p in parts), jwks, now=NOW)


@examples
@given(header=st.dictionaries(st.text(), json_values), claims=json_values)
def test_any_json_header_and_payload_are_refused_with_attestation_invalid(header, claims):
    jwks = {"keys": [{**public_jwk(rfc_key().public_key()), "kid": RFC_THUMBPRINT}]}
    token = f"{encode(header)}.{encode(claims)}.{b64url(bytes(64))}"
    with pytest.raises(AttestationInvalid):
        verify(token, jwks, now=NOW)


@examples
@given(claims=st.dictionaries(st.text(), json_values))
def test_any_signed_claims_verify_or_raise_attestation_invalid(claims):
    jwks = {"keys": [{**public_jwk(rfc_key().public_key()), "kid": RFC_THUMBPRINT}]}
    token = sign_jws(claims, rfc_key(), RFC_THUMBPRINT)
    try:
        assert verify(token, jwks, now=NOW) == claims
    except AttestationInvalid as invalid:
        assert invalid.reason in {"malformed", "expired", "issued in the future"}


def typed_claims(kind: TokenKind) -> dict:
    return {**claims_at(), "iss": kind.issuer}


def test_share_claims_and_attestations_carry_distinct_types():
    assert ATTESTATION.typ != SHARE_CLAIM.typ and ATTESTATION.issuer != SHARE_CLAIM.issuer


@pytest.mark.parametrize("kind", [ATTESTATION, SHARE_CLAIM])
def test_a_token_verifies_as_its_own_kind(ring, kind):
    token = ring.sign(typed_claims(kind), kind=kind)
    header = json.loads(base64.urlsafe_b64decode(segments(token)[0] + "=="))
    assert header["typ"] == kind.typ
    assert verify(token, ring.jwks(), now=NOW, kind=kind) == typed_claims(kind)


@pytest.mark.parametrize(
    ("signed", "expected"), [(SHARE_CLAIM, ATTESTATION), (ATTESTATION, SHARE_CLAIM)]
)
def test_a_token_of_one_kind_is_refused_as_the_other(ring, signed, expected):
    token = ring.sign(typed_claims(signed), kind=signed)
    assert reason(token, ring.jwks(), kind=expected) == "wrong token type"


def test_a_legacy_typed_token_passes_only_with_the_expected_issuer(ring, store):
    key = store.private_key(ring.active_kid)
    legacy_share = sign_jws(typed_claims(SHARE_CLAIM), key, ring.active_kid)  # typ JWT
    assert reason(legacy_share, ring.jwks(), kind=ATTESTATION) == "wrong issuer"
    assert verify(legacy_share, ring.jwks(), now=NOW, kind=SHARE_CLAIM)["iss"] == "kyvs-share"


def test_a_share_type_with_an_attestation_issuer_is_refused(ring):
    forged = ring.sign(typed_claims(ATTESTATION), kind=SHARE_CLAIM)
    assert reason(forged, ring.jwks(), kind=ATTESTATION) == "wrong token type"
    assert reason(forged, ring.jwks(), kind=SHARE_CLAIM) == "wrong issuer"
