"""What a confirmed verification discloses: the status always, more only by scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kyvs.domain.people import Registration
from kyvs.domain.status import Status

DEMOGRAPHICS = "demographics"
VACCINATIONS = "vaccinations"


def disclosed_fields(
    registration: Registration,
    status: Status,
    scopes: frozenset[str],
    *,
    txn_id: str,
    verified_at: dt.datetime,
    status_text: str,
) -> dict[str, Any]:
    """The result fields a provider with `scopes` may see; never mobile, ID numbers or centres."""
    result: dict[str, Any] = {
        "txn_id": txn_id,
        "vaccination_status": int(status.code),
        "status": status.code.name,
        "status_text": status_text,
        "precaution_dose": status.precaution,
        "verified_at": verified_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
    }
    person = registration.beneficiary
    if DEMOGRAPHICS in scopes:
        result["beneficiary"] = {
            "name": person.full_name,
            "birth_year": person.birth_year,
            "gender": person.gender.value,
            "reference_id_masked": person.reference_id_masked,
        }
    if VACCINATIONS in scopes:
        result["vaccinations"] = [
            {
                "vaccine": d.vaccine,
                "dose": d.dose_number,
                "kind": d.kind.value,
                "date": d.date.isoformat(),
            }
            for d in sorted(registration.doses, key=lambda d: (d.date, d.dose_number))
            if d.date <= verified_at.date()
        ]
    return result
