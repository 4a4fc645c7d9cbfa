"""Registry rows from a FHIR R4 Bundle of Patient and Immunization resources.

One outcome per Patient, carrying all its completed immunizations; its `line` is the 1-based index
of the Patient's entry. Other resource types (Organization, Location...) are ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kyvs.domain.vaccines import Catalogue
from kyvs.services.importing._common import Draft, shown
from kyvs.services.importing._fhir_resources import (
    PHOTO_ID_SYSTEM_PREFIX,
    REFERENCE_ID_SYSTEM,
    Shot,
    number_doses,
    read_immunization,
    read_patient,
)
from kyvs.services.importing.outcomes import RowError, RowOutcome

__all__ = ["PHOTO_ID_SYSTEM_PREFIX", "REFERENCE_ID_SYSTEM", "parse_fhir_bundle"]

BUNDLE_TYPES = ("collection", "transaction", "batch")
_PATIENT_TAIL = re.compile(r"(?:^|/)(Patient/[^/]+)$")


@dataclass(frozen=True)
class _Entry:
    index: int
    resource: dict[str, Any]
    full_url: str | None

    @property
    def label(self) -> str:
        kind, rid = self.resource.get("resourceType"), self.resource.get("id")
        name = f"{kind}/{rid}" if isinstance(rid, str) else str(kind)
        return f"entry {self.index} ({name})"


def parse_fhir_bundle(
    text: str | bytes, *, catalogue: Catalogue, current_year: int
) -> Iterator[RowOutcome]:
    """One outcome per Patient (and one error per unusable entry), in entry order.

    A file that is not JSON or not a collection/transaction/batch Bundle yields one `RowError`.
    """
    bundle = _load_bundle(text)
    if isinstance(bundle, RowError):
        yield bundle
        return
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        yield RowError(1, "Bundle.entry is not a list.")
        return
    outcomes: list[RowOutcome] = []
    patients, shots = _sort_entries(entries, outcomes)
    owners, patients = _index_patients(patients, outcomes)
    given = _link_shots(shots, owners, outcomes)
    for patient in patients:
        shot_entries = given.get(patient.index, [])
        outcomes.append(_patient_outcome(patient, shot_entries, catalogue, current_year))
    yield from sorted(outcomes, key=lambda outcome: outcome.line)


def _load_bundle(text: str | bytes) -> dict[str, Any] | RowError:
    try:
        decoded = text.decode("utf-8-sig") if isinstance(text, bytes) else text
        data = json.loads(decoded.removeprefix("\ufeff"))
    except UnicodeDecodeError:
        return RowError(1, "The file is not UTF-8 text.")
    except json.JSONDecodeError as error:
        detail = f"{error.msg} (line {error.lineno}, column {error.colno})"
        return RowError(error.lineno, f"The file is not valid JSON: {detail}.")
    except (ValueError, RecursionError) as error:
        return RowError(1, f"The file is not valid JSON: {error}.")
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        return RowError(1, "The file is not a FHIR Bundle (resourceType `Bundle`).")
    kind = data.get("type")
    if kind not in BUNDLE_TYPES:
        shown_kind = shown(kind) if isinstance(kind, str) else "missing"
        return RowError(1, f"Bundle type is {shown_kind}; it must be {', '.join(BUNDLE_TYPES)}.")
    return data


def _sort_entries(
    entries: list[Any], errors: list[RowOutcome]
) -> tuple[list[_Entry], list[_Entry]]:
    """Patients and Immunizations; entries without a resource become errors."""
    patients: list[_Entry] = []
    shots: list[_Entry] = []
    for index, entry in enumerate(entries, start=1):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            errors.append(RowError(index, "The entry has no resource.", f"entry {index}"))
            continue
        full_url = entry.get("fullUrl")
        item = _Entry(index, resource, full_url if isinstance(full_url, str) else None)
        if resource.get("resourceType") == "Patient":
            patients.append(item)
        elif resource.get("resourceType") == "Immunization":
            shots.append(item)
    return patients, shots


def _index_patients(
    patients: list[_Entry], errors: list[RowOutcome]
) -> tuple[dict[str, _Entry], list[_Entry]]:
    """Each Patient under its fullUrl and `Patient/<id>`, and the Patients not repeated.

    A Patient whose fullUrl or id an earlier entry already has becomes an error.
    """
    owners: dict[str, _Entry] = {}
    unique: list[_Entry] = []
    for patient in patients:
        rid = patient.resource.get("id")
        keys = [patient.full_url or "", f"Patient/{rid}" if isinstance(rid, str) else ""]
        keys = [key for key in keys if key]
        if clash := next((owners[k] for k in keys if k in owners), None):
            reason = f"The bundle already has this patient at entry {clash.index}."
            errors.append(RowError(patient.index, reason, patient.label))
            continue
        owners.update(dict.fromkeys(keys, patient))
        unique.append(patient)
    return owners, unique


def _link_shots(
    shots: list[_Entry], owners: dict[str, _Entry], errors: list[RowOutcome]
) -> dict[int, list[_Entry]]:
    """Completed immunizations by their patient's entry index; the rest are skipped."""
    given: dict[int, list[_Entry]] = {}
    for shot in shots:
        if shot.resource.get("status") != "completed":
            continue  # not-done and entered-in-error immunizations are not doses
        reference = _patient_reference(shot.resource)
        owner = _owner(reference, owners)
        if owner is None:
            shown_ref = shown(reference) if reference else "(none)"
            reason = f"The immunization's patient {shown_ref} is not in the bundle."
            errors.append(RowError(shot.index, reason, shot.label))
        else:
            given.setdefault(owner.index, []).append(shot)
    return given


def _patient_reference(resource: dict[str, Any]) -> str | None:
    patient = resource.get("patient")
    reference = patient.get("reference") if isinstance(patient, dict) else None
    return reference if isinstance(reference, str) else None


def _owner(reference: str | None, owners: dict[str, _Entry]) -> _Entry | None:
    if not reference:
        return None
    if reference in owners:
        return owners[reference]
    tail = _PATIENT_TAIL.search(reference)
    return owners.get(tail.group(1)) if tail else None


def _patient_outcome(
    patient: _Entry, shot_entries: list[_Entry], catalogue: Catalogue, current_year: int
) -> RowOutcome:
    draft = Draft()
    read_patient(draft, patient.resource, current_year=current_year)
    shots: list[Shot] = []
    for entry in shot_entries:
        shot = read_immunization(
            draft.problems,
            entry.label,
            entry.resource,
            catalogue=catalogue,
            current_year=current_year,
        )
        if shot is not None:
            shots.append(shot)
    draft.doses = number_doses(draft.problems, shots)
    return draft.outcome(patient.index, birth_label="birthDate", where=patient.label)
