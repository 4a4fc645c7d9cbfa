"""Factories for registry test data: readable defaults, override what the test is about."""

from __future__ import annotations

import datetime as dt
import itertools

from kyvs.domain import reference_ids
from kyvs.domain.doses import Dose, DoseKind
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.people import Beneficiary, Gender, PhotoId, PhotoIdType, Registration

_counter = itertools.count(1)


def a_beneficiary(
    *,
    name: str = "Asha Patel",
    mobile: str = "9876543210",
    birth_year: int = 1988,
    gender: Gender = Gender.FEMALE,
    photo_id: PhotoId | None = None,
    reference_id: str | None = None,
) -> Beneficiary:
    return Beneficiary(
        reference_id=reference_id or reference_ids.make(f"7{next(_counter):012d}"),
        full_name=name,
        birth_year=birth_year,
        gender=gender,
        mobile=MobileNumber(mobile),
        photo_id=photo_id,
    )


def a_dose(
    vaccine: str = "COVISHIELD",
    date: str = "2021-05-01",
    *,
    number: int = 1,
    kind: DoseKind = DoseKind.PRIMARY,
    centre: str = "PHC Anand",
    batch: str = "4121Z025",
) -> Dose:
    return Dose(vaccine, number, kind, dt.date.fromisoformat(date), centre, batch)


def a_registration(*doses: Dose, **person: object) -> Registration:
    return Registration(a_beneficiary(**person), tuple(doses))  # type: ignore[arg-type]


def fully_vaccinated(**person: object) -> Registration:
    return a_registration(
        a_dose("COVISHIELD", "2021-05-01", number=1),
        a_dose("COVISHIELD", "2021-08-01", number=2),
        **person,
    )


AADHAAR = PhotoId(PhotoIdType.AADHAAR, "234123412346")
