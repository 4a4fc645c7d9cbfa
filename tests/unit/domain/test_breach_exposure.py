"""Who a breach's window exposed: people with a disclosure, listed masked; the others counted."""

from __future__ import annotations

import datetime as dt

from kyvs.domain import reference_ids
from kyvs.domain.breach_exposure import AccessRecord, ApiActivity, exposure_of
from kyvs.domain.mobile import MobileNumber

T0 = dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.UTC)
ASHA = reference_ids.make("7000000000001")
RAVI = reference_ids.make("7000000000002")
MEERA = reference_ids.make("7000000000003")


def entry(ref: str, outcome: str = "verified", minutes: int = 0, **more: object) -> AccessRecord:
    return AccessRecord(
        beneficiary_ref=ref,
        provider_id=str(more.get("provider_id", "prv_yatra")),
        provider_name="Yatra Travels",
        scopes=frozenset(more.get("scopes", {"status"})),  # type: ignore[call-overload]
        outcome=outcome,
        at=T0 + dt.timedelta(minutes=minutes),
    )


def test_people_with_a_disclosure_are_listed_in_order_of_their_first_one_with_all_of_them():
    records = [
        entry(RAVI, minutes=5),
        entry(ASHA, minutes=10, scopes={"status", "vaccinations"}),
        entry(RAVI, minutes=1, scopes={"status", "demographics"}),
    ]

    exposure = exposure_of(records, {ASHA: MobileNumber("9876543210")})

    assert [p.reference_id for p in exposure.people] == [RAVI, ASHA]
    ravi = exposure.people[0]
    assert [d.at for d in ravi.disclosures] == [
        T0 + dt.timedelta(minutes=1),
        T0 + dt.timedelta(minutes=5),
    ]
    assert ravi.scopes == {"status", "demographics"}
    assert exposure.disclosed_scopes == ("demographics", "status", "vaccinations")


def test_people_only_asked_for_an_otp_are_counted_not_listed_and_nobody_is_skipped():
    records = [
        entry(ASHA, "requested"),
        entry(ASHA, "verified", minutes=2),
        entry(RAVI, "requested"),
        entry(RAVI, "locked", minutes=3),
        entry(MEERA, "undelivered"),
        entry("", "locked"),  # a txn that matched no one
    ]

    exposure = exposure_of(records, {})

    assert [p.reference_id for p in exposure.people] == [ASHA]
    assert exposure.asked_only == 2


def test_an_affected_person_shows_only_masked_numbers():
    person = exposure_of([entry(ASHA)], {ASHA: MobileNumber("9876543210")}).people[0]

    assert person.reference_id_masked == "XXXXXXXXXX" + ASHA[-4:]
    assert person.mobile_masked == "XXXXXX3210"
    assert "9876543210" not in repr(person)


def test_someone_no_longer_registered_is_listed_without_a_mobile():
    person = exposure_of([entry(ASHA)], {}).people[0]

    assert (person.mobile, person.mobile_masked) == (None, None)


def test_the_api_activity_is_passed_through():
    calls = ApiActivity("prv_yatra", "/api/v1/verifications", 12, T0, T0)

    assert exposure_of([], {}, [calls]).api_activity == (calls,)
