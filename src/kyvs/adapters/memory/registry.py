"""The vaccination registry held in dictionaries (one process, nothing persisted)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from kyvs.domain.doses import Dose
from kyvs.domain.errors import BeneficiaryNotFound, DuplicateDose, InvalidInput
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.people import Beneficiary, Registration
from kyvs.ports import WriteCounts


class MemoryRegistry:
    """A `kyvs.ports.Registry` in dictionaries, keyed by reference id and by mobile number."""

    def __init__(self, registrations: Iterable[Registration] = ()) -> None:
        self._people: dict[str, Beneficiary] = {}
        self._doses: dict[str, dict[int, Dose]] = {}
        self._by_mobile: dict[str, list[str]] = {}
        for registration in registrations:
            self.add(registration)

    def add(self, registration: Registration) -> None:
        """Store a new beneficiary with their doses (`InvalidInput` if the reference id exists)."""
        person = registration.beneficiary
        if person.reference_id in self._people:
            raise InvalidInput(
                f"A beneficiary with reference id {person.reference_id_masked} already exists."
            )
        numbers = [dose.dose_number for dose in registration.doses]
        if len(set(numbers)) != len(numbers):
            raise DuplicateDose("A registration lists the same dose number twice.")
        self._store(registration)

    def add_dose(self, reference_id: str, dose: Dose) -> None:
        """Record one more dose (`DuplicateDose` if that dose number exists)."""
        doses = self._doses.get(reference_id)
        if doses is None:
            raise BeneficiaryNotFound("No beneficiary has that reference id.")
        if dose.dose_number in doses:
            raise DuplicateDose(f"Dose {dose.dose_number} is already recorded.")
        doses[dose.dose_number] = dose

    def get(self, reference_id: str) -> Registration | None:
        """The beneficiary and their doses (ordered by dose number), or None."""
        person = self._people.get(reference_id)
        if person is None:
            return None
        doses = self._doses[reference_id]
        return Registration(person, tuple(doses[n] for n in sorted(doses)))

    def on_mobile(self, mobile: MobileNumber) -> list[Registration]:
        """Everyone registered on a mobile number, in the order they were registered."""
        refs = self._by_mobile.get(mobile.national, [])
        return [registration for ref in refs if (registration := self.get(ref)) is not None]

    def count_on_mobiles(self, mobiles: Collection[str]) -> dict[str, int]:
        """How many people each national mobile number holds (absent when none)."""
        return {
            mobile: len(self._by_mobile[mobile]) for mobile in mobiles if mobile in self._by_mobile
        }

    def existing(self, reference_ids: Collection[str]) -> dict[str, tuple[str, str]]:
        """Those already registered, with their (full name, national mobile)."""
        return {
            ref: (person.full_name, person.mobile.national)
            for ref in reference_ids
            if (person := self._people.get(ref)) is not None
        }

    def write_many(self, registrations: Sequence[Registration]) -> WriteCounts:
        """Store new people; for people already present, add only the doses they lack."""
        people = doses = 0
        for registration in registrations:
            ref = registration.beneficiary.reference_id
            if ref not in self._people:
                self._store(Registration(registration.beneficiary))
                people += 1
            held = self._doses[ref]
            for dose in registration.doses:
                if dose.dose_number not in held:
                    held[dose.dose_number] = dose
                    doses += 1
        return WriteCounts(beneficiaries=people, doses=doses)

    def count(self) -> int:
        """How many beneficiaries the registry holds."""
        return len(self._people)

    def _store(self, registration: Registration) -> None:
        person = registration.beneficiary
        self._people[person.reference_id] = person
        self._doses[person.reference_id] = {d.dose_number: d for d in registration.doses}
        self._by_mobile.setdefault(person.mobile.national, []).append(person.reference_id)
