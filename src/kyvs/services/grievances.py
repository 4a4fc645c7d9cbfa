"""Operators read and answer citizens' grievances (DPDP Rules 2025: within 90 days)."""

from __future__ import annotations

import datetime as dt

from kyvs.domain.rights import Grievance, GrievanceNotFound
from kyvs.ports import GrievanceDesk


def listed(desk: GrievanceDesk, *, open_only: bool, overdue_on: dt.date | None) -> list[Grievance]:
    """Grievances oldest first: only open ones when `open_only`, only those overdue on
    `overdue_on` when given (an overdue one is open)."""
    found = desk.grievances(open_only=open_only or overdue_on is not None)
    return [g for g in found if overdue_on is None or g.overdue(overdue_on)]


def answer(desk: GrievanceDesk, *, grievance_id: str, text: str, now: dt.datetime) -> Grievance:
    """Answer an open grievance, closing it at `now` (the citizen sees the answer on `/me`);
    `GrievanceNotFound` for an unknown or already answered one."""
    found = desk.get(grievance_id.strip())
    if found is None:
        raise GrievanceNotFound("No grievance with that id.")
    answered = found.answered(text, now)
    if not desk.save_answer(answered):
        raise GrievanceNotFound("This grievance is already answered.")
    return answered
