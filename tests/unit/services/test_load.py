"""Bulk loading: batches, people already present, the per-mobile cap and duplicate reference ids."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyvs.adapters.memory.registry import MemoryRegistry
from kyvs.domain.mobile import MobileNumber
from kyvs.services.importing.load import (
    LoadReport,
    load_registrations,
    registrations_as_outcomes,
)
from kyvs.services.importing.outcomes import ParsedRow, RowError, RowOutcome
from tests.factories.people import a_dose, a_registration, fully_vaccinated

from .samples import registrations

HOUSEHOLD = "9000000001"


def rows(*registrations) -> list[RowOutcome]:
    return list(registrations_as_outcomes(registrations))


def run(outcomes, registry=None, *, cap=6, batch_size=5000) -> tuple[LoadReport, MemoryRegistry]:
    registry = registry if registry is not None else MemoryRegistry()
    report = load_registrations(
        outcomes, registry=registry, max_per_mobile=cap, batch_size=batch_size
    )
    return report, registry


def test_new_people_and_their_doses_are_imported():
    report, registry = run(rows(fully_vaccinated(), a_registration(mobile="9000000002")))
    assert report == LoadReport(rows=2, imported=2, already_present=0, doses_added=2, errors=[])
    assert registry.count() == 2


def test_registrations_become_outcomes_numbered_from_one():
    first, second = a_registration(), a_registration()
    assert list(registrations_as_outcomes([first, second])) == [
        ParsedRow(1, first),
        ParsedRow(2, second),
    ]


def test_people_already_present_are_kept_and_only_their_missing_doses_added():
    stored = a_registration(a_dose(number=1))
    registry = MemoryRegistry([stored])
    again = a_registration(
        a_dose(centre="changed", number=1),
        a_dose(date="2021-08-01", number=2),
        reference_id=stored.beneficiary.reference_id,
        birth_year=stored.beneficiary.birth_year + 1,
    )
    report, _ = run(rows(again), registry)
    assert (report.imported, report.already_present, report.doses_added) == (0, 1, 1)
    found = registry.get(stored.beneficiary.reference_id)
    assert found is not None
    assert found.beneficiary == stored.beneficiary
    assert found.doses == (stored.doses[0], again.doses[1])


@pytest.mark.parametrize("change", [{"name": "Someone Else"}, {"mobile": "9000000009"}])
def test_a_row_whose_reference_id_is_registered_to_another_person_is_refused(change):
    stored = a_registration(a_dose(number=1))
    registry = MemoryRegistry([stored])
    other = a_registration(
        a_dose(date="2021-08-01", number=2), reference_id=stored.beneficiary.reference_id, **change
    )
    report, _ = run(rows(other), registry)
    assert (report.imported, report.already_present, report.doses_added) == (0, 0, 0)
    [error] = report.errors
    assert error.line == 1
    assert "registered to another person" in error.reason
    assert stored.beneficiary.reference_id not in error.reason  # masked, never in full
    assert registry.get(stored.beneficiary.reference_id) == stored


def test_parse_errors_are_reported_and_counted_as_rows():
    error = RowError(2, "birth_year: 'x' is not a year")
    report, registry = run([error, ParsedRow(3, a_registration())])
    assert (report.rows, report.imported, report.errors) == (2, 1, [error])
    assert registry.count() == 1


# --- the per-mobile cap --------------------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [1, 2, 5000])
def test_a_mobile_takes_no_more_people_than_the_cap(batch_size):
    registry = MemoryRegistry(a_registration(name=f"P{i}", mobile=HOUSEHOLD) for i in range(4))
    newcomers = [a_registration(name=f"N{i}", mobile=HOUSEHOLD) for i in range(3)]
    report, registry = run(rows(*newcomers), registry, batch_size=batch_size)
    assert report.imported == 2
    assert report.errors == [
        RowError(3, "mobile: XXXXXX0001 already holds 6 people (the most a mobile may hold)")
    ]
    assert registry.count_on_mobiles([HOUSEHOLD]) == {HOUSEHOLD: 6}
    assert registry.get(newcomers[2].beneficiary.reference_id) is None


def test_people_already_present_do_not_count_twice_against_the_cap():
    household = [fully_vaccinated(name=f"P{i}", mobile=HOUSEHOLD) for i in range(6)]
    _, registry = run(rows(*household))
    report, registry = run(rows(*household), registry)
    assert (report.already_present, report.errors) == (6, [])
    assert len(registry.on_mobile(MobileNumber(HOUSEHOLD))) == 6


def test_the_cap_keeps_the_location_of_a_fhir_patient():
    full = ParsedRow(7, a_registration(mobile=HOUSEHOLD), "entry 7 (Patient/p7)")
    report, _ = run([ParsedRow(1, a_registration(mobile=HOUSEHOLD)), full], cap=1)
    assert [(e.line, e.where) for e in report.errors] == [(7, "entry 7 (Patient/p7)")]


# --- duplicate reference ids ---------------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [1, 5000])
def test_a_reference_id_repeated_in_one_load_is_refused_on_the_later_row(batch_size):
    first = a_registration(a_dose(number=1))
    repeat = a_registration(a_dose(number=2), reference_id=first.beneficiary.reference_id)
    report, registry = run(rows(first, a_registration(), repeat), batch_size=batch_size)
    assert [e.line for e in report.errors] == [3]
    assert "reference_id: XXXXXXXXXX" in report.errors[0].reason
    assert "already used by an earlier row" in report.errors[0].reason
    assert (report.imported, report.doses_added) == (2, 1)
    assert registry.get(first.beneficiary.reference_id) == first


# --- batches, order and progress -----------------------------------------------------------------


def test_errors_keep_file_order_across_batches_and_kinds():
    people = [a_registration(name=f"P{i}", mobile=HOUSEHOLD) for i in range(3)]
    outcomes: list[RowOutcome] = [
        ParsedRow(2, people[0]),
        RowError(3, "gender: bad"),
        ParsedRow(4, people[1]),
        ParsedRow(5, people[0]),
        RowError(6, "mobile: bad"),
        ParsedRow(7, people[2]),
    ]
    report, _ = run(outcomes, cap=1, batch_size=4)
    assert [e.line for e in report.errors] == [3, 4, 5, 6, 7]


def test_progress_is_told_how_many_rows_each_batch_handled():
    seen: list[int] = []
    people = (a_registration(mobile=f"90000000{i:02d}") for i in range(7))
    report = load_registrations(
        registrations_as_outcomes(people),
        registry=MemoryRegistry(),
        max_per_mobile=6,
        batch_size=3,
        progress=seen.append,
    )
    assert seen == [3, 3, 1]
    assert report.rows == 7


def test_an_empty_input_loads_nothing():
    report, registry = run([])
    assert report == LoadReport(0, 0, 0, 0, [])
    assert registry.count() == 0


def test_a_batch_size_below_one_is_a_programming_error():
    with pytest.raises(ValueError, match="batch_size"):
        run([], batch_size=0)


# --- properties ----------------------------------------------------------------------------------

_FEW_MOBILES = st.sampled_from([MobileNumber("9000000001"), MobileNumber("9000000002")])


@given(
    st.lists(
        st.one_of(
            _FEW_MOBILES.flatmap(lambda m: registrations(mobile=m)),
            st.just(RowError(0, "bad")),
        ),
        max_size=20,
    ),
    st.integers(1, 7),
    st.integers(1, 4),
)
def test_every_row_is_accounted_for_and_no_mobile_exceeds_the_cap(items, batch_size, cap):
    outcomes = [
        ParsedRow(i, item) if not isinstance(item, RowError) else RowError(i, "bad")
        for i, item in enumerate(items, start=1)
    ]
    report, registry = run(outcomes, cap=cap, batch_size=batch_size)
    assert report.rows == len(outcomes)
    assert report.imported + report.already_present + len(report.errors) == report.rows
    assert registry.count() == report.imported
    assert all(n <= cap for n in registry.count_on_mobiles(["9000000001", "9000000002"]).values())
    assert [e.line for e in report.errors] == sorted(e.line for e in report.errors)
    for row in outcomes:
        if isinstance(row, ParsedRow) and row.line not in {e.line for e in report.errors}:
            assert registry.get(row.registration.beneficiary.reference_id) == row.registration
