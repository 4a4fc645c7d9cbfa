"""Importing the registry from a FHIR R4 Bundle: one outcome per Patient, with its immunizations."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kyvs.domain import reference_ids
from kyvs.domain.doses import DoseKind
from kyvs.services.importing.fhir_format import parse_fhir_bundle
from kyvs.services.importing.outcomes import ParsedRow, RowError, RowOutcome
from tests.factories.people import a_dose, a_registration

from .samples import (
    CATALOGUE,
    CURRENT_YEAR,
    FHIR_FIELD_PATHS,
    bundle,
    bundle_text,
    immunization_resource,
    json_values,
    load,
    registration_lists,
    registrations,
    replace_at,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "import"


def parse(data: Any) -> list[RowOutcome]:
    text = data if isinstance(data, str | bytes) else json.dumps(data)
    return list(parse_fhir_bundle(text, catalogue=CATALOGUE, current_year=CURRENT_YEAR))


def only_row(data: Any) -> ParsedRow:
    outcomes = parse(data)
    assert len(outcomes) == 1
    assert isinstance(outcomes[0], ParsedRow), outcomes[0]
    return outcomes[0]


def only_error(data: Any) -> RowError:
    outcomes = parse(data)
    assert len(outcomes) == 1
    assert isinstance(outcomes[0], RowError), outcomes[0]
    return outcomes[0]


def asha_bundle() -> dict[str, Any]:
    """Asha with two Covishield doses: entries 1 (Patient/p1), 2 and 3 (Immunizations)."""
    asha = a_registration(
        a_dose("COVISHIELD", "2021-05-03", number=1),
        a_dose("COVISHIELD", "2021-08-02", number=2),
    )
    return bundle([asha])


def resource(data: dict[str, Any], entry: int) -> dict[str, Any]:
    """The resource of a 1-based entry, to edit in place."""
    found: dict[str, Any] = data["entry"][entry - 1]["resource"]
    return found


# --- round trips ---------------------------------------------------------------------------------


@given(registration_lists, st.sampled_from(["collection", "transaction", "batch"]))
def test_registrations_written_as_a_bundle_read_back_equal(people, bundle_type):
    report, registry = load(parse(bundle_text(people, bundle_type=bundle_type)), cap=100)
    assert report.errors == []
    assert (report.rows, report.imported) == (len(people), len(people))
    for person in people:
        assert registry.get(person.beneficiary.reference_id) == person


@given(registration_lists)
def test_reimporting_the_same_bundle_adds_nothing(people):
    text = bundle_text(people, with_reference_id=False).encode()
    _, registry = load(parse(text), cap=100)
    report, _ = load(parse(text), registry, cap=100)
    assert (report.imported, report.already_present, report.doses_added) == (0, len(people), 0)


def test_a_patient_without_reference_id_gets_the_id_a_csv_row_would_get():
    data = asha_bundle()
    resource(data, 1)["identifier"] = []
    row = only_row(data)
    derived = reference_ids.derived("9876543210", "asha patel", "1988")
    assert row.registration.beneficiary.reference_id == derived
    assert (row.line, row.where) == (1, "entry 1 (Patient/p1)")


# --- reading Patients ----------------------------------------------------------------------------


def test_a_name_from_given_and_family_a_full_birth_date_and_the_mobile_phone():
    data = asha_bundle()
    patient = resource(data, 1)
    patient["name"] = [
        {"use": "old", "text": "Asha Shah"},
        {"use": "official", "given": ["Asha", "R."], "family": "Patel"},
    ]
    patient["birthDate"] = "1988-02-29"
    patient["gender"] = "other"
    patient["telecom"] = [
        {"system": "email", "value": "asha@example.com"},
        {"system": "phone", "use": "home", "value": "020 2612 3456"},
        {"system": "phone", "use": "mobile", "value": "+91-90000-00001"},
    ]
    person = only_row(data).registration.beneficiary
    assert (person.full_name, person.birth_year) == ("Asha R. Patel", 1988)
    assert (person.gender.value, person.mobile.national) == ("O", "9000000001")


def test_a_photo_id_identifier_becomes_the_photo_id():
    data = asha_bundle()
    system = "https://kyvs.dev/fhir/photo-id/driving_licence"
    resource(data, 1)["identifier"].append({"system": system, "value": "mh12 20110012345"})
    photo = only_row(data).registration.beneficiary.photo_id
    assert photo is not None
    assert (photo.kind.value, photo.number) == ("DRIVING_LICENCE", "MH1220110012345")


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (
            "gender",
            "unknown",
            "gender: 'unknown' cannot be registered; it is male, female or other",
        ),
        ("gender", None, "gender: missing"),
        ("birthDate", "1988-02-30", "birthDate: '1988-02-30' is not a date"),
        ("birthDate", "88", "birthDate: '88' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"),
        ("birthDate", "2022", "birthDate: 2022 is after the first dose (2021-05-03)"),
        ("name", [], "name: missing"),
        ("name", "Asha", "name: name is not a list of objects"),
        ("telecom", [{"system": "phone", "value": "12345"}], "telecom: A mobile number has 10"),
        ("telecom", [], "telecom: no phone number"),
        (
            "identifier",
            [{"system": "https://kyvs.dev/fhir/beneficiary-reference-id", "value": "123"}],
            "identifier: A reference id has 14 digits",
        ),
    ],
)
def test_a_bad_patient_field_rejects_the_patient_and_its_doses(field, value, expected):
    data = asha_bundle()
    resource(data, 1)[field] = value
    error = only_error(data)
    assert (error.line, error.where) == (1, "entry 1 (Patient/p1)")
    assert expected in error.reason
    _, registry = load([error])
    assert registry.count() == 0


# --- reading Immunizations -----------------------------------------------------------------------


def test_doses_without_a_number_are_numbered_in_date_order():
    data = asha_bundle()
    for entry in (2, 3):
        del resource(data, entry)["protocolApplied"]
    resource(data, 2)["occurrenceDateTime"] = "2021-09-01"
    doses = only_row(data).registration.doses
    assert [(d.dose_number, d.date.isoformat()) for d in doses] == [
        (1, "2021-08-02"),
        (2, "2021-09-01"),
    ]


def test_a_dose_number_string_a_booster_series_a_performer_and_a_vaccine_named_in_text():
    data = asha_bundle()
    shot = resource(data, 3)
    shot["protocolApplied"] = [{"series": "COVID-19 Booster", "doseNumberString": "Dose 3"}]
    shot["vaccineCode"] = {"coding": [{"system": "urn:local", "code": "x"}], "text": "Covaxin"}
    del shot["location"]
    shot["performer"] = [{"actor": {"display": "Dr. Rao, PHC Anand"}}]
    dose = only_row(data).registration.doses[1]
    assert (dose.dose_number, dose.kind, dose.vaccine) == (3, DoseKind.PRECAUTION, "COVAXIN")
    assert dose.centre == "Dr. Rao, PHC Anand"


def test_a_cvx_coding_names_the_vaccine():
    data = asha_bundle()
    coding = {"system": "http://hl7.org/fhir/sid/cvx", "code": "207"}
    resource(data, 2)["vaccineCode"] = {"coding": [coding]}
    assert only_row(data).registration.doses[0].vaccine == "MODERNA"


@pytest.mark.parametrize("status", ["not-done", "entered-in-error", None])
def test_immunizations_not_completed_are_not_doses(status):
    data = asha_bundle()
    resource(data, 3)["status"] = status
    resource(data, 3)["patient"] = {"reference": "Patient/nobody"}
    assert len(only_row(data).registration.doses) == 1


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (
            "occurrenceDateTime",
            "2021-08",
            "occurrenceDateTime: '2021-08' does not start with a full date",
        ),
        ("occurrenceDateTime", None, "occurrenceDateTime: missing"),
        ("occurrenceDateTime", "2031-08-02", "occurrenceDateTime: 2031-08-02 is in the future"),
        ("vaccineCode", {"text": "Sputnik Heavy"}, "vaccineCode: Unknown vaccine 'Sputnik Heavy'"),
        (
            "vaccineCode",
            {"coding": [{"system": "urn:x", "code": "1"}]},
            "No known vaccine among the codings urn:x|1",
        ),
        ("vaccineCode", {}, "vaccineCode: neither a coding nor a text names the vaccine"),
        (
            "protocolApplied",
            [{"doseNumberPositiveInt": 0}],
            "doseNumberPositiveInt is not a positive",
        ),
        ("protocolApplied", [{"doseNumberPositiveInt": 12}], "Dose number is between 1 and 9"),
        (
            "protocolApplied",
            [{"doseNumberString": "first"}],
            "doseNumberString 'first' holds no dose",
        ),
        ("lotNumber", 42, "lotNumber: lotNumber is not a string"),
    ],
)
def test_a_bad_immunization_rejects_its_patient_naming_the_entry(field, value, expected):
    data = asha_bundle()
    resource(data, 3)[field] = value
    error = only_error(data)
    assert (error.line, error.where) == (1, "entry 1 (Patient/p1)")
    assert "entry 3 (Immunization/p1-d2)" in error.reason
    assert expected in error.reason
    _, registry = load([error])
    assert registry.count() == 0


def test_two_immunizations_with_the_same_dose_number_are_refused():
    data = asha_bundle()
    resource(data, 3)["protocolApplied"] = [{"doseNumberPositiveInt": 1}]
    reason = only_error(data).reason
    assert (
        "entry 2 (Immunization/p1-d1) and entry 3 (Immunization/p1-d2): each record dose 1"
        in reason
    )


def test_more_than_nine_completed_immunizations_are_refused():
    data = asha_bundle()
    extra = resource(data, 3)
    for n in range(3, 11):
        shot = copy.deepcopy(extra) | {"id": f"extra-{n}", "protocolApplied": []}
        data["entry"].append({"resource": shot})
    reason = only_error(data).reason
    assert reason == "Immunization: 10 completed; a person has at most 9"


# --- bundle-level problems -----------------------------------------------------------------------


def test_an_immunization_for_a_patient_not_in_the_bundle_is_named():
    data = asha_bundle()
    stray = immunization_resource("Patient/ghost", a_dose(number=1), "stray")
    data["entry"].insert(0, {"resource": stray})
    first, second = parse(data)
    assert isinstance(first, RowError)
    assert (first.line, first.where) == (1, "entry 1 (Immunization/stray)")
    assert "patient 'Patient/ghost' is not in the bundle" in first.reason
    assert isinstance(second, ParsedRow)
    assert (second.line, len(second.registration.doses)) == (2, 2)


def test_a_patient_repeated_in_the_bundle_is_refused_the_second_time():
    data = asha_bundle()
    data["entry"].append(copy.deepcopy(data["entry"][0]))
    first, second = parse(data)
    assert isinstance(first, ParsedRow)
    assert isinstance(second, RowError)
    assert (second.line, second.reason) == (4, "The bundle already has this patient at entry 1.")


def test_an_entry_without_a_resource_is_reported_and_other_resources_ignored():
    data = asha_bundle()
    data["entry"] += [{"request": {"method": "DELETE"}}, {"resource": {"resourceType": "Location"}}]
    outcomes = parse(data)
    assert [type(o).__name__ for o in outcomes] == ["ParsedRow", "RowError"]
    assert outcomes[1] == RowError(4, "The entry has no resource.", "entry 4")


def test_broken_json_is_one_error_on_its_line():
    error = only_error('{\n  "resourceType": "Bundle",\n  "type": "collection"\n  "entry": []\n}')
    assert error.line == 4
    assert "not valid JSON" in error.reason


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param({"resourceType": "Patient"}, "not a FHIR Bundle", id="patient"),
        pytest.param([1, 2], "not a FHIR Bundle", id="array"),
        pytest.param(
            {"resourceType": "Bundle", "type": "searchset"}, "'searchset'", id="searchset"
        ),
        pytest.param({"resourceType": "Bundle"}, "Bundle type is missing", id="no-type"),
        pytest.param(
            {"resourceType": "Bundle", "type": "batch", "entry": {}}, "not a list", id="entry"
        ),
        pytest.param(b"\xff\xfe{}", "not UTF-8", id="bytes"),
        pytest.param("[" * 50_000, "not valid JSON", id="deep"),
    ],
)
def test_a_file_that_is_not_a_usable_bundle_is_one_error_on_line_1(document, expected):
    error = only_error(document)
    assert error.line == 1
    assert expected in error.reason


def test_an_empty_bundle_yields_nothing():
    assert parse({"resourceType": "Bundle", "type": "collection"}) == []


def test_the_sample_bundle_loads_its_good_patient_and_reports_the_rest():
    text = (FIXTURES / "bundle.json").read_bytes()
    report, registry = load(parse(text))
    assert (report.rows, report.imported, report.doses_added) == (3, 1, 3)
    assert [(e.line, e.where) for e in report.errors] == [
        (5, "entry 5 (Patient/meera)"),
        (8, "entry 8 (Immunization/i-ghost)"),
    ]
    ravi = registry.get("12345678901230")
    assert ravi is not None
    assert [(d.dose_number, d.vaccine, d.kind) for d in ravi.doses] == [
        (1, "COVAXIN", DoseKind.PRIMARY),
        (2, "COVAXIN", DoseKind.PRIMARY),
        (3, "CORBEVAX", DoseKind.PRECAUTION),
    ]
    assert [d.centre for d in ravi.doses] == ["Urban PHC Ward 4", "Anand Civil Hospital", ""]


# --- properties ----------------------------------------------------------------------------------


@given(registrations(), st.sampled_from(FHIR_FIELD_PATHS), json_values)
def test_any_json_in_any_field_gives_outcomes_and_never_a_partial_person(person, path, junk):
    assume(person.doses or path[:2] != ("entry", 1))
    data = bundle([person])
    replace_at(data, path, junk)
    outcomes = parse(data)
    assert all(isinstance(o, (ParsedRow, RowError)) for o in outcomes)
    _, registry = load(outcomes)
    parsed = [o for o in outcomes if isinstance(o, ParsedRow)]
    assert registry.count() == len(parsed) <= 1
    for row in parsed:
        assert registry.get(row.registration.beneficiary.reference_id) == row.registration


@given(json_values | st.text(max_size=200) | st.binary(max_size=200))
def test_any_document_at_all_parses_without_raising(document):
    text = document if isinstance(document, str | bytes) else json.dumps(document)
    outcomes = parse(text)
    assert all(isinstance(o, (ParsedRow, RowError)) for o in outcomes)
