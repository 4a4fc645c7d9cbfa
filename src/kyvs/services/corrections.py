"""Operators decide citizens' status corrections; an accepted one rewrites the dose events."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from kyvs.domain.citizen import (
    Correction,
    CorrectionNotFound,
    CorrectionStatus,
    corrected_doses,
)
from kyvs.domain.errors import BeneficiaryNotFound
from kyvs.domain.rules import RuleSet
from kyvs.domain.status import Status, status_of
from kyvs.ports import CorrectionDesk, Registry


def _open(desk: CorrectionDesk, correction_id: str) -> Correction:
    found = desk.get(correction_id.strip())
    if found is None or found.status is not CorrectionStatus.OPEN:
        raise CorrectionNotFound(f"No open correction has id {correction_id!r}.")
    return found


def accept(
    *,
    desk: CorrectionDesk,
    registry: Registry,
    rules: RuleSet,
    correction_id: str,
    note: str,
    now: dt.datetime,
) -> tuple[Correction, Status, Status]:
    """Apply the correction to the person's doses; returns it with the status before and after."""
    correction = _open(desk, correction_id)
    person = registry.get(correction.beneficiary_ref)
    if person is None:
        raise BeneficiaryNotFound("The person of this correction is no longer registered.")
    new_doses = corrected_doses(person.doses, correction)
    decided = replace(
        correction, status=CorrectionStatus.ACCEPTED, decided_at=now, decision_note=note.strip()
    )
    desk.decide(decided, new_doses=new_doses)
    today = now.date()
    return decided, status_of(person.doses, rules, today), status_of(new_doses, rules, today)


def reject(*, desk: CorrectionDesk, correction_id: str, note: str, now: dt.datetime) -> Correction:
    """Close the correction without changing any dose."""
    decided = replace(
        _open(desk, correction_id),
        status=CorrectionStatus.REJECTED,
        decided_at=now,
        decision_note=note.strip(),
    )
    desk.decide(decided, new_doses=None)
    return decided
