"""The consent record a disclosure writes: signed, of its own kind, quoting the notice shown,
and checkable by a plain Ed25519 verification that does not use kyvs's JWS code."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kyvs.domain.signing_keys import AttestationInvalid
from tests.factories.people import fully_vaccinated
from tests.factories.providers import a_provider
from tests.factories.verification import VerifierWorld, build_verifier

pytestmark = pytest.mark.anyio

MOBILE = "9876543210"
YATRA = a_provider(
    provider_id="prov-yatra", name="Yatra Travels", scopes=["status", "vaccinations"]
)


@pytest.fixture
def world() -> VerifierWorld:
    return build_verifier(fully_vaccinated(name="Asha Patel", mobile=MOBILE))


async def disclosed(world: VerifierWorld, channel: str = "console", language: str = "gu") -> dict:
    started = await world.verifier.start(
        provider=YATRA, full_name="Asha Patel", mobile=MOBILE, purpose="travel", language=language
    )
    await world.dispatcher.run_all()
    return await world.verifier.confirm(
        provider=YATRA,
        txn_id=started.txn_id,
        otp_digest=world.digest_sent_to(MOBILE),
        channel=channel,
    )


def _part(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def test_a_disclosure_writes_one_record_whose_id_the_provider_gets(world):
    result = await disclosed(world)
    entry = world.access_log[-1]
    assert entry.outcome == "verified"
    assert entry.consent_id == result["consent_id"]
    header = json.loads(_part(entry.consent.split(".")[0]))
    assert header["typ"] == "kyvs-consent+jwt"


async def test_the_record_quotes_the_notice_the_person_was_shown(world):
    await disclosed(world, language="gu")
    container = world.container
    record = container.verify_consent(
        world.access_log[-1].consent,
        world.ring.jwks(),
        now=world.clock.now(),
    )
    shown = container.notices.for_provider(
        "gu", scopes=YATRA.scopes, purpose_label=container.access.purposes["travel"].label
    )
    assert (record.notice.version, record.notice.digest) == (shown.version, shown.digest)
    assert record.notice.language == "gu"
    assert record.channel == "console"
    assert "vaccinations" in record.fields and "beneficiary.name" not in record.fields


async def test_the_signature_holds_under_a_plain_ed25519_check(world):
    await disclosed(world)
    token = world.access_log[-1].consent
    header_part, payload_part, signature = token.split(".")
    kid = json.loads(_part(header_part))["kid"]
    jwk = next(k for k in world.ring.jwks()["keys"] if k["kid"] == kid)
    key = Ed25519PublicKey.from_public_bytes(_part(jwk["x"]))
    key.verify(_part(signature), f"{header_part}.{payload_part}".encode())  # raises if not


async def test_an_attestation_is_not_a_consent_record(world):
    result = await disclosed(world)
    container, now = world.container, world.clock.now()
    with pytest.raises(AttestationInvalid):
        container.verify_consent(result["attestation"], world.ring.jwks(), now=now)


async def test_the_attestation_carries_the_consent_id(world):
    result = await disclosed(world)
    claims = json.loads(_part(result["attestation"].split(".")[1]))
    assert claims["kyvs"]["consent_id"] == result["consent_id"]
