"""Consent records: what one says, in the Account Aggregator artefact's words."""

from __future__ import annotations

import datetime as dt

import pytest

from kyvs.domain.consent import (
    CHANNELS,
    ConsentRecord,
    NoticeRef,
    artefact,
    consent_claims,
    disclosed_field_paths,
    record_from_claims,
)

GIVEN = dt.datetime(2026, 12, 7, 10, 30, tzinfo=dt.UTC)
RECORD = ConsentRecord(
    consent_id="5f0c6a1e-8d1b-4c37-9a55-2f3f1b7e9d10",
    txn_id="9b9f0000-0000-4000-8000-000000000001",
    beneficiary_ref="70000000000214",
    provider_id="prov-yatra",
    provider_name="Yatra Travels",
    purpose="travel",
    fields=("vaccination_status", "status", "beneficiary.name"),
    notice=NoticeRef("3", "ab" * 32, "hi"),
    channel="hosted",
    given_at=GIVEN,
    expires_at=GIVEN + dt.timedelta(days=1),
)


def test_the_fields_are_the_results_keys_with_nested_ones_dotted_and_no_bookkeeping():
    result = {
        "txn_id": "t",
        "vaccination_status": 2,
        "status": "FULLY_VACCINATED",
        "beneficiary": {"name": "Asha", "birth_year": 1985},
        "vaccinations": [{"dose": 1}],
        "consent_id": "c",
        "attestation": "x.y.z",
    }
    assert disclosed_field_paths(result) == (
        "vaccination_status",
        "status",
        "beneficiary.name",
        "beneficiary.birth_year",
        "vaccinations",
    )


def test_the_claims_name_the_person_the_provider_and_are_kept_as_proof_for_a_year():
    claims = consent_claims(RECORD, issuer="kyvs-consent", kept_for=dt.timedelta(days=365))
    assert claims["jti"] == RECORD.consent_id
    assert claims["sub"] == "70000000000214"
    assert claims["aud"] == "prov-yatra"
    assert claims["exp"] - claims["iat"] == 365 * 86400
    body = claims["consent"]
    assert body["consentStart"] == "2026-12-07T10:30:00Z"
    assert body["consentExpiry"] == "2026-12-08T10:30:00Z"
    assert body["consentMode"] == "OTP"
    assert body["DataConsumer"] == {"id": "prov-yatra", "name": "Yatra Travels"}
    assert body["notice"] == {"version": "3", "sha256": "ab" * 32, "language": "hi"}


def test_a_record_reads_back_from_its_claims():
    claims = consent_claims(RECORD, issuer="kyvs-consent", kept_for=dt.timedelta(days=365))
    assert record_from_claims(claims) == RECORD
    assert artefact(record_from_claims(claims)) == artefact(RECORD)


@pytest.mark.parametrize("channel", ["sms", "", "API"])
def test_only_known_channels(channel):
    assert channel not in CHANNELS
    with pytest.raises(ValueError, match="channel"):
        ConsentRecord(**{**_fields(), "channel": channel})


def test_a_consent_expires_after_it_is_given():
    with pytest.raises(ValueError, match="expires"):
        ConsentRecord(**{**_fields(), "expires_at": GIVEN})


def _fields() -> dict:
    return {name: getattr(RECORD, name) for name in RECORD.__slots__}
