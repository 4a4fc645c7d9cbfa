"""An attestation claims who said it, to whom, when, until when, and what was disclosed."""

from __future__ import annotations

import datetime as dt

import pytest

from kyvs.domain.attestations import attestation_claims

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def claims(**overrides):
    arguments = {
        "txn_id": "txn-1",
        "provider_id": "provider-1",
        "disclosed": {"vaccination_status": 2},
        "issued_at": NOW,
        "lifetime": dt.timedelta(days=30),
        "issuer": "https://kyvs.example",
    } | overrides
    return attestation_claims(**arguments)


def test_the_claims_are_the_registered_ones_and_the_disclosed_fields():
    assert claims() == {
        "iss": "https://kyvs.example",
        "iat": 1795428000,
        "exp": 1795428000 + 30 * 86400,
        "jti": "txn-1",
        "aud": "provider-1",
        "kyvs": {"vaccination_status": 2},
    }


def test_times_are_whole_seconds_in_utc():
    india = dt.timezone(dt.timedelta(hours=5, minutes=30))
    issued = claims(issued_at=NOW.astimezone(india) + dt.timedelta(microseconds=999))
    assert issued["iat"] == 1795428000


def test_the_disclosed_fields_are_copied():
    disclosed = {"vaccination_status": 1}
    made = claims(disclosed=disclosed)
    disclosed["vaccination_status"] = 2
    assert made["kyvs"] == {"vaccination_status": 1}


@pytest.mark.parametrize(
    "overrides",
    [{"issued_at": NOW.replace(tzinfo=None)}, {"lifetime": dt.timedelta(0)}],
)
def test_a_naive_time_or_an_empty_lifetime_is_refused(overrides):
    with pytest.raises(ValueError):
        claims(**overrides)


def test_a_hosted_check_adds_its_session_and_the_providers_nonce():
    bound = claims(bound_to={"hosted_session": "s-1", "nonce": "n-1"})
    assert (bound["hosted_session"], bound["nonce"]) == ("s-1", "n-1")
    assert {k: v for k, v in bound.items() if k not in {"hosted_session", "nonce"}} == claims()


def test_binding_claims_cannot_replace_the_registered_ones():
    with pytest.raises(ValueError, match="binding claims"):
        claims(bound_to={"aud": "someone-else"})
