"""Who a breach exposed, read from the access log and the API audit of its window.

A person is affected when a verification disclosed something of theirs in the window (an access
entry `verified`, with the scopes it disclosed): whoever held the provider's key could read those
results. People for whom an OTP was only asked (`requested`, `undelivered`, `locked`) learnt of
the provider by SMS but had nothing disclosed; they are counted, not listed. The API audit holds
no personal data: it tells what the provider's key did (which routes, how often, when).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kyvs.domain import reference_ids
from kyvs.domain.mobile import MobileNumber

DISCLOSED = "verified"  # the access-log outcome of a verification that disclosed its scopes


@dataclass(frozen=True, slots=True)
class AccessRecord:
    """One access-log entry in a breach's window."""

    beneficiary_ref: str
    provider_id: str
    provider_name: str
    scopes: frozenset[str]
    outcome: str
    at: dt.datetime
    consent_id: str | None = None  # the signed consent record of a disclosure


@dataclass(frozen=True, slots=True)
class ApiActivity:
    """What one caller did on one route in a breach's window (from the API audit)."""

    provider_id: str | None
    route: str
    calls: int
    first_at: dt.datetime
    last_at: dt.datetime


@dataclass(frozen=True, slots=True)
class AffectedPerson:
    """Someone whose data a verification in the window disclosed, and how to reach them.

    `mobile` is None when the person is no longer in the registry."""

    reference_id: str
    mobile: MobileNumber | None
    disclosures: tuple[AccessRecord, ...]

    @property
    def reference_id_masked(self) -> str:
        """The reference id with only its last four digits."""
        return reference_ids.masked(self.reference_id)

    @property
    def mobile_masked(self) -> str | None:
        """The mobile with only its last four digits (None when unknown)."""
        return self.mobile.masked if self.mobile else None

    @property
    def scopes(self) -> frozenset[str]:
        """Everything disclosed about the person in the window."""
        return frozenset().union(*(d.scopes for d in self.disclosures))


@dataclass(frozen=True, slots=True)
class Exposure:
    """A breach's window as the logs tell it."""

    people: tuple[AffectedPerson, ...]
    asked_only: int
    api_activity: tuple[ApiActivity, ...]

    @property
    def disclosed_scopes(self) -> tuple[str, ...]:
        """The scopes disclosed about anyone, sorted."""
        return tuple(sorted(frozenset().union(*(p.scopes for p in self.people))))


def exposure_of(
    records: Iterable[AccessRecord],
    mobiles: Mapping[str, MobileNumber],
    api_activity: Iterable[ApiActivity] = (),
) -> Exposure:
    """The affected people (those with a disclosure, in order of their first one, each with
    their disclosures oldest first), how many others were only asked for, and the API activity."""
    disclosed: dict[str, list[AccessRecord]] = {}
    asked: set[str] = set()
    for record in sorted(records, key=lambda r: (r.at, r.beneficiary_ref)):
        if not record.beneficiary_ref:  # a lock of a txn that matched no one names nobody
            continue
        if record.outcome == DISCLOSED:
            disclosed.setdefault(record.beneficiary_ref, []).append(record)
        else:
            asked.add(record.beneficiary_ref)
    people = tuple(
        AffectedPerson(ref, mobiles.get(ref), tuple(found)) for ref, found in disclosed.items()
    )
    return Exposure(
        people=people,
        asked_only=len(asked - disclosed.keys()),
        api_activity=tuple(api_activity),
    )
