"""Conversions between table rows and domain objects (the mapping lives here, not in the domain)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from kyvs.domain.doses import Dose, DoseKind
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.people import Beneficiary, Gender, PhotoId, PhotoIdType


def beneficiary_row(beneficiary: Beneficiary) -> dict[str, Any]:
    """The `beneficiaries` row of a beneficiary."""
    photo = beneficiary.photo_id
    return {
        "reference_id": beneficiary.reference_id,
        "full_name": beneficiary.full_name,
        "birth_year": beneficiary.birth_year,
        "gender": beneficiary.gender.value,
        "mobile": beneficiary.mobile.national,
        "photo_id_type": photo.kind.value if photo else None,
        "photo_id_number": photo.number if photo else None,
    }


def dose_row(reference_id: str, dose: Dose) -> dict[str, Any]:
    """The `doses` row of one dose of a beneficiary."""
    return {
        "reference_id": reference_id,
        "dose_number": dose.dose_number,
        "vaccine": dose.vaccine,
        "kind": dose.kind.value,
        "given_on": dose.date,
        "centre": dose.centre,
        "batch": dose.batch,
    }


def to_beneficiary(row: Mapping[Any, Any]) -> Beneficiary:
    """A beneficiary from its row."""
    photo = None
    if row["photo_id_type"] and row["photo_id_number"]:
        photo = PhotoId(PhotoIdType(row["photo_id_type"]), row["photo_id_number"])
    return Beneficiary(
        reference_id=row["reference_id"],
        full_name=row["full_name"],
        birth_year=row["birth_year"],
        gender=Gender(row["gender"]),
        mobile=MobileNumber(row["mobile"]),
        photo_id=photo,
    )


def to_dose(row: Mapping[Any, Any]) -> Dose:
    """A dose from its row."""
    return Dose(
        vaccine=row["vaccine"],
        dose_number=row["dose_number"],
        kind=DoseKind(row["kind"]),
        date=row["given_on"],
        centre=row["centre"],
        batch=row["batch"],
    )


def as_utc(moment: dt.datetime) -> dt.datetime:
    """A stored timestamp as aware UTC (SQLite hands back naive datetimes)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
