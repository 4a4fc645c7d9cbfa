"""The in-memory registry: what the shared contract suite (tests/integration) does not pin down."""

from __future__ import annotations

import pytest

from kyvs.adapters.memory.registry import MemoryRegistry
from kyvs.domain.errors import DuplicateDose
from kyvs.domain.mobile import MobileNumber
from kyvs.ports import Registry, WriteCounts
from tests.factories.people import a_dose, a_registration


def test_it_satisfies_the_registry_protocol():
    registry: Registry = MemoryRegistry()
    assert registry.count() == 0


def test_it_can_start_from_registrations_and_lists_a_mobile_in_registration_order():
    people = [a_registration(name=name, mobile="9000000001") for name in ("Meera", "Asha")]
    registry = MemoryRegistry(people)
    assert registry.on_mobile(MobileNumber("9000000001")) == people


def test_doses_read_back_in_dose_number_order():
    stored = a_registration(a_dose(date="2021-08-01", number=2), a_dose(number=1))
    registry = MemoryRegistry([stored])
    found = registry.get(stored.beneficiary.reference_id)
    assert found is not None
    assert [d.dose_number for d in found.doses] == [1, 2]


def test_a_registration_listing_one_dose_number_twice_is_refused_whole():
    registry = MemoryRegistry()
    with pytest.raises(DuplicateDose):
        registry.add(a_registration(a_dose(number=1), a_dose(date="2021-06-01", number=1)))
    assert registry.count() == 0


def test_a_bulk_write_counts_a_person_repeated_in_it_once():
    first = a_registration(a_dose(number=1))
    repeat = a_registration(a_dose(number=2), reference_id=first.beneficiary.reference_id)
    registry = MemoryRegistry()
    assert registry.write_many([first, repeat]) == WriteCounts(beneficiaries=1, doses=2)
    assert registry.count_on_mobiles([first.beneficiary.mobile.national]) == {
        first.beneficiary.mobile.national: 1
    }
