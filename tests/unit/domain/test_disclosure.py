"""What a confirmed verification discloses: the status always; dose events with `vaccinations`;
name, birth year and gender with `demographics`; never the mobile, an ID number, a centre or a
batch, whatever the scopes."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest

from kyvs.domain.disclosure import DEMOGRAPHICS, VACCINATIONS, disclosed_fields
from kyvs.domain.doses import DoseKind
from kyvs.domain.people import Registration
from kyvs.domain.status import status_of
from kyvs.rules import load_rule_set
from tests.factories.people import AADHAAR, a_dose, a_registration

RULES = load_rule_set()
VERIFIED_AT = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
TXN = "2f1c7a52-8d1e-4c39-9a59-3c0f4a1b6e77"
STATUS_FIELDS = {
    "txn_id",
    "vaccination_status",
    "status",
    "status_text",
    "precaution_dose",
    "verified_at",
}
ALL_SCOPES = ["status", VACCINATIONS, DEMOGRAPHICS]


def boosted_asha() -> Registration:
    return a_registration(
        a_dose("COVISHIELD", "2021-05-01", number=1, centre="PHC Anand", batch="4121Z025"),
        a_dose("COVISHIELD", "2021-08-01", number=2, centre="CHC Borsad", batch="4121Z031"),
        a_dose(
            "COVISHIELD",
            "2022-07-15",
            number=3,
            kind=DoseKind.PRECAUTION,
            centre="SDH Petlad",
            batch="4122A007",
        ),
        name="Asha Patel",
        mobile="9876543210",
        birth_year=1988,
        photo_id=AADHAAR,
    )


def disclose(
    registration: Registration, *scopes: str, verified_at: dt.datetime = VERIFIED_AT
) -> dict:
    return disclosed_fields(
        registration,
        status_of(registration.doses, RULES, verified_at.date()),
        frozenset({"status", *scopes}),
        txn_id=TXN,
        verified_at=verified_at,
        status_text="Fully vaccinated",
    )


def test_the_status_scope_alone_discloses_only_the_status():
    result = disclose(boosted_asha())
    assert result == {
        "txn_id": TXN,
        "vaccination_status": 2,
        "status": "FULLY_VACCINATED",
        "status_text": "Fully vaccinated",
        "precaution_dose": True,
        "verified_at": "2026-11-23T10:00:00Z",
    }


def test_the_verification_time_is_shown_in_utc():
    india = dt.timezone(dt.timedelta(hours=5, minutes=30))
    result = disclose(boosted_asha(), verified_at=VERIFIED_AT.astimezone(india))
    assert result["verified_at"] == "2026-11-23T10:00:00Z"


def test_the_vaccinations_scope_adds_each_dose_without_centre_or_batch():
    result = disclose(boosted_asha(), VACCINATIONS)
    assert set(result) == STATUS_FIELDS | {"vaccinations"}
    assert result["vaccinations"] == [
        {"vaccine": "COVISHIELD", "dose": 1, "kind": "primary", "date": "2021-05-01"},
        {"vaccine": "COVISHIELD", "dose": 2, "kind": "primary", "date": "2021-08-01"},
        {"vaccine": "COVISHIELD", "dose": 3, "kind": "precaution", "date": "2022-07-15"},
    ]


def test_doses_are_listed_in_date_order_whatever_the_registry_order():
    registration = a_registration(
        a_dose("COVAXIN", "2021-09-01", number=2),
        a_dose("COVAXIN", "2021-06-01", number=1),
    )
    result = disclose(registration, VACCINATIONS)
    assert [v["date"] for v in result["vaccinations"]] == ["2021-06-01", "2021-09-01"]


def test_the_demographics_scope_adds_the_person_with_a_masked_reference_id():
    registration = boosted_asha()
    result = disclose(registration, DEMOGRAPHICS)
    assert set(result) == STATUS_FIELDS | {"beneficiary"}
    assert result["beneficiary"] == {
        "name": "Asha Patel",
        "birth_year": 1988,
        "gender": "F",
        "reference_id_masked": "XXXXXXXXXX" + registration.beneficiary.reference_id[-4:],
    }


def test_both_scopes_add_both():
    assert set(disclose(boosted_asha(), VACCINATIONS, DEMOGRAPHICS)) == STATUS_FIELDS | {
        "vaccinations",
        "beneficiary",
    }


@pytest.mark.parametrize(
    "scopes",
    [combo for n in range(len(ALL_SCOPES) + 1) for combo in itertools.combinations(ALL_SCOPES, n)],
)
def test_no_scope_ever_discloses_the_mobile_an_id_number_a_centre_or_a_batch(scopes):
    registration = boosted_asha()
    text = json.dumps(disclose(registration, *scopes), ensure_ascii=False)
    never = [
        "9876543210",  # the mobile
        AADHAAR.number,
        registration.beneficiary.reference_id,  # only its last four digits, masked
        "PHC Anand",
        "CHC Borsad",
        "SDH Petlad",
        "4121Z025",
        "4121Z031",
        "4122A007",
    ]
    assert [secret for secret in never if secret in text] == []
    assert not {"mobile", "photo_id", "centre", "batch"} & set(_all_keys(json.loads(text)))


def _all_keys(value: object) -> list[str]:
    if isinstance(value, dict):
        return [*value, *(k for v in value.values() for k in _all_keys(v))]
    if isinstance(value, list):
        return [k for v in value for k in _all_keys(v)]
    return []


def test_doses_given_after_the_verification_are_not_disclosed():
    # A record back-dated or replayed: the disclosure is as of `verified_at`, like the status.
    registration = boosted_asha()
    result = disclose(
        registration, VACCINATIONS, verified_at=dt.datetime(2021, 9, 1, tzinfo=dt.UTC)
    )
    assert [v["dose"] for v in result["vaccinations"]] == [1, 2]
    assert result["precaution_dose"] is False


def test_a_dose_given_on_the_day_of_the_verification_is_disclosed():
    registration = boosted_asha()
    on_the_day = dt.datetime(2021, 8, 1, 18, 0, tzinfo=dt.UTC)
    result = disclose(registration, VACCINATIONS, verified_at=on_the_day)
    assert [v["dose"] for v in result["vaccinations"]] == [1, 2]
    assert result["status"] == "FULLY_VACCINATED"


def test_a_person_with_no_doses_is_not_vaccinated_and_has_an_empty_list():
    result = disclose(a_registration(), VACCINATIONS)
    assert (result["vaccination_status"], result["status"]) == (0, "NOT_VACCINATED")
    assert result["vaccinations"] == []
