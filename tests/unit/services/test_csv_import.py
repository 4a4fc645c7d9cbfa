"""Importing the registry from CSV: one person per row, every problem reported with its line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyvs.domain import reference_ids
from kyvs.domain.doses import DoseKind
from kyvs.services.importing.csv_format import parse_csv
from kyvs.services.importing.outcomes import ParsedRow, RowError, RowOutcome
from tests.factories.people import a_dose, a_registration

from .samples import (
    CATALOGUE,
    CURRENT_YEAR,
    HEADER,
    csv_cells,
    load,
    registration_lists,
    registrations,
    write_csv,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "import"


def parse(text: str) -> list[RowOutcome]:
    stream = io.StringIO(text, newline="")
    return list(parse_csv(stream, catalogue=CATALOGUE, current_year=CURRENT_YEAR))


def only_error(text: str) -> RowError:
    outcomes = parse(text)
    assert len(outcomes) == 1
    assert isinstance(outcomes[0], RowError), outcomes[0]
    return outcomes[0]


ASHA = {
    "full_name": "Asha Patel",
    "birth_year": "1988",
    "gender": "F",
    "mobile": "98765 43210",
    "dose1_vaccine": "Covishield",
    "dose1_date": "2021-05-03",
    "dose2_vaccine": "COVISHIELD",
    "dose2_date": "2021-08-02",
}


# --- round trips ---------------------------------------------------------------------------------


@given(registration_lists)
def test_registrations_written_to_csv_read_back_equal(people):
    report, registry = load(parse(write_csv(people)), cap=100)
    assert report.errors == []
    assert (report.rows, report.imported) == (len(people), len(people))
    assert report.doses_added == sum(len(p.doses) for p in people)
    for person in people:
        assert registry.get(person.beneficiary.reference_id) == person


@given(registration_lists)
def test_reimporting_the_same_file_adds_nothing(people):
    text = write_csv(people, with_reference_id=False)
    _, registry = load(parse(text), cap=100)
    report, registry = load(parse(text), registry, cap=100)
    assert (report.imported, report.already_present, report.doses_added) == (0, len(people), 0)
    assert report.errors == []
    assert registry.count() == len(people)


def test_a_row_without_reference_id_gets_a_stable_derived_one():
    first = parse(write_csv([ASHA]))
    again = parse(write_csv([ASHA | {"full_name": " asha   PATEL "}]))
    assert isinstance(first[0], ParsedRow)
    assert isinstance(again[0], ParsedRow)
    ref = first[0].registration.beneficiary.reference_id
    assert reference_ids.is_valid(ref)
    assert again[0].registration.beneficiary.reference_id == ref
    assert ref == reference_ids.derived("9876543210", "asha patel", "1988")


def test_a_second_file_with_one_more_dose_adds_only_that_dose():
    one = a_registration(a_dose(number=1))
    two = a_registration(
        a_dose(number=1),
        a_dose(date="2021-08-01", number=2),
        reference_id=one.beneficiary.reference_id,
    )
    _, registry = load(parse(write_csv([one])))
    report, registry = load(parse(write_csv([two])), registry)
    assert (report.imported, report.already_present, report.doses_added) == (0, 1, 1)
    assert registry.get(one.beneficiary.reference_id) == two


# --- the header ----------------------------------------------------------------------------------


def test_column_names_ignore_case_and_order_and_a_byte_order_mark():
    text = '\ufeff"MOBILE",Gender, Full_Name ,BIRTH_YEAR\n9876543210,m,Ravi Kumar,1990\n'
    (row,) = parse(text)
    assert isinstance(row, ParsedRow)
    assert row.registration.beneficiary.full_name == "Ravi Kumar"
    assert row.registration.doses == ()


def test_an_empty_file_is_one_error_on_line_1():
    error = only_error("")
    assert error.line == 1
    assert "empty" in error.reason


def test_missing_required_columns_are_named_on_line_1():
    error = only_error("full_name,mobile\nAsha,9876543210\n")
    assert error.line == 1
    assert "missing required column(s) birth_year, gender" in error.reason


def test_unknown_columns_are_named():
    error = only_error("full_name,birth_year,gender,mobile,district,dose10_date\n")
    assert "unknown column(s) 'district', 'dose10_date'" in error.reason


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        pytest.param("id_type", "id_type and id_number come together", id="id-type-alone"),
        pytest.param("dose1_date", "dose1_vaccine and dose1_date come together", id="date-alone"),
        pytest.param("mobile", "repeated column(s) mobile", id="repeated"),
    ],
)
def test_columns_that_cannot_work_are_refused(extra, problem):
    error = only_error(f"full_name,birth_year,gender,mobile,{extra}\n")
    assert problem in error.reason


# --- bad rows ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("birth_year", "19x8", "birth_year: '19x8' is not a year"),
        ("birth_year", "1850", "birth_year: Birth year must be between 1900"),
        ("birth_year", "2022", "birth_year: 2022 is after the first dose (2021-05-03)"),
        ("full_name", "   ", "full_name: The full name is empty"),
        ("gender", "X", "gender: Gender is M (male), F (female) or O (other)"),
        ("mobile", "12345", "mobile: A mobile number has 10 digits"),
        ("mobile", "+1 415 555 0100", "mobile: Only Indian mobile numbers"),
        ("reference_id", "12345678901234", "reference_id: A reference id has 14 digits"),
        ("id_type", "library card", "id_type/id_number: give both"),
        ("dose1_date", "2021-02-30", "dose1_date: '2021-02-30' is not a date in the form YYYY"),
        ("dose1_date", "03/05/2021", "dose1_date: '03/05/2021' is not a date"),
        ("dose1_date", "20210503", "dose1_date: '20210503' is not a date"),
        ("dose2_date", "2031-01-01", "dose2_date: 2031-01-01 is in the future"),
        ("dose1_date", "", "dose1_date: missing; a dose needs both a vaccine and a date"),
        ("dose2_vaccine", "", "dose2_vaccine: missing; a dose needs both"),
        ("dose1_vaccine", "Sputnik Heavy", "dose1_vaccine: Unknown vaccine 'Sputnik Heavy'"),
        ("dose1_kind", "third", "dose1_kind: Dose kind is `primary` or `precaution`"),
        ("dose1_centre", "C" * 201, "dose1: Centre and batch have at most 200 characters"),
    ],
)
def test_a_bad_cell_rejects_the_whole_row_naming_the_column(column, value, expected):
    header = [*HEADER[:7], *HEADER[7:17]]  # the person and two doses
    text = write_csv([ASHA | {column: value}], header=header)
    error = only_error(text)
    assert error.line == 2
    assert expected in error.reason
    report, registry = load([error])
    assert registry.count() == 0
    assert report.errors == [error]


@pytest.mark.parametrize(
    ("kind", "number", "expected"),
    [
        pytest.param("AADHAAR", "2341 2341 2347", "not a valid Aadhaar number", id="aadhaar"),
        pytest.param("PAN", "ABCDE1234F", "not a valid PAN", id="pan"),
    ],
)
def test_a_photo_id_number_that_breaks_its_rules_rejects_the_row_without_showing_it(
    kind, number, expected
):
    header = [*HEADER[:7], *HEADER[7:17]]
    error = only_error(write_csv([ASHA | {"id_type": kind, "id_number": number}], header=header))
    assert f"id_type/id_number: This is {expected}" in error.reason
    assert "".join(number.split())[-4:] not in error.reason


def test_every_problem_of_a_row_is_reported_at_once():
    text = write_csv([ASHA | {"birth_year": "x", "mobile": "1", "dose1_vaccine": "nope"}])
    reason = only_error(text).reason
    assert reason.index("birth_year:") < reason.index("mobile:") < reason.index("dose1_vaccine:")


def test_a_row_with_the_wrong_number_of_cells_is_refused():
    error = only_error("full_name,birth_year,gender,mobile\nAsha,1988,F\n")
    assert (error.line, error.reason) == (2, "The row has 3 cells; the header has 4.")


def test_an_id_type_and_number_become_a_photo_id():
    (row,) = parse(write_csv([ASHA | {"id_type": "voter id", "id_number": "abc 1234567"}]))
    assert isinstance(row, ParsedRow)
    photo = row.registration.beneficiary.photo_id
    assert photo is not None
    assert (photo.kind.value, photo.number) == ("VOTER_ID", "ABC1234567")


def test_booster_is_read_as_a_precaution_dose_and_kind_defaults_to_primary():
    (row,) = parse(write_csv([ASHA | {"dose2_kind": "Booster"}]))
    assert isinstance(row, ParsedRow)
    kinds = [dose.kind for dose in row.registration.doses]
    assert kinds == [DoseKind.PRIMARY, DoseKind.PRECAUTION]


# --- line numbers --------------------------------------------------------------------------------


def test_line_numbers_count_physical_lines_of_quoted_multi_line_cells_and_blank_lines():
    text = (
        "full_name,birth_year,gender,mobile,dose1_vaccine,dose1_date,dose1_centre\n"
        'Asha Patel,1988,F,9876543210,COVISHIELD,2021-05-03,"Urban PHC\nWard 4\nPune"\n'
        "\n"
        "Ravi,19x0,M,9876543211,,,\n"
        ",,,,,,\n"
        'Meera,1990,F,9876543212,COVAXIN,2021-13-01,"two\nlines"\n'
        "Sunil,1975,M,9876543213,,,\n"
    )
    outcomes = parse(text)
    assert [(type(o).__name__, o.line) for o in outcomes] == [
        ("ParsedRow", 2),
        ("RowError", 6),
        ("RowError", 8),
        ("ParsedRow", 10),
    ]
    first = outcomes[0]
    assert isinstance(first, ParsedRow)
    assert first.registration.doses[0].centre == "Urban PHC\nWard 4\nPune"


def test_a_line_the_csv_reader_refuses_is_reported_and_the_rest_still_read():
    huge = "A" * 200_000  # beyond the csv module's field size limit
    text = f"full_name,birth_year,gender,mobile\n{huge},1988,F,9876543210\nRavi,1990,M,9876543211\n"
    outcomes = parse(text)
    assert isinstance(outcomes[0], RowError)
    assert outcomes[0].line == 2
    assert "not valid CSV" in outcomes[0].reason
    assert isinstance(outcomes[1], ParsedRow)
    assert outcomes[1].line == 3


def test_the_sample_file_reports_each_bad_row_on_its_line():
    with (FIXTURES / "registry.csv").open(encoding="utf-8", newline="") as stream:
        outcomes = list(parse_csv(stream, catalogue=CATALOGUE, current_year=CURRENT_YEAR))
    report, registry = load(outcomes, cap=2)
    assert (report.rows, report.imported, report.doses_added) == (6, 3, 5)
    assert [(e.line, e.reason.split(":")[0]) for e in report.errors] == [
        (6, "dose2_date"),
        (7, "dose1_vaccine"),
        (8, "mobile"),
    ]
    assert registry.count() == 3


# --- properties ----------------------------------------------------------------------------------

_JUNK = st.text(max_size=60) | st.sampled_from(["", " ", "\n", '"', ",", "\ufeff", "\r", "\x00"])


@given(registrations(), st.sampled_from(HEADER), _JUNK)
def test_any_text_in_any_cell_gives_one_outcome_and_never_a_partial_person(person, column, junk):
    text = write_csv([csv_cells(person) | {column: junk}])
    (outcome,) = parse(text)
    report, registry = load([outcome])
    if isinstance(outcome, RowError):
        assert outcome.line == 2
        assert registry.count() == 0
    else:
        stored = registry.get(outcome.registration.beneficiary.reference_id)
        assert stored == outcome.registration
        assert report.doses_added == len(outcome.registration.doses)


@given(st.lists(st.sampled_from(HEADER) | st.text(max_size=12), max_size=8), _JUNK)
def test_any_header_is_accepted_or_refused_on_its_line(header, junk):
    outcomes = parse(write_csv([dict.fromkeys(header, junk)], header=header or [""]))
    assert all(isinstance(o, (ParsedRow, RowError)) for o in outcomes)
    assert all(o.line >= 1 for o in outcomes)


@given(st.text(max_size=300))
def test_any_text_at_all_parses_to_outcomes_without_raising(text):
    for newline in ("", None):
        stream = io.StringIO(text, newline=newline)
        outcomes = list(parse_csv(stream, catalogue=CATALOGUE, current_year=CURRENT_YEAR))
        assert all(isinstance(o, (ParsedRow, RowError)) for o in outcomes)
