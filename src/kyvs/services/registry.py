"""Registry use cases: register a person, record a dose, show a person with their status."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from kyvs.domain import reference_ids
from kyvs.domain.doses import Dose, DoseKind
from kyvs.domain.errors import BeneficiaryNotFound, InvalidInput, MobileFull
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.people import (
    Beneficiary,
    Gender,
    PhotoId,
    Registration,
    check_birth_year,
    clean_full_name,
)
from kyvs.domain.rules import RuleSet
from kyvs.domain.status import Status, status_of
from kyvs.ports import Registry

_ID_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class PersonStatus:
    """A registered person, their doses and their status on a date."""

    registration: Registration
    status: Status


def register(
    *,
    registry: Registry,
    full_name: str,
    mobile: str,
    birth_year: int,
    gender: str,
    photo_id_type: str | None = None,
    photo_id_number: str | None = None,
    max_per_mobile: int,
    today: dt.date,
) -> Beneficiary:
    """Register a new person under a fresh random reference id; a mobile holds `max_per_mobile`."""
    if (photo_id_type is None) != (photo_id_number is None):
        raise InvalidInput("Give both the photo-ID type and its number, or neither.")
    number = MobileNumber.parse(mobile)
    held = registry.count_on_mobiles([number.national]).get(number.national, 0)
    if held >= max_per_mobile:
        raise MobileFull(f"Mobile {number.masked} already holds {held} people (the most allowed).")
    photo = (
        PhotoId.parse(photo_id_type, photo_id_number) if photo_id_type and photo_id_number else None
    )
    for _ in range(_ID_ATTEMPTS):
        beneficiary = Beneficiary(
            reference_id=reference_ids.from_random_digits(
                "".join(secrets.choice("0123456789") for _ in range(13))
            ),
            full_name=clean_full_name(full_name),
            birth_year=check_birth_year(birth_year, current_year=today.year),
            gender=Gender.parse(gender),
            mobile=number,
            photo_id=photo,
        )
        if not registry.existing([beneficiary.reference_id]):
            registry.add(Registration(beneficiary))
            return beneficiary
    raise RuntimeError("could not find a free reference id")  # 10^13 ids: practically never


def record_dose(
    *,
    registry: Registry,
    rules: RuleSet,
    reference_id: str,
    vaccine: str,
    date: dt.date,
    kind: str = "primary",
    centre: str = "",
    batch: str = "",
    today: dt.date,
) -> tuple[Dose, Status]:
    """Record the person's next dose (numbered after their last) and return their new status."""
    ref = reference_ids.parse(reference_id)
    current = _get(registry, ref)
    if date > today:
        raise InvalidInput("A dose cannot be dated in the future.")
    if date.year < current.beneficiary.birth_year:
        raise InvalidInput("A dose cannot be dated before the person was born.")
    dose = Dose(
        vaccine=rules.catalogue.find(vaccine).code,
        dose_number=max((d.dose_number for d in current.doses), default=0) + 1,
        kind=DoseKind.parse(kind),
        date=date,
        centre=centre.strip(),
        batch=batch.strip(),
    )
    registry.add_dose(ref, dose)
    return dose, status_of((*current.doses, dose), rules, today)


def show(*, registry: Registry, rules: RuleSet, reference_id: str, today: dt.date) -> PersonStatus:
    """The person with this reference id, their doses and their status today."""
    registration = _get(registry, reference_ids.parse(reference_id))
    return PersonStatus(registration, status_of(registration.doses, rules, today))


def _get(registry: Registry, reference_id: str) -> Registration:
    found = registry.get(reference_id)
    if found is None:
        raise BeneficiaryNotFound(f"No beneficiary has reference id {reference_id}.")
    return found
