"""Properties the status engine keeps for any dose history, not just the examples in the spec."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from kyvs.domain.doses import Dose, DoseKind
from kyvs.domain.status import StatusCode, status_of
from kyvs.rules import load_rule_set

RULES = load_rule_set()
FIRST_DAY = dt.date(2020, 6, 1)
LAST_DAY = dt.date(2024, 12, 31)

# Modest example counts keep this file to a few seconds.
examples = settings(max_examples=300, deadline=None)

dates = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)
doses = st.builds(
    Dose,
    vaccine=st.sampled_from(RULES.catalogue.codes),
    dose_number=st.integers(min_value=1, max_value=9),
    kind=st.sampled_from(DoseKind),
    date=dates,
)
histories = st.lists(doses, max_size=6)


@examples
@given(history=histories, extra=doses, on=dates)
def test_adding_a_dose_never_lowers_the_status(
    history: list[Dose], extra: Dose, on: dt.date
) -> None:
    before = status_of(history, RULES, on)
    after = status_of([*history, extra], RULES, on)
    assert after.code >= before.code
    assert after.precaution or not before.precaution


@examples
@given(data=st.data(), history=st.lists(doses, min_size=1, max_size=6))
def test_an_earlier_first_dose_never_lowers_the_status(
    data: st.DataObject, history: list[Dose]
) -> None:
    # The hard case: the series now starts earlier, possibly under another schedule (ZyCoV-D).
    first = min(d.date for d in history)
    earlier = data.draw(st.dates(min_value=FIRST_DAY, max_value=first), label="earlier")
    extra = replace(data.draw(doses, label="extra"), date=earlier)
    before = status_of(history, RULES, LAST_DAY)
    after = status_of([extra, *history], RULES, LAST_DAY)
    assert after.code >= before.code
    assert after.precaution or not before.precaution


@examples
@given(data=st.data(), history=histories, on=dates)
def test_the_order_of_the_doses_does_not_matter(
    data: st.DataObject, history: list[Dose], on: dt.date
) -> None:
    shuffled = data.draw(st.permutations(history))
    assert status_of(shuffled, RULES, on) == status_of(history, RULES, on)


@examples
@given(history=histories, later=st.lists(doses, max_size=3), on=dates)
def test_doses_after_the_check_date_never_change_the_status(
    history: list[Dose], later: list[Dose], on: dt.date
) -> None:
    given_by_then = [d for d in history if d.date <= on]
    after_then = [d for d in later if d.date > on]
    assert status_of([*given_by_then, *after_then], RULES, on) == status_of(
        given_by_then, RULES, on
    )


@examples
@given(history=histories, on=dates)
def test_not_vaccinated_exactly_when_no_dose_is_on_or_before_the_check_date(
    history: list[Dose], on: dt.date
) -> None:
    status = status_of(history, RULES, on)
    no_dose_yet = all(d.date > on for d in history)
    assert (status.code is StatusCode.NOT_VACCINATED) == no_dose_yet


@examples
@given(history=histories, on=dates)
def test_a_precaution_dose_only_follows_a_complete_primary_series(
    history: list[Dose], on: dt.date
) -> None:
    status = status_of(history, RULES, on)
    if status.precaution:
        assert status.code is StatusCode.FULLY_VACCINATED
    assert (status.primary_completed_on is not None) == (status.code is StatusCode.FULLY_VACCINATED)
    assert status.rules_version == RULES.version
