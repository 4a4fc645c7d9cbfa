"""The registry on SQLAlchemy: the same code on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Engine, String, any_, bindparam, func, insert, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError

from kyvs.adapters.sql import rows
from kyvs.adapters.sql.bulk import insert_missing
from kyvs.adapters.sql.tables import beneficiaries, doses
from kyvs.domain.doses import Dose
from kyvs.domain.errors import BeneficiaryNotFound, DuplicateDose, InvalidInput
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.people import Registration
from kyvs.ports import WriteCounts

# Bound parameters per IN list: well under SQLite's and PostgreSQL's limits.
_CHUNK = 2000
_ARRAY_CHUNK = 20_000  # one array parameter, whatever its length


def _among(connection: Connection, column: Any, values: list[str]) -> Any:
    # PostgreSQL takes one array parameter (`= ANY`) far faster than thousands of IN parameters.
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(String)))
    return column.in_(values)


def _chunks(values: Collection[str], connection: Connection) -> Iterator[list[str]]:
    size = _ARRAY_CHUNK if connection.dialect.name == "postgresql" else _CHUNK
    it = iter(values)
    while chunk := list(islice(it, size)):
        yield chunk


class SqlRegistry:
    """Beneficiaries and doses in two tables; lookups by reference id and by mobile."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, registration: Registration) -> None:
        """Store a new beneficiary with their doses."""
        person = registration.beneficiary
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(beneficiaries), rows.beneficiary_row(person))
                if registration.doses:
                    connection.execute(
                        insert(doses),
                        [rows.dose_row(person.reference_id, d) for d in registration.doses],
                    )
        except IntegrityError:
            raise InvalidInput(
                f"Reference id {person.reference_id} is already registered."
            ) from None

    def add_dose(self, reference_id: str, dose: Dose) -> None:
        """Record one more dose of an existing beneficiary."""
        with self.engine.begin() as connection:
            found = connection.execute(
                select(beneficiaries.c.reference_id).where(
                    beneficiaries.c.reference_id == reference_id
                )
            ).first()
            if found is None:
                raise BeneficiaryNotFound(f"No beneficiary has reference id {reference_id}.")
            try:
                with connection.begin_nested():
                    connection.execute(insert(doses), rows.dose_row(reference_id, dose))
            except IntegrityError:
                raise DuplicateDose(
                    f"Dose {dose.dose_number} of {reference_id} is already recorded."
                ) from None

    def get(self, reference_id: str) -> Registration | None:
        """The beneficiary and their doses, or None."""
        found = self._load(beneficiaries.c.reference_id == reference_id)
        return found[0] if found else None

    def on_mobile(self, mobile: MobileNumber) -> list[Registration]:
        """Everyone registered on a mobile number, in reference-id order."""
        return self._load(beneficiaries.c.mobile == mobile.national)

    def _load(self, condition: object) -> list[Registration]:
        with self.engine.connect() as connection:
            people = (
                connection.execute(
                    select(beneficiaries).where(condition).order_by(beneficiaries.c.reference_id)  # type: ignore[arg-type]
                )
                .mappings()
                .all()
            )
            if not people:
                return []
            refs = [p["reference_id"] for p in people]
            dose_rows = connection.execute(
                select(doses)
                .where(doses.c.reference_id.in_(refs))
                .order_by(doses.c.reference_id, doses.c.dose_number)
            ).mappings()
            by_ref: dict[str, list[Dose]] = defaultdict(list)
            for row in dose_rows:
                by_ref[row["reference_id"]].append(rows.to_dose(row))
        return [
            Registration(rows.to_beneficiary(p), tuple(by_ref[p["reference_id"]])) for p in people
        ]

    def count_on_mobiles(self, mobiles: Collection[str]) -> dict[str, int]:
        """How many people each mobile holds (mobiles holding none are absent)."""
        counts: dict[str, int] = {}
        with self.engine.connect() as connection:
            for chunk in _chunks(mobiles, connection):
                query = (
                    select(beneficiaries.c.mobile, func.count())
                    .where(_among(connection, beneficiaries.c.mobile, chunk))
                    .group_by(beneficiaries.c.mobile)
                )
                counts.update({mobile: int(n) for mobile, n in connection.execute(query)})
        return counts

    def existing(self, reference_ids: Collection[str]) -> dict[str, tuple[str, str]]:
        """Those already registered, with their (full name, national mobile)."""
        found: dict[str, tuple[str, str]] = {}
        with self.engine.connect() as connection:
            for chunk in _chunks(reference_ids, connection):
                query = select(
                    beneficiaries.c.reference_id,
                    beneficiaries.c.full_name,
                    beneficiaries.c.mobile,
                ).where(_among(connection, beneficiaries.c.reference_id, chunk))
                for ref, name, mobile in connection.execute(query):
                    found[ref] = (name, mobile)
        return found

    def write_many(self, registrations: Sequence[Registration]) -> WriteCounts:
        """Bulk-store people and doses in one transaction, skipping what is already there."""
        people = [rows.beneficiary_row(r.beneficiary) for r in registrations]
        dose_rows = [
            rows.dose_row(r.beneficiary.reference_id, d) for r in registrations for d in r.doses
        ]
        with self.engine.begin() as connection:
            added_people = insert_missing(connection, beneficiaries, people)
            added_doses = insert_missing(connection, doses, dose_rows)
        return WriteCounts(beneficiaries=added_people, doses=added_doses)

    def count(self) -> int:
        """How many beneficiaries the registry holds."""
        with self.engine.connect() as connection:
            return int(
                connection.execute(select(func.count()).select_from(beneficiaries)).scalar_one()
            )
