"""Every Registry adapter keeps the same promises: in memory, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from kyvs.adapters.memory.registry import MemoryRegistry
from kyvs.adapters.sql import migrate
from kyvs.adapters.sql.engine import make_engine
from kyvs.adapters.sql.registry import SqlRegistry
from kyvs.domain.errors import BeneficiaryNotFound, DuplicateDose, InvalidInput
from kyvs.domain.mobile import MobileNumber
from kyvs.ports import Registry, WriteCounts
from tests.factories.people import AADHAAR, a_dose, a_registration, fully_vaccinated


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def registry(request) -> Registry:
    if request.param == "memory":
        return MemoryRegistry()
    engine = make_engine(request.getfixturevalue(f"{request.param}_url"))
    migrate.upgrade(engine)
    request.addfinalizer(engine.dispose)
    return SqlRegistry(engine)


def test_a_registration_reads_back_as_stored(registry):
    stored = fully_vaccinated(name="ભાવેશ શાહ", photo_id=AADHAAR)
    registry.add(stored)
    assert registry.get(stored.beneficiary.reference_id) == stored


def test_an_unknown_reference_id_reads_as_none(registry):
    assert registry.get("12345678901234") is None


def test_a_reference_id_cannot_be_registered_twice(registry):
    stored = a_registration()
    registry.add(stored)
    with pytest.raises(InvalidInput):
        registry.add(stored)


def test_a_dose_is_added_to_an_existing_person(registry):
    stored = a_registration(a_dose(number=1))
    registry.add(stored)
    registry.add_dose(stored.beneficiary.reference_id, a_dose("COVISHIELD", "2021-08-01", number=2))
    found = registry.get(stored.beneficiary.reference_id)
    assert found is not None
    assert [d.dose_number for d in found.doses] == [1, 2]


def test_the_same_dose_number_cannot_be_recorded_twice(registry):
    stored = a_registration(a_dose(number=1))
    registry.add(stored)
    with pytest.raises(DuplicateDose):
        registry.add_dose(stored.beneficiary.reference_id, a_dose(number=1))


def test_a_dose_for_an_unknown_person_is_refused(registry):
    with pytest.raises(BeneficiaryNotFound):
        registry.add_dose("12345678901234", a_dose())


def test_everyone_on_a_mobile_is_found_and_nobody_else(registry):
    household = [a_registration(name=n, mobile="9000000001") for n in ("Asha", "Rohan", "Meera")]
    neighbour = a_registration(name="Ravi", mobile="9000000002")
    for person in (*household, neighbour):
        registry.add(person)
    found = registry.on_mobile(MobileNumber("9000000001"))
    assert sorted(r.beneficiary.full_name for r in found) == ["Asha", "Meera", "Rohan"]
    assert registry.on_mobile(MobileNumber("9000000003")) == []


def test_people_are_counted_per_mobile(registry):
    for name in ("Asha", "Rohan"):
        registry.add(a_registration(name=name, mobile="9000000001"))
    registry.add(a_registration(name="Ravi", mobile="9000000002"))
    counts = registry.count_on_mobiles(["9000000001", "9000000002", "9000000009"])
    assert counts == {"9000000001": 2, "9000000002": 1}
    assert registry.count() == 3


def test_existing_reports_only_registered_ids(registry):
    stored = a_registration()
    registry.add(stored)
    ref = stored.beneficiary.reference_id
    assert set(registry.existing([ref, "12345678901234"])) == {ref}


def test_a_bulk_write_skips_people_present_and_adds_only_missing_doses(registry):
    first = a_registration(a_dose(number=1))
    registry.write_many([first])
    again = a_registration(
        a_dose(number=1),
        a_dose("COVISHIELD", "2021-08-01", number=2),
        reference_id=first.beneficiary.reference_id,
    )
    newcomer = fully_vaccinated(mobile="9000000005")
    assert registry.write_many([again, newcomer]) == WriteCounts(beneficiaries=1, doses=3)
    assert registry.write_many([again, newcomer]) == WriteCounts(beneficiaries=0, doses=0)
    found = registry.get(first.beneficiary.reference_id)
    assert found is not None
    assert len(found.doses) == 2
