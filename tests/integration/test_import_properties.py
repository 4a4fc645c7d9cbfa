"""Importing files of good and bad rows into a real database: all or nothing per person.

Each generated file mixes valid registrations with rows broken in one way (a bad date, an unknown
vaccine, a wrong mobile, a truncated row, a repeated row...). Whatever the mix, after the import
every good person is in the registry with exactly their doses, every broken person is absent,
every bad row is reported with its line (CSV) or entry (FHIR) and a reason, and importing the
same file again adds nothing. Runs on SQLite and, when configured, PostgreSQL.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import Engine, delete

from kyvs.adapters.sql.registry import SqlRegistry
from kyvs.adapters.sql.tables import beneficiaries, doses
from kyvs.domain.people import Registration
from kyvs.services.importing.csv_format import parse_csv
from kyvs.services.importing.fhir_format import parse_fhir_bundle
from kyvs.services.importing.load import LoadReport, load_registrations
from kyvs.services.importing.outcomes import RowError, RowOutcome
from tests.budget import examples
from tests.unit.services.samples import (
    CATALOGUE,
    CURRENT_YEAR,
    HEADER,
    csv_cells,
    immunization_resource,
    patient_resource,
    registrations,
)

CAP = 100  # generated mobiles rarely repeat; the cap has its own tests
people_lists = st.lists(
    registrations(), min_size=3, max_size=10, unique_by=lambda r: r.beneficiary.reference_id
)


@pytest.fixture
def registry(engine: Engine) -> Iterator[SqlRegistry]:
    yield SqlRegistry(engine)


def emptied(registry: SqlRegistry) -> SqlRegistry:
    """The registry with no one in it (Hypothesis runs many examples on one database)."""
    with registry.engine.begin() as connection:
        connection.execute(delete(doses))
        connection.execute(delete(beneficiaries))
    return registry


def load(outcomes: Iterator[RowOutcome], registry: SqlRegistry) -> LoadReport:
    return load_registrations(outcomes, registry=registry, max_per_mobile=CAP, batch_size=3)


@dataclass
class Expected:
    """What a file should leave behind: who is stored (with which doses), who is absent, errors."""

    stored: list[Registration] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)  # reference ids
    error_lines: list[int] = field(default_factory=list)

    def check(self, report: LoadReport, registry: SqlRegistry) -> None:
        assert [error.line for error in report.errors] == sorted(self.error_lines)
        assert all(error.reason.strip() for error in report.errors)
        assert all(len(error.reason) < 2_000 for error in report.errors), "reasons stay short"
        for registration in self.stored:
            assert registry.get(registration.beneficiary.reference_id) == registration
        for reference_id in self.absent:
            assert registry.get(reference_id) is None
        assert registry.count() == len(self.stored)


# --- CSV ---------------------------------------------------------------------------------------

Cells = dict[str, str]


def with_dose(cells: Cells) -> Cells:
    """The row with at least a first dose, so a dose column can be broken."""
    if not cells.get("dose1_vaccine"):
        cells |= {"dose1_vaccine": "COVAXIN", "dose1_date": "2021-06-01", "dose1_kind": ""}
    return cells


CSV_BREAKS: dict[str, Callable[[Cells], Cells]] = {
    "impossible-date": lambda c: with_dose(c) | {"dose1_date": "2021-02-30"},
    "day-first-date": lambda c: with_dose(c) | {"dose1_date": "01/05/2021"},
    "future-date": lambda c: with_dose(c) | {"dose1_date": f"{CURRENT_YEAR + 1}-01-01"},
    "unknown-vaccine": lambda c: with_dose(c) | {"dose1_vaccine": "Sputnik-Z"},
    "huge-vaccine": lambda c: with_dose(c) | {"dose1_vaccine": "X" * 5_000},
    "vaccine-without-date": lambda c: with_dose(c) | {"dose1_date": ""},
    "unknown-dose-kind": lambda c: with_dose(c) | {"dose1_kind": "maybe"},
    "born-after-first-dose": lambda c: with_dose(c) | {"birth_year": str(CURRENT_YEAR)},
    "landline": lambda c: c | {"mobile": "011 2345 6789"},
    "short-mobile": lambda c: c | {"mobile": "98765"},
    "no-name": lambda c: c | {"full_name": "  "},
    "control-in-name": lambda c: c | {"full_name": c["full_name"] + "\u202e"},
    "year-with-letter": lambda c: c | {"birth_year": "19x8"},
    "unknown-gender": lambda c: c | {"gender": "Q"},
    "mistyped-reference-id": lambda c: c | {"reference_id": "12345678901234"},
    "photo-id-type-alone": lambda c: c | {"id_type": "PAN", "id_number": ""},
}


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[str, Expected]:
    """A CSV file of good, broken, truncated and repeated rows, and what it should leave behind."""
    people = draw(people_lists)
    expected = Expected()
    lines: list[list[str]] = [HEADER]
    good_rows: list[list[str]] = []
    for person in people:
        cells = csv_cells(person)  # with its reference id, so its absence can be checked
        fault = draw(st.sampled_from([None, "truncated", *CSV_BREAKS]))
        if fault is not None:
            cells = CSV_BREAKS[fault](cells) if fault != "truncated" else cells
        row = [cells.get(column, "") for column in HEADER]
        if fault == "truncated":
            row = row[: draw(st.integers(1, len(row) - 1))]
        lines.append(row)
        if fault is None:
            expected.stored.append(person)
            good_rows.append(row)
        else:
            expected.absent.append(person.beneficiary.reference_id)
            expected.error_lines.append(len(lines))
        if good_rows and draw(st.integers(0, 4)) == 0:  # a row repeated later in the file
            lines.append(draw(st.sampled_from(good_rows)))
            expected.error_lines.append(len(lines))
    if draw(st.booleans()):  # a blank row, skipped, moves the rows after it one line down
        at = draw(st.integers(1, len(lines)))
        lines.insert(at, [""] * len(HEADER))
        expected.error_lines = [n + 1 if n > at else n for n in expected.error_lines]
    out = io.StringIO()
    csv.writer(out).writerows(lines)
    return out.getvalue(), expected


def parse_csv_bytes(data: bytes) -> Iterator[RowOutcome]:
    """As `kyvs registry import` reads a CSV file."""
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    return parse_csv(stream, catalogue=CATALOGUE, current_year=CURRENT_YEAR)


@examples(40, slow=True)
@given(file=csv_files(), bom=st.booleans(), crlf=st.booleans())
def test_a_csv_import_stores_exactly_the_good_rows_and_reports_every_bad_one(
    registry: SqlRegistry, file: tuple[str, Expected], bom: bool, crlf: bool
) -> None:
    text, expected = file
    lines = text if crlf else text.replace("\r\n", "\n")
    data = ("\ufeff" if bom else "").encode() + lines.encode()
    report = load(parse_csv_bytes(data), emptied(registry))
    expected.check(report, registry)
    assert report.rows == len([line for line in text.splitlines()[1:] if line.strip(",")])


@examples(25, slow=True)
@given(file=csv_files())
def test_importing_the_same_csv_again_adds_nothing(
    registry: SqlRegistry, file: tuple[str, Expected]
) -> None:
    text, expected = file
    first = load(parse_csv_bytes(text.encode()), emptied(registry))
    again = load(parse_csv_bytes(text.encode()), registry)
    assert (again.imported, again.doses_added) == (0, 0)
    assert again.already_present == first.imported
    assert again.errors == first.errors
    expected.check(again, registry)


@examples(25, slow=True)
@given(file=csv_files(), data=st.data())
def test_a_csv_file_that_is_not_utf8_loads_only_whole_people_and_says_so(
    registry: SqlRegistry, file: tuple[str, Expected], data: st.DataObject
) -> None:
    text, expected = file
    encoded = text.encode()
    where = data.draw(st.integers(0, len(encoded)))
    report = load(parse_csv_bytes(encoded[:where] + b"\xff" + encoded[where:]), emptied(registry))
    assert any("UTF-8" in error.reason or "CSV" in error.reason for error in report.errors)
    stored = {r.beneficiary.reference_id: r for r in expected.stored}
    for reference_id in expected.absent:
        assert registry.get(reference_id) is None
    for reference_id, registration in stored.items():
        found = registry.get(reference_id)
        assert found is None or found == registration  # whole or absent, never half


@examples(25, slow=True)
@given(file=csv_files(), missing=st.sampled_from(["full_name", "birth_year", "gender", "mobile"]))
def test_a_csv_without_a_required_column_is_one_error_on_line_1_and_stores_no_one(
    registry: SqlRegistry, file: tuple[str, Expected], missing: str
) -> None:
    rows = list(csv.reader(io.StringIO(file[0], newline="")))
    drop = rows[0].index(missing)
    out = io.StringIO()
    csv.writer(out).writerows([row[:drop] + row[drop + 1 :] for row in rows])
    report = load(parse_csv_bytes(out.getvalue().encode()), emptied(registry))
    (error,) = report.errors
    assert (error.line, missing in error.reason) == (1, True)
    assert registry.count() == 0


# --- FHIR --------------------------------------------------------------------------------------

SHOT_BREAKS: dict[str, tuple[str, Any]] = {
    "unknown-vaccine": ("vaccineCode", {"coding": [{"system": "urn:x", "code": "nope"}]}),
    "no-date": ("occurrenceDateTime", None),
    "partial-date": ("occurrenceDateTime", "2021-05"),
    "impossible-date": ("occurrenceDateTime", "2021-02-30T10:00:00Z"),
    "future-date": ("occurrenceDateTime", f"{CURRENT_YEAR + 1}-01-01"),
    "dose-zero": ("protocolApplied", [{"doseNumberPositiveInt": 0}]),
    "dose-as-text": ("protocolApplied", [{"doseNumberPositiveInt": "1"}]),
    "code-not-a-list": ("vaccineCode", {"coding": "COVISHIELD"}),
}
PATIENT_BREAKS: dict[str, tuple[str, Any]] = {
    "no-name": ("name", []),
    "name-not-a-list": ("name", "Asha Patel"),
    "birth-date-day-first": ("birthDate", "01-05-1988"),
    "unknown-gender": ("gender", "unknown"),
    "landline": ("telecom", [{"system": "phone", "value": "+91 11 2345 6789"}]),
    "no-phone": ("telecom", [{"system": "email", "value": "asha@example.com"}]),
    "mistyped-reference-id": (
        "identifier",
        [{"system": "https://kyvs.dev/fhir/beneficiary-reference-id", "value": "12345678901234"}],
    ),
}
EMPTY_BUNDLE = {"resourceType": "Bundle", "type": "collection", "entry": []}
FHIR_FAULTS = [None, "not-done", "orphan", "repeated-patient", "no-resource", "other-type"]
FHIR_FAULTS += [f"patient:{name}" for name in PATIENT_BREAKS]
FHIR_FAULTS += [f"shot:{name}" for name in SHOT_BREAKS]


def break_shot(shot: dict[str, Any], fault: str, status: str) -> bool:
    """Break an Immunization as `fault` says; True when its dose is then no dose of anyone."""
    if fault == "not-done":
        shot["status"] = status
    elif fault == "orphan":
        shot["patient"] = {"reference": "Patient/nobody"}
    elif fault.startswith("shot:"):
        key, value = SHOT_BREAKS[fault.removeprefix("shot:")]
        shot[key] = value
    return fault in {"not-done", "orphan"}


@st.composite
def fhir_bundles(draw: st.DrawFn) -> tuple[dict[str, Any], Expected]:
    """A Bundle of good and broken patients and immunizations, and what it should leave behind."""
    people = draw(people_lists)
    expected = Expected()
    entries: list[dict[str, Any]] = []
    for i, person in enumerate(people, start=1):
        fault = draw(st.sampled_from(FHIR_FAULTS))
        if fault and fault.startswith("shot:") and not person.doses:
            fault = None
        full_url = f"urn:uuid:00000000-0000-0000-0000-{i:012d}"
        patient = patient_resource(i, person, with_reference_id=True)
        entries.append({"fullUrl": full_url, "resource": patient})
        patient_index = len(entries)
        kept = list(person.doses)
        broken_shot = draw(st.integers(0, max(0, len(kept) - 1)))
        for n, dose in enumerate(person.doses):
            ref = draw(
                st.sampled_from([full_url, f"Patient/p{i}", f"http://x.org/fhir/Patient/p{i}"])
            )
            shot = immunization_resource(ref, dose, f"p{i}-d{n}")
            entries.append({"resource": shot})
            if n == broken_shot and fault is not None:
                status = draw(st.sampled_from(["not-done", "entered-in-error"]))
                if break_shot(shot, fault, status):
                    kept.remove(dose)
                if fault == "orphan":
                    expected.error_lines.append(len(entries))
        if fault and fault.startswith("patient:"):
            key, value = PATIENT_BREAKS[fault.removeprefix("patient:")]
            patient[key] = value
        if fault == "repeated-patient":
            entries.append({"fullUrl": full_url, "resource": copy.deepcopy(patient)})
            expected.error_lines.append(len(entries))
        elif fault == "no-resource":
            entries.append({"request": {"method": "DELETE", "url": "Patient/old"}})
            expected.error_lines.append(len(entries))
        elif fault == "other-type":
            entries.append({"resource": {"resourceType": "Observation", "id": f"o{i}"}})
        if fault and fault.startswith(("patient:", "shot:")):
            expected.absent.append(person.beneficiary.reference_id)
            expected.error_lines.append(patient_index)
        else:
            expected.stored.append(replace(person, doses=tuple(kept)))
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}, expected


def parse_fhir(document: dict[str, Any] | str | bytes) -> Iterator[RowOutcome]:
    text = json.dumps(document, ensure_ascii=False) if isinstance(document, dict) else document
    return parse_fhir_bundle(text, catalogue=CATALOGUE, current_year=CURRENT_YEAR)


@examples(40, slow=True)
@given(file=fhir_bundles())
def test_a_fhir_import_stores_exactly_the_good_patients_and_reports_every_bad_entry(
    registry: SqlRegistry, file: tuple[dict[str, Any], Expected]
) -> None:
    document, expected = file
    report = load(parse_fhir(document), emptied(registry))
    expected.check(report, registry)
    for error in report.errors:
        assert f"entry {error.line}" in error.where or "entry" in error.reason


@examples(25, slow=True)
@given(file=fhir_bundles())
def test_importing_the_same_bundle_again_adds_nothing(
    registry: SqlRegistry, file: tuple[dict[str, Any], Expected]
) -> None:
    document, expected = file
    first = load(parse_fhir(document), emptied(registry))
    again = load(parse_fhir(document), registry)
    assert (again.imported, again.doses_added) == (0, 0)
    assert again.errors == first.errors
    expected.check(again, registry)


@examples(25, slow=True)
@given(file=fhir_bundles(), data=st.data())
@example(
    file=({"resourceType": "Bundle", "type": "collection", "entry": []}, Expected()), data=None
)
def test_a_truncated_bundle_is_one_error_and_stores_no_one(
    registry: SqlRegistry, file: tuple[dict[str, Any], Expected], data: st.DataObject | None
) -> None:
    text = json.dumps(file[0], ensure_ascii=False).encode()
    cut = data.draw(st.integers(0, len(text) - 1)) if data else len(text) // 2
    report = load(parse_fhir(text[:cut]), emptied(registry))
    (error,) = report.errors
    assert isinstance(error, RowError)
    assert "JSON" in error.reason or "UTF-8" in error.reason
    assert registry.count() == 0
