"""Operators' grievance use cases over an in-memory desk: listing open and overdue ones, and
answering an open one exactly once."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from kyvs.domain.errors import InvalidInput
from kyvs.domain.rights import Grievance, GrievanceNotFound, GrievanceSubject
from kyvs.services import grievances

NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)


class MemoryDesk:
    def __init__(self, *filed: Grievance) -> None:
        self.filed = {g.grievance_id: g for g in filed}

    def grievances(self, *, open_only: bool) -> list[Grievance]:
        found = sorted(self.filed.values(), key=lambda g: g.filed_at)
        return [g for g in found if g.open or not open_only]

    def get(self, grievance_id: str) -> Grievance | None:
        return self.filed.get(grievance_id)

    def save_answer(self, grievance: Grievance) -> bool:
        if not self.filed[grievance.grievance_id].open:
            return False
        self.filed[grievance.grievance_id] = grievance
        return True


def filed(grievance_id: str, days_ago: int) -> Grievance:
    return Grievance(
        grievance_id=grievance_id,
        mobile_key="k",
        mobile_masked="XXXXXX3210",
        subject=GrievanceSubject.ERASURE,
        text="Please erase my share links.",
        reference=None,
        filed_at=NOW - dt.timedelta(days=days_ago),
    )


@pytest.fixture
def desk() -> MemoryDesk:
    answered = dataclasses.replace(filed("answered", 200), answer="Done.", answered_at=NOW)
    return MemoryDesk(filed("fresh", 1), filed("late", 91), answered)


def test_all_open_and_overdue_lists_are_oldest_first(desk):
    listed = grievances.listed
    assert [g.grievance_id for g in listed(desk, open_only=False, overdue_on=None)] == [
        "answered",
        "late",
        "fresh",
    ]
    assert [g.grievance_id for g in listed(desk, open_only=True, overdue_on=None)] == [
        "late",
        "fresh",
    ]
    overdue = listed(desk, open_only=False, overdue_on=NOW.date())
    assert [g.grievance_id for g in overdue] == ["late"]


def test_an_answer_closes_the_grievance_and_a_second_answer_is_refused(desk):
    done = grievances.answer(desk, grievance_id=" late ", text="We erased them.", now=NOW)
    assert (done.answer, done.answered_at, done.open) == ("We erased them.", NOW, False)
    with pytest.raises(GrievanceNotFound):
        grievances.answer(desk, grievance_id="late", text="Again.", now=NOW)


def test_an_unknown_grievance_or_an_empty_answer_is_refused(desk):
    with pytest.raises(GrievanceNotFound):
        grievances.answer(desk, grievance_id="nope", text="Hello.", now=NOW)
    with pytest.raises(InvalidInput):
        grievances.answer(desk, grievance_id="fresh", text="  ", now=NOW)
    assert desk.get("fresh").open
