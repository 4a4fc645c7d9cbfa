"""Registry files written from registrations, and Hypothesis strategies for valid registrations."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

from hypothesis import strategies as st
from stdnum import verhoeff

from kyvs.adapters.memory.registry import MemoryRegistry
from kyvs.domain import reference_ids
from kyvs.domain.doses import Dose, DoseKind
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.people import Beneficiary, Gender, PhotoId, PhotoIdType, Registration
from kyvs.rules import load_catalogue
from kyvs.services.importing.load import LoadReport, load_registrations
from kyvs.services.importing.outcomes import RowOutcome

CURRENT_YEAR = 2025
CATALOGUE = load_catalogue()
MAX_DOSES_WRITTEN = 4
PERSON_HEADER = [
    "reference_id",
    "full_name",
    "birth_year",
    "gender",
    "mobile",
    "id_type",
    "id_number",
]
DOSE_HEADER = [
    f"dose{n}_{field}"
    for n in range(1, MAX_DOSES_WRITTEN + 1)
    for field in ("vaccine", "date", "kind", "centre", "batch")
]
HEADER = PERSON_HEADER + DOSE_HEADER
REF_SYSTEM = "https://kyvs.dev/fhir/beneficiary-reference-id"
PHOTO_SYSTEM = "https://kyvs.dev/fhir/photo-id/"
FHIR_GENDER = {Gender.MALE: "male", Gender.FEMALE: "female", Gender.OTHER: "other"}


# --- writing files -------------------------------------------------------------------------------


def csv_cells(registration: Registration, *, with_reference_id: bool = True) -> dict[str, str]:
    """One CSV row for a registration, as column → cell."""
    person = registration.beneficiary
    cells = {
        "reference_id": person.reference_id if with_reference_id else "",
        "full_name": person.full_name,
        "birth_year": str(person.birth_year),
        "gender": person.gender.value,
        "mobile": person.mobile.national,
        "id_type": person.photo_id.kind.value if person.photo_id else "",
        "id_number": person.photo_id.number if person.photo_id else "",
    }
    for dose in registration.doses:
        prefix = f"dose{dose.dose_number}_"
        cells |= {
            prefix + "vaccine": dose.vaccine,
            prefix + "date": dose.date.isoformat(),
            prefix + "kind": dose.kind.value,
            prefix + "centre": dose.centre,
            prefix + "batch": dose.batch,
        }
    return cells


def write_csv(
    rows: Iterable[Registration | Mapping[str, str]],
    *,
    header: list[str] | None = None,
    with_reference_id: bool = True,
) -> str:
    """CSV text with a header row; rows are registrations or column → cell mappings."""
    columns = header or HEADER
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        cells = (
            csv_cells(row, with_reference_id=with_reference_id)
            if isinstance(row, Registration)
            else row
        )
        writer.writerow([cells.get(column, "") for column in columns])
    return out.getvalue()


def patient_resource(
    index: int, registration: Registration, *, with_reference_id: bool = True
) -> dict[str, Any]:
    person = registration.beneficiary
    identifiers = []
    if with_reference_id:
        identifiers.append({"system": REF_SYSTEM, "value": person.reference_id})
    if person.photo_id:
        system = PHOTO_SYSTEM + person.photo_id.kind.value.lower()
        identifiers.append({"system": system, "value": person.photo_id.number})
    return {
        "resourceType": "Patient",
        "id": f"p{index}",
        "identifier": identifiers,
        "name": [{"use": "official", "text": person.full_name}],
        "gender": FHIR_GENDER[person.gender],
        "birthDate": str(person.birth_year),
        "telecom": [{"system": "phone", "use": "mobile", "value": person.mobile.e164}],
    }


def immunization_resource(patient_ref: str, dose: Dose, ident: str) -> dict[str, Any]:
    series = "Precaution dose" if dose.kind is DoseKind.PRECAUTION else "Primary series"
    resource: dict[str, Any] = {
        "resourceType": "Immunization",
        "id": ident,
        "status": "completed",
        "patient": {"reference": patient_ref},
        "vaccineCode": {
            "coding": [{"system": "https://kyvs.dev/fhir/vaccine", "code": dose.vaccine}]
        },
        "occurrenceDateTime": f"{dose.date.isoformat()}T10:30:00+05:30",
        "protocolApplied": [{"series": series, "doseNumberPositiveInt": dose.dose_number}],
    }
    if dose.batch:
        resource["lotNumber"] = dose.batch
    if dose.centre:
        resource["location"] = {"display": dose.centre}
    return resource


def bundle(
    registrations: Iterable[Registration],
    *,
    with_reference_id: bool = True,
    bundle_type: str = "collection",
) -> dict[str, Any]:
    """A FHIR Bundle: each Patient, then its Immunizations (linked by fullUrl or by id in turn)."""
    entries: list[dict[str, Any]] = []
    for i, registration in enumerate(registrations, start=1):
        patient = patient_resource(i, registration, with_reference_id=with_reference_id)
        full_url = f"urn:uuid:00000000-0000-0000-0000-{i:012d}"
        entries.append({"fullUrl": full_url, "resource": patient})
        for dose in registration.doses:
            ref = full_url if dose.dose_number % 2 else f"Patient/p{i}"
            shot = immunization_resource(ref, dose, f"p{i}-d{dose.dose_number}")
            entries.append({"resource": shot})
    return {"resourceType": "Bundle", "type": bundle_type, "entry": entries}


def bundle_text(registrations: Iterable[Registration], **options: Any) -> str:
    return json.dumps(bundle(registrations, **options), ensure_ascii=False, indent=2)


def load(
    outcomes: Iterable[RowOutcome], registry: MemoryRegistry | None = None, cap: int = 6
) -> tuple[LoadReport, MemoryRegistry]:
    """Load outcomes into a (new) memory registry."""
    registry = registry if registry is not None else MemoryRegistry()
    report = load_registrations(outcomes, registry=registry, max_per_mobile=cap)
    return report, registry


# --- strategies ----------------------------------------------------------------------------------

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéñ" + "कखगचजटडतदनपबमयरलवसह"
_FREE_TEXT = st.characters(categories=["L", "N", "P", "S", "Zs"])

names = st.lists(st.text(_LETTERS, min_size=1, max_size=12), min_size=1, max_size=4).map(" ".join)
mobiles = st.integers(6_000_000_000, 9_999_999_999).map(lambda n: MobileNumber(str(n)))
reference_id_values = st.integers(0, 10**13 - 1).map(
    lambda n: reference_ids.from_random_digits(f"{n:013d}")
)
# Aadhaar numbers and PANs follow their documents' rules; other documents only the general shape.
_AADHAAR_NUMBERS = (
    st.integers(2 * 10**10, 10**11 - 1)
    .map(lambda n: f"{n}{verhoeff.calc_check_digit(str(n))}")
    .filter(lambda number: number != number[::-1])
)
_PANS = st.from_regex(r"[A-Z]{3}[ABCFGHLJPTK][A-Z][0-9]{4}[A-Z]", fullmatch=True).filter(
    lambda number: number[5:9] != "0000"
)
photo_ids = (
    st.none()
    | st.builds(PhotoId, st.just(PhotoIdType.AADHAAR), _AADHAAR_NUMBERS)
    | st.builds(PhotoId, st.just(PhotoIdType.PAN), _PANS)
    | st.builds(
        PhotoId,
        st.sampled_from(
            [k for k in PhotoIdType if k not in {PhotoIdType.AADHAAR, PhotoIdType.PAN}]
        ),
        st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=4, max_size=20),
    )
)
labels = st.text(_FREE_TEXT, max_size=30).map(str.strip)


@st.composite
def dose_lists(draw: st.DrawFn) -> tuple[Dose, ...]:
    """Up to four doses numbered from 1, dated in order between 2021 and 2024."""
    days = draw(
        st.lists(st.dates(dt.date(2021, 1, 16), dt.date(2024, 12, 31)), max_size=MAX_DOSES_WRITTEN)
    )
    return tuple(
        Dose(
            vaccine=draw(st.sampled_from(CATALOGUE.codes)),
            dose_number=n,
            kind=draw(st.sampled_from(DoseKind)),
            date=day,
            centre=draw(labels),
            batch=draw(labels),
        )
        for n, day in enumerate(sorted(days), start=1)
    )


@st.composite
def registrations(draw: st.DrawFn, mobile: MobileNumber | None = None) -> Registration:
    """A valid registration as an import would produce it (clean name, doses in number order)."""
    person = Beneficiary(
        reference_id=draw(reference_id_values),
        full_name=draw(names),
        birth_year=draw(st.integers(1900, 2020)),
        gender=draw(st.sampled_from(Gender)),
        mobile=mobile or draw(mobiles),
        photo_id=draw(photo_ids),
    )
    return Registration(person, draw(dose_lists()))


registration_lists = st.lists(
    registrations(), max_size=8, unique_by=lambda r: r.beneficiary.reference_id
)

# Arbitrary JSON, and the places in a one-patient bundle (entry 1 Patient, entry 2 its first
# Immunization) where a fuzz test puts it.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
FHIR_FIELD_PATHS = [
    ("type",),
    ("entry",),
    ("entry", 0),
    ("entry", 0, "resource"),
    ("entry", 0, "fullUrl"),
    *[
        ("entry", 0, "resource", key)
        for key in ("resourceType", "id", "name", "birthDate", "gender", "telecom", "identifier")
    ],
    ("entry", 0, "resource", "name", 0, "given"),
    ("entry", 0, "resource", "telecom", 0, "value"),
    ("entry", 0, "resource", "identifier", 0, "value"),
    *[
        ("entry", 1, "resource", key)
        for key in (
            "status",
            "patient",
            "vaccineCode",
            "occurrenceDateTime",
            "protocolApplied",
            "lotNumber",
            "location",
            "performer",
        )
    ],
    ("entry", 1, "resource", "patient", "reference"),
    ("entry", 1, "resource", "vaccineCode", "coding"),
    ("entry", 1, "resource", "protocolApplied", 0),
    ("entry", 1, "resource", "protocolApplied", 0, "doseNumberPositiveInt"),
    ("entry", 1, "resource", "protocolApplied", 0, "doseNumberString"),
]


def replace_at(data: Any, path: tuple[Any, ...], value: Any) -> None:
    """Set the value at a path of keys and list indexes inside parsed JSON."""
    for step in path[:-1]:
        data = data[step]
    data[path[-1]] = value
