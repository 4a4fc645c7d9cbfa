"""Every date parser: any text gives a date or the documented error, and dates round-trip.

The parsers: `kyvs.domain.doses.parse_date` (the CLI's `--date`, a citizen's correction), and the
import's CSV dose dates and birth years and FHIR `birthDate` and `occurrenceDateTime`.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kyvs.domain.doses import parse_date
from kyvs.domain.errors import InvalidInput
from kyvs.services.importing._common import parse_iso_date
from kyvs.services.importing.csv_format import parse_csv
from kyvs.services.importing.fhir_format import parse_fhir_bundle
from kyvs.services.importing.outcomes import ParsedRow, RowError, RowOutcome
from tests.budget import examples
from tests.factories.people import a_dose, a_registration

from .samples import CATALOGUE, CURRENT_YEAR, bundle, write_csv

# Text that looks like a date more often than chance would make it.
date_like = st.from_regex(r"\A\s?[0-9+\-]{0,5}-?[0-9W]{0,3}-?[0-9]{0,3}(T[0-9:]{0,8}Z?)?\s?\Z")
any_text = st.text(max_size=30) | date_like | st.text(max_size=2_000)
dates = st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))
spaces = st.sampled_from(["", " ", "\t", "  \n"])

WEEK_AND_BASIC_FORMS = ["20210501", "2021-W18-6", "2021W186", "2021-05-01T00:00"]


# --- kyvs.domain.doses.parse_date --------------------------------------------------------------


@examples(500)
@given(text=any_text)
@example(text="2021-02-30")
@example(text="२०२१-०५-०१")  # Devanagari digits: not the documented form
def test_parse_date_gives_the_date_written_or_invalid_input(text: str) -> None:
    try:
        day = parse_date(text)
    except InvalidInput as error:
        assert "YYYY-MM-DD" in error.detail
        assert len(error.detail) < 500  # at most 40 characters of a huge value, escaped
        return
    assert day.isoformat() == text.strip()


@examples(200)
@given(day=dates, before=spaces, after=spaces)
def test_parse_date_reads_back_every_date_it_writes(day: dt.date, before: str, after: str) -> None:
    assert parse_date(before + day.isoformat() + after) == day


@pytest.mark.parametrize("text", WEEK_AND_BASIC_FORMS)
def test_parse_date_refuses_the_other_iso_forms_as_the_import_does(text: str) -> None:
    with pytest.raises(InvalidInput, match="YYYY-MM-DD"):
        parse_date(text)
    with pytest.raises(InvalidInput, match="YYYY-MM-DD"):
        parse_iso_date(text)


# --- the import's dates --------------------------------------------------------------------------


@examples(200)
@given(text=any_text)
def test_the_imports_date_is_exactly_the_text_or_invalid_input(text: str) -> None:
    try:
        day = parse_iso_date(text)
    except InvalidInput as error:
        assert len(error.detail) < 500
        return
    assert day.isoformat() == text


@examples(200)
@given(day=dates)
def test_the_imports_date_reads_back_every_date(day: dt.date) -> None:
    assert parse_iso_date(day.isoformat()) == day


def csv_rows(**cells: str) -> list[RowOutcome]:
    row = {"full_name": "Asha Patel", "birth_year": "1988", "gender": "F", "mobile": "9876543210"}
    row |= cells
    text = write_csv([row])
    return list(parse_csv(io.StringIO(text, newline=""), catalogue=CATALOGUE, current_year=2025))


@examples(200)
@given(text=any_text.filter(str.strip))
def test_a_csv_dose_date_is_read_as_written_or_the_row_is_refused_naming_it(text: str) -> None:
    (outcome,) = csv_rows(dose1_vaccine="COVISHIELD", dose1_date=text)
    if isinstance(outcome, RowError):
        assert "dose1_date" in outcome.reason
    else:
        assert outcome.registration.doses[0].date.isoformat() == text.strip()
        assert outcome.registration.doses[0].date.year <= CURRENT_YEAR


@examples(200)
@given(text=any_text.filter(str.strip))
@example(text="١٩٨٨")  # four digits, but not ASCII ones
def test_a_csv_birth_year_is_four_digits_or_the_row_is_refused_naming_it(text: str) -> None:
    (outcome,) = csv_rows(birth_year=text)
    if isinstance(outcome, RowError):
        assert "birth_year" in outcome.reason
    else:
        assert str(outcome.registration.beneficiary.birth_year) == text.strip()


def fhir_patient(**changes: object) -> RowOutcome:
    document = bundle([a_registration(a_dose(number=1, date="2021-05-01"), birth_year=1950)])
    patient, shot = (entry["resource"] for entry in document["entry"])
    for field, value in changes.items():
        target = shot if field == "occurrenceDateTime" else patient
        target[field] = value
    outcomes = list(
        parse_fhir_bundle(json.dumps(document), catalogue=CATALOGUE, current_year=CURRENT_YEAR)
    )
    assert len(outcomes) == 1, outcomes
    return outcomes[0]


@examples(200)
@given(text=any_text)
@example(text="1990-13")
@example(text="1990-02-30")
def test_a_fhir_birth_date_gives_its_year_or_the_patient_is_refused_naming_it(text: str) -> None:
    outcome = fhir_patient(birthDate=text)
    if isinstance(outcome, RowError):
        assert "birthDate" in outcome.reason
    else:
        assert outcome.registration.beneficiary.birth_year == int(text[:4])


@examples(200)
@given(day=st.dates(dt.date(1900, 1, 1), dt.date(2021, 5, 1)), form=st.sampled_from([4, 7, 10]))
def test_a_fhir_birth_date_of_year_month_or_day_reads_back_its_year(
    day: dt.date, form: int
) -> None:
    outcome = fhir_patient(birthDate=day.isoformat()[:form])
    assert isinstance(outcome, ParsedRow), outcome
    assert outcome.registration.beneficiary.birth_year == day.year


@examples(200)
@given(text=any_text)
@example(text="2021-05-01T\n10:30")
def test_a_fhir_occurrence_gives_its_date_or_the_patient_is_refused_naming_it(text: str) -> None:
    outcome = fhir_patient(occurrenceDateTime=text)
    if isinstance(outcome, RowError):
        assert "occurrenceDateTime" in outcome.reason
    else:
        assert outcome.registration.doses[0].date.isoformat() == text[:10]


@examples(200)
@given(
    moment=st.datetimes(dt.datetime(1950, 1, 1), dt.datetime(CURRENT_YEAR, 12, 31, 23, 59)),
    zone=st.sampled_from(["", "Z", "+05:30", "-08:00"]),
)
def test_a_fhir_occurrence_reads_back_the_date_it_was_written_with(
    moment: dt.datetime, zone: str
) -> None:
    outcome = fhir_patient(occurrenceDateTime=moment.isoformat() + zone)
    assert isinstance(outcome, ParsedRow), outcome
    assert outcome.registration.doses[0].date == moment.date()
