"""Reading the fields of FHIR R4 Patient and Immunization resources into registry values.

Every helper raises `InvalidInput` (recorded by `Problems.check`) for a missing or malformed field,
never anything else, whatever JSON it is given.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from itertools import count
from typing import Any

from kyvs.domain import reference_ids
from kyvs.domain.doses import Dose, DoseKind
from kyvs.domain.errors import InvalidInput, UnknownVaccine
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.people import Gender, PhotoId, check_birth_year, clean_full_name
from kyvs.domain.vaccines import Catalogue
from kyvs.services.importing._common import (
    Draft,
    Problems,
    check_dose_date,
    parse_iso_date,
    shown,
)

REFERENCE_ID_SYSTEM = "https://kyvs.dev/fhir/beneficiary-reference-id"
PHOTO_ID_SYSTEM_PREFIX = "https://kyvs.dev/fhir/photo-id/"

_GENDERS = {"male": Gender.MALE, "female": Gender.FEMALE, "other": Gender.OTHER}
_FHIR_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-[0-9]{2})?)?")
_DATE_TIME = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:T.*)?", re.DOTALL)
_DIGITS = re.compile(r"[0-9]+")
MAX_DOSES = 9


@dataclass(frozen=True)
class Shot:
    """A completed Immunization, before its dose number is settled."""

    label: str
    number: int | None
    vaccine: str
    date: dt.date
    kind: DoseKind
    centre: str
    batch: str


def text_at(obj: Mapping[str, Any], key: str) -> str | None:
    """The string at `key`, None when absent, `InvalidInput` when it is not a string."""
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    raise InvalidInput(f"{key} is not a string.")


def object_at(obj: Mapping[str, Any], key: str) -> dict[str, Any]:
    """The JSON object at `key` (empty when absent)."""
    value = obj.get(key, {})
    if isinstance(value, dict):
        return value
    raise InvalidInput(f"{key} is not an object.")


def objects_at(obj: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    """The list of JSON objects at `key` (empty when absent)."""
    value = obj.get(key, [])
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return value
    raise InvalidInput(f"{key} is not a list of objects.")


def read_patient(draft: Draft, patient: Mapping[str, Any], *, current_year: int) -> None:
    """Fill the person's fields of `draft` from a Patient resource."""
    check = draft.problems.check
    draft.full_name = check("name", lambda: clean_full_name(_name(patient)))
    draft.birth_year = check("birthDate", lambda: _birth_year(patient, current_year))
    draft.gender = check("gender", lambda: _gender(patient))
    draft.mobile = check("telecom", lambda: MobileNumber.parse(_phone(patient)))
    draft.reference_id = check("identifier", lambda: _reference_id(patient))
    draft.photo_id = check("identifier", lambda: _photo_id(patient))


def _name(patient: Mapping[str, Any]) -> str:
    names = objects_at(patient, "name")
    if not names:
        raise InvalidInput("missing.")
    name = next((n for n in names if n.get("use") == "official"), names[0])
    text = text_at(name, "text")
    if text and text.strip():
        return text
    given = name.get("given", [])
    if not isinstance(given, list) or not all(isinstance(part, str) for part in given):
        raise InvalidInput("given is not a list of strings.")
    return " ".join([*given, text_at(name, "family") or ""])


def _birth_year(patient: Mapping[str, Any], current_year: int) -> int:
    text = text_at(patient, "birthDate")
    if text is None:
        raise InvalidInput("missing.")
    match = _FHIR_DATE.fullmatch(text)
    if match is None or (match.group(2) and not 1 <= int(match.group(2)) <= 12):
        raise InvalidInput(f"{shown(text)} is not a date (YYYY, YYYY-MM or YYYY-MM-DD).")
    if len(text) == 10:
        parse_iso_date(text)
    return check_birth_year(int(match.group(1)), current_year=current_year)


def _gender(patient: Mapping[str, Any]) -> Gender:
    text = text_at(patient, "gender")
    if text is None:
        raise InvalidInput("missing.")
    if text not in _GENDERS:
        raise InvalidInput(f"{shown(text)} cannot be registered; it is male, female or other.")
    return _GENDERS[text]


def _phone(patient: Mapping[str, Any]) -> str:
    phones = [t for t in objects_at(patient, "telecom") if t.get("system") == "phone"]
    if not phones:
        raise InvalidInput("no phone number (system `phone`).")
    phone = next((t for t in phones if t.get("use") == "mobile"), phones[0])
    value = text_at(phone, "value")
    if not value:
        raise InvalidInput("the phone has no value.")
    return value


def _identifiers(patient: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for identifier in objects_at(patient, "identifier"):
        system = text_at(identifier, "system")
        if system == REFERENCE_ID_SYSTEM or (system or "").startswith(PHOTO_ID_SYSTEM_PREFIX):
            yield system or "", text_at(identifier, "value") or ""


def _reference_id(patient: Mapping[str, Any]) -> str | None:
    values = {value for system, value in _identifiers(patient) if system == REFERENCE_ID_SYSTEM}
    if len(values) > 1:
        raise InvalidInput("the patient has more than one beneficiary reference id.")
    return reference_ids.parse(values.pop()) if values else None


def _photo_id(patient: Mapping[str, Any]) -> PhotoId | None:
    for system, value in _identifiers(patient):
        if system.startswith(PHOTO_ID_SYSTEM_PREFIX):
            return PhotoId.parse(system.removeprefix(PHOTO_ID_SYSTEM_PREFIX), value)
    return None


def read_immunization(
    problems: Problems,
    label: str,
    resource: Mapping[str, Any],
    *,
    catalogue: Catalogue,
    current_year: int,
) -> Shot | None:
    """A completed Immunization as a `Shot`, or None after recording its problems."""
    found = len(problems.items)
    vaccine = problems.check(f"{label} vaccineCode", lambda: _vaccine(resource, catalogue))
    date = problems.check(
        f"{label} occurrenceDateTime", lambda: _occurrence(resource, current_year)
    )
    protocol = problems.check(f"{label} protocolApplied", lambda: _protocol(resource))
    centre = problems.check(f"{label} location", lambda: _centre(resource))
    batch = problems.check(f"{label} lotNumber", lambda: text_at(resource, "lotNumber") or "")
    if len(problems.items) > found or vaccine is None or date is None or protocol is None:
        return None
    number, kind = protocol
    return Shot(label, number, vaccine, date, kind, centre or "", batch or "")


def _vaccine(resource: Mapping[str, Any], catalogue: Catalogue) -> str:
    concept = object_at(resource, "vaccineCode")
    codings = [
        (coding.get("system"), coding.get("code")) for coding in objects_at(concept, "coding")
    ]
    pairs = [(s, c) for s, c in codings if isinstance(s, str) and isinstance(c, str)]
    text = text_at(concept, "text")
    if pairs:
        try:
            return catalogue.find_coding(pairs).code
        except UnknownVaccine:
            if not text:
                raise
    if not text:
        raise InvalidInput("neither a coding nor a text names the vaccine.")
    return catalogue.find(text).code


def _occurrence(resource: Mapping[str, Any], current_year: int) -> dt.date:
    text = text_at(resource, "occurrenceDateTime")
    if text is None:
        raise InvalidInput("missing (a dose needs the date it was given).")
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        raise InvalidInput(f"{shown(text)} does not start with a full date (YYYY-MM-DD).")
    return check_dose_date(parse_iso_date(match.group(1)), current_year=current_year)


def _protocol(resource: Mapping[str, Any]) -> tuple[int | None, DoseKind]:
    protocols = objects_at(resource, "protocolApplied")
    if not protocols:
        return None, DoseKind.PRIMARY
    first = protocols[0]
    series = (text_at(first, "series") or "").lower()
    booster = "precaution" in series or "booster" in series
    return _dose_number(first), DoseKind.PRECAUTION if booster else DoseKind.PRIMARY


def _dose_number(protocol: Mapping[str, Any]) -> int | None:
    number = protocol.get("doseNumberPositiveInt")
    if number is not None:
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise InvalidInput("doseNumberPositiveInt is not a positive whole number.")
        return number
    text = text_at(protocol, "doseNumberString")
    if text is None:
        return None
    digits = _DIGITS.search(text)
    if digits is None or len(digits.group()) > 2:
        raise InvalidInput(f"doseNumberString {shown(text)} holds no dose number.")
    return int(digits.group())


def _centre(resource: Mapping[str, Any]) -> str:
    display = text_at(object_at(resource, "location"), "display")
    if display:
        return display
    performers = objects_at(resource, "performer")
    if performers:
        return text_at(object_at(performers[0], "actor"), "display") or ""
    return ""


def number_doses(problems: Problems, shots: list[Shot]) -> list[Dose]:
    """Doses from shots: explicit numbers kept, the others numbered in date order in the gaps."""
    if len(shots) > MAX_DOSES:
        problems.add("Immunization", f"{len(shots)} completed; a person has at most {MAX_DOSES}")
        return []
    taken = Counter(shot.number for shot in shots if shot.number is not None)
    for number, times in sorted(taken.items()):
        if times > 1:
            labels = [shot.label for shot in shots if shot.number == number]
            problems.add(" and ".join(labels), f"each record dose {number}")
    free = (n for n in count(1) if n not in taken)
    numbered = [(shot.number, shot) for shot in shots if shot.number is not None]
    unnumbered = sorted((shot for shot in shots if shot.number is None), key=lambda s: s.date)
    numbered += [(next(free), shot) for shot in unnumbered]
    doses = [problems.check(shot.label, partial(_dose, n, shot)) for n, shot in numbered]
    return [dose for dose in doses if dose is not None]


def _dose(number: int, shot: Shot) -> Dose:
    return Dose(shot.vaccine, number, shot.kind, shot.date, centre=shot.centre, batch=shot.batch)
