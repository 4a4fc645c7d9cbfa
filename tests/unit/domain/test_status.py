"""The status engine, rule by rule, as STATUS_RULES.md and the rule file state them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from importlib import resources

import pytest

from kyvs.domain.doses import Dose
from kyvs.domain.status import Status, StatusCode, status_of
from kyvs.rules import load_rule_set
from tests.factories.doses import day, dose, precaution, primary

RULES = load_rule_set()
LATER = "2030-01-01"  # any check date after every rule change

NONE = StatusCode.NOT_VACCINATED
PARTIAL = StatusCode.PARTIALLY_VACCINATED
FULL = StatusCode.FULLY_VACCINATED


def check(doses: list[Dose], on: str = LATER) -> Status:
    return status_of(doses, RULES, day(on))


def warnings_of(status: Status) -> list[tuple[str, int]]:
    """The warnings as (code, dose number), in the order the engine reports them."""
    return [(w.code, w.dose_number) for w in status.warnings]


# A clean primary series of each vaccine (intervals respected) and a homologous precaution dose
# given at least 26 weeks later, after the 26-week policy of 6 July 2022 came in.
CLEAN_SERIES: dict[str, tuple[list[str], str]] = {
    "COVISHIELD": (["2021-06-01", "2021-09-01"], "2022-07-15"),
    "COVAXIN": (["2021-06-01", "2021-07-01"], "2022-07-15"),
    "SPUTNIK-V": (["2021-06-01", "2021-06-22"], "2022-07-15"),
    "SPUTNIK-LIGHT": (["2021-10-01"], "2022-07-15"),
    "ZYCOV-D": (["2021-11-01", "2021-11-29", "2021-12-27"], "2022-07-15"),
    "CORBEVAX": (["2022-03-16", "2022-04-13"], "2022-10-15"),
    "COVOVAX": (["2022-01-01", "2022-01-22"], "2022-08-01"),
    "JANSSEN": (["2021-09-01"], "2022-07-15"),
    "MODERNA": (["2021-07-01", "2021-07-29"], "2022-07-15"),
}


def test_every_catalogue_vaccine_has_a_clean_series_in_this_table() -> None:
    assert set(CLEAN_SERIES) == set(RULES.catalogue.codes)


# Each stage of a clean series: which doses, checked when, and the status expected.
STAGES: dict[str, tuple[StatusCode, bool]] = {
    "none": (NONE, False),  # checked the day before the first dose
    "partial": (PARTIAL, False),  # every dose but the last (vaccines of two or more doses)
    "full": (FULL, False),
    "precaution": (FULL, True),
}


def _stage(vaccine: str, stage: str) -> tuple[list[Dose], str]:
    dates, booster = CLEAN_SERIES[vaccine]
    doses = primary(vaccine, *dates)
    if stage == "none":
        return doses, (day(dates[0]) - dt.timedelta(days=1)).isoformat()
    if stage == "partial":
        return doses[:-1], LATER
    if stage == "precaution":
        doses.append(precaution(vaccine, booster, n=len(dates) + 1))
    return doses, LATER


@pytest.mark.parametrize(
    ("vaccine", "stage"),
    [
        pytest.param(vaccine, stage, id=f"{vaccine}-{stage}")
        for vaccine, (dates, _) in CLEAN_SERIES.items()
        for stage in STAGES
        if not (stage == "partial" and len(dates) == 1)
    ],
)
def test_a_clean_series_goes_none_partial_full_precaution(vaccine: str, stage: str) -> None:
    doses, on = _stage(vaccine, stage)
    status = check(doses, on)
    assert (status.code, status.precaution) == STAGES[stage]
    assert status.warnings == ()


@pytest.mark.parametrize(
    ("vaccine", "doses_needed"),
    [
        pytest.param("COVISHIELD", 2, id="COVISHIELD-2"),
        pytest.param("COVAXIN", 2, id="COVAXIN-2"),
        pytest.param("SPUTNIK-V", 2, id="SPUTNIK-V-2"),
        pytest.param("SPUTNIK-LIGHT", 1, id="SPUTNIK-LIGHT-1"),
        pytest.param("ZYCOV-D", 3, id="ZYCOV-D-3-for-a-2021-series"),
        pytest.param("CORBEVAX", 2, id="CORBEVAX-2"),
        pytest.param("COVOVAX", 2, id="COVOVAX-2"),
        pytest.param("JANSSEN", 1, id="JANSSEN-1"),
        pytest.param("MODERNA", 2, id="MODERNA-2"),
    ],
)
def test_the_primary_series_is_complete_on_its_last_needed_dose(
    vaccine: str, doses_needed: int
) -> None:
    dates = CLEAN_SERIES[vaccine][0]
    assert len(dates) == doses_needed
    status = check(primary(vaccine, *dates))
    assert status.primary_completed_on == day(dates[-1])


# --- interval violations: the dose still counts, the engine warns -------------------------------


@pytest.mark.parametrize(
    ("vaccine", "first", "second", "warned"),
    [
        pytest.param(
            "COVISHIELD", "2021-04-01", "2021-04-29", False, id="covishield-28d-before-13-may"
        ),
        pytest.param(
            "COVISHIELD", "2021-04-01", "2021-04-20", True, id="covishield-19d-before-13-may"
        ),
        pytest.param(
            "COVISHIELD", "2021-05-12", "2021-06-09", False, id="covishield-28d-series-from-12-may"
        ),
        pytest.param(
            "COVISHIELD", "2021-05-13", "2021-06-10", True, id="covishield-28d-series-from-13-may"
        ),
        pytest.param(
            "COVISHIELD", "2021-05-13", "2021-08-04", True, id="covishield-83d-after-13-may"
        ),
        pytest.param(
            "COVISHIELD", "2021-05-13", "2021-08-05", False, id="covishield-84d-after-13-may"
        ),
        pytest.param("COVAXIN", "2021-06-01", "2021-06-28", True, id="covaxin-27d"),
        pytest.param("COVAXIN", "2021-06-01", "2021-06-29", False, id="covaxin-28d"),
        pytest.param("SPUTNIK-V", "2021-06-01", "2021-06-21", True, id="sputnik-v-20d"),
        pytest.param("SPUTNIK-V", "2021-06-01", "2021-06-22", False, id="sputnik-v-21d"),
        pytest.param("CORBEVAX", "2022-03-16", "2022-04-12", True, id="corbevax-27d"),
        pytest.param("CORBEVAX", "2022-03-16", "2022-04-13", False, id="corbevax-28d"),
        pytest.param("COVOVAX", "2022-01-01", "2022-01-21", True, id="covovax-20d"),
        pytest.param("COVOVAX", "2022-01-01", "2022-01-22", False, id="covovax-21d"),
        pytest.param("MODERNA", "2021-07-01", "2021-07-28", True, id="moderna-27d"),
        pytest.param("MODERNA", "2021-07-01", "2021-07-29", False, id="moderna-28d"),
        pytest.param("ZYCOV-D", "2022-05-02", "2022-05-29", True, id="zycov-d-27d"),
        pytest.param("ZYCOV-D", "2022-05-02", "2022-05-30", False, id="zycov-d-28d"),
    ],
)
def test_a_second_dose_too_soon_still_counts_but_is_warned(
    vaccine: str, first: str, second: str, warned: bool
) -> None:
    status = check(primary(vaccine, first, second))
    assert status.code is FULL
    assert status.primary_completed_on == day(second)
    assert warnings_of(status) == ([("interval-too-short", 2)] if warned else [])


def test_the_interval_warning_names_the_gap_and_the_minimum() -> None:
    status = check(primary("COVISHIELD", "2021-05-13", "2021-06-10"))
    assert status.warnings[0].detail == "28 days after the previous dose; the minimum is 84"


def test_a_third_zycov_d_dose_too_soon_is_warned_on_that_dose() -> None:
    status = check(primary("ZYCOV-D", "2021-11-01", "2021-11-29", "2021-12-20"))
    assert status.code is FULL
    assert warnings_of(status) == [("interval-too-short", 3)]


# --- the schedule in force on the first dose's date ---------------------------------------------


@pytest.mark.parametrize(
    ("dates", "code"),
    [
        pytest.param(["2021-11-01", "2021-11-29"], PARTIAL, id="started-2021-two-doses"),
        pytest.param(["2021-11-01", "2021-11-29", "2021-12-27"], FULL, id="started-2021-three"),
        pytest.param(["2022-03-31", "2022-04-28"], PARTIAL, id="started-31-mar-2022-two-doses"),
        pytest.param(["2022-04-01", "2022-04-29"], FULL, id="started-1-apr-2022-two-doses"),
        pytest.param(["2022-05-02", "2022-05-30"], FULL, id="started-may-2022-two-doses"),
        pytest.param(["2022-05-02"], PARTIAL, id="started-may-2022-one-dose"),
    ],
)
def test_zycov_d_needs_the_doses_of_the_schedule_its_series_started_under(
    dates: list[str], code: StatusCode
) -> None:
    # Checked in 2030, long after the two-dose schedule came in: a 2021 series still needs three.
    assert check(primary("ZYCOV-D", *dates), LATER).code is code


def test_a_third_zycov_d_dose_of_a_may_2022_series_is_a_precaution_dose() -> None:
    doses = [
        *primary("ZYCOV-D", "2022-05-02", "2022-05-30"),
        precaution("ZYCOV-D", "2022-12-01", n=3),
    ]
    status = check(doses)
    assert (status.code, status.precaution) == (FULL, True)
    assert status.warnings == ()


def test_a_dose_before_the_vaccine_was_in_use_counts_but_is_warned() -> None:
    status = check(primary("JANSSEN", "2021-03-01"))
    assert status.code is FULL
    assert warnings_of(status) == [("before-rollout", 1)]


def test_a_vaccine_the_rules_do_not_know_never_completes_a_series_and_is_warned() -> None:
    status = check(primary("SINOVAC", "2021-06-01", "2021-07-01"))
    assert status.code is PARTIAL
    assert warnings_of(status) == [("unknown-vaccine", 1), ("unknown-vaccine", 2)]


# --- mixed primary series: rule `smallest-series` ------------------------------------------------


def test_the_rule_file_records_the_mixed_series_decision() -> None:
    text = resources.files("kyvs.rules").joinpath("status_rules.toml").read_text(encoding="utf-8")
    assert tomllib.loads(text)["mixed_series"] == "smallest-series"


@pytest.mark.parametrize(
    ("doses", "code", "completed_on", "warnings"),
    [
        pytest.param(
            [dose("COVISHIELD", "2021-06-01", n=1), dose("COVAXIN", "2021-09-01", n=2)],
            FULL,
            "2021-09-01",
            [("mixed-series", 2)],
            id="covishield-then-covaxin-complete-at-two",
        ),
        pytest.param(
            [dose("COVISHIELD", "2021-06-01", n=1), dose("COVAXIN", "2021-07-01", n=2)],
            FULL,
            "2021-07-01",
            [("interval-too-short", 2), ("mixed-series", 2)],
            id="interval-is-the-earlier-vaccines",
        ),
        pytest.param(
            [dose("ZYCOV-D", "2021-11-01", n=1), dose("COVAXIN", "2021-12-01", n=2)],
            FULL,
            "2021-12-01",
            [("mixed-series", 2)],
            id="zycov-d-2021-then-covaxin-complete-at-two",
        ),
        pytest.param(
            [dose("COVAXIN", "2021-11-01", n=1), dose("ZYCOV-D", "2021-12-01", n=2)],
            FULL,
            "2021-12-01",
            [("mixed-series", 2)],
            id="covaxin-then-zycov-d-complete-at-two",
        ),
        pytest.param(
            [dose("ZYCOV-D", "2021-10-01", n=1), dose("JANSSEN", "2021-11-01", n=2)],
            FULL,
            "2021-11-01",
            [("mixed-series", 2)],
            id="zycov-d-then-janssen-complete-at-janssen",
        ),
        pytest.param(
            [dose("COVISHIELD", "2021-10-01", n=1), dose("SPUTNIK-LIGHT", "2022-01-01", n=2)],
            FULL,
            "2022-01-01",
            [("mixed-series", 2)],
            id="covishield-then-sputnik-light",
        ),
        pytest.param(
            [dose("ZYCOV-D", "2021-10-01", n=1)],
            PARTIAL,
            None,
            [],
            id="one-zycov-d-alone-is-partial",
        ),
    ],
)
def test_a_mixed_series_is_complete_at_the_smallest_series_among_its_vaccines(
    doses: list[Dose], code: StatusCode, completed_on: str | None, warnings: list[tuple[str, int]]
) -> None:
    status = check(doses)
    assert status.code is code
    assert status.primary_completed_on == (day(completed_on) if completed_on else None)
    assert warnings_of(status) == warnings


def test_an_earlier_zycov_d_dose_does_not_make_a_janssen_dose_partial() -> None:
    janssen = dose("JANSSEN", "2021-11-01", n=1)
    assert check([janssen]).code is FULL
    assert check([dose("ZYCOV-D", "2021-10-01", n=1), janssen]).code is FULL


# --- doses recorded with the wrong kind ---------------------------------------------------------


def test_a_precaution_dose_before_the_series_is_complete_counts_as_primary() -> None:
    doses = [dose("COVISHIELD", "2021-06-01", n=1), precaution("COVISHIELD", "2021-09-01", n=2)]
    status = check(doses)
    assert (status.code, status.precaution) == (FULL, False)
    assert status.primary_completed_on == day("2021-09-01")
    assert warnings_of(status) == [("precaution-before-complete-series", 2)]


def test_a_lone_precaution_dose_is_a_started_series() -> None:
    status = check([precaution("COVAXIN", "2021-06-01", n=1)])
    assert (status.code, status.precaution) == (PARTIAL, False)
    assert warnings_of(status) == [("precaution-before-complete-series", 1)]


@pytest.mark.parametrize(
    ("series", "extra", "warnings"),
    [
        pytest.param(
            primary("COVAXIN", "2021-06-01", "2021-07-01"),
            dose("COVAXIN", "2022-07-15", n=3),
            [("primary-after-complete-series", 3)],
            id="third-covaxin-recorded-as-primary",
        ),
        pytest.param(
            primary("JANSSEN", "2021-09-01"),
            dose("JANSSEN", "2022-07-15", n=2),
            [("primary-after-complete-series", 2)],
            id="second-janssen-recorded-as-primary",
        ),
        pytest.param(
            primary("JANSSEN", "2021-09-01"),
            dose("COVISHIELD", "2022-07-15", n=2),
            [("primary-after-complete-series", 2), ("heterologous-precaution", 2)],
            id="covishield-after-janssen-recorded-as-primary",
        ),
    ],
)
def test_a_primary_dose_after_the_series_is_complete_counts_as_precaution(
    series: list[Dose], extra: Dose, warnings: list[tuple[str, int]]
) -> None:
    status = check([*series, extra])
    assert (status.code, status.precaution) == (FULL, True)
    assert warnings_of(status) == warnings


# --- precaution doses: when and which -----------------------------------------------------------

COVISHIELD_SEP_2021 = primary("COVISHIELD", "2021-06-01", "2021-09-01")  # complete 1 Sep 2021
COVAXIN_FEB_2022 = primary("COVAXIN", "2022-01-01", "2022-02-01")  # complete 1 Feb 2022
COVAXIN_APR_2021 = primary("COVAXIN", "2021-03-01", "2021-04-01")  # complete 1 Apr 2021


@pytest.mark.parametrize(
    ("series", "booster", "warnings"),
    [
        pytest.param(
            COVAXIN_APR_2021,
            precaution("COVAXIN", "2021-12-01", n=3),
            [("precaution-before-programme", 3)],
            id="before-10-jan-2022-programme",
        ),
        pytest.param(
            COVAXIN_APR_2021,
            precaution("COVAXIN", "2022-01-10", n=3),
            [],
            id="on-programme-day-39-weeks-after",
        ),
        pytest.param(
            COVISHIELD_SEP_2021,
            precaution("COVISHIELD", "2022-02-01", n=3),
            [("precaution-too-early", 3)],
            id="22-weeks-under-39-week-policy",
        ),
        pytest.param(
            COVISHIELD_SEP_2021,
            precaution("COVISHIELD", "2022-04-01", n=3),
            [("precaution-too-early", 3)],
            id="30-weeks-under-39-week-policy",
        ),
        pytest.param(
            COVISHIELD_SEP_2021,
            precaution("COVISHIELD", "2022-06-01", n=3),
            [],
            id="39-weeks-under-39-week-policy",
        ),
        pytest.param(
            COVAXIN_FEB_2022,
            precaution("COVAXIN", "2022-08-01", n=3),
            [("precaution-too-early", 3)],
            id="a-day-short-of-26-weeks",
        ),
        pytest.param(
            COVAXIN_FEB_2022,
            precaution("COVAXIN", "2022-08-02", n=3),
            [],
            id="26-weeks-under-26-week-policy",
        ),
        pytest.param(
            COVISHIELD_SEP_2021,
            precaution("CORBEVAX", "2022-08-09", n=3),
            [("heterologous-precaution", 3)],
            id="corbevax-heterologous-before-10-aug-2022",
        ),
        pytest.param(
            COVISHIELD_SEP_2021,
            precaution("CORBEVAX", "2022-08-10", n=3),
            [],
            id="corbevax-heterologous-from-10-aug-2022",
        ),
        pytest.param(
            COVISHIELD_SEP_2021,
            precaution("COVOVAX", "2022-12-01", n=3),
            [("heterologous-precaution", 3)],
            id="covovax-heterologous-before-16-jan-2023",
        ),
        pytest.param(
            COVISHIELD_SEP_2021,
            precaution("COVOVAX", "2023-01-16", n=3),
            [],
            id="covovax-heterologous-from-16-jan-2023",
        ),
        pytest.param(
            COVISHIELD_SEP_2021,
            precaution("COVAXIN", "2022-12-01", n=3),
            [("heterologous-precaution", 3)],
            id="covaxin-after-covishield-never-allowed",
        ),
        pytest.param(
            [dose("COVISHIELD", "2021-06-01", n=1), dose("COVAXIN", "2021-09-01", n=2)],
            precaution("COVAXIN", "2022-07-15", n=3),
            [("mixed-series", 2)],
            id="a-vaccine-of-a-mixed-series-is-homologous",
        ),
        pytest.param(
            COVISHIELD_SEP_2021,
            precaution("CORBEVAX", "2022-01-20", n=3),
            [("precaution-too-early", 3), ("heterologous-precaution", 3)],
            id="too-early-and-heterologous",
        ),
    ],
)
def test_a_precaution_dose_counts_and_is_warned_when_out_of_the_rules(
    series: list[Dose], booster: Dose, warnings: list[tuple[str, int]]
) -> None:
    status = check([*series, booster])
    assert (status.code, status.precaution) == (FULL, True)
    assert warnings_of(status) == warnings


# --- the check date ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "code", "has_precaution"),
    [
        pytest.param("2021-05-31", NONE, False, id="before-the-first-dose"),
        pytest.param("2021-06-01", PARTIAL, False, id="on-the-first-dose"),
        pytest.param("2021-08-31", PARTIAL, False, id="before-the-second-dose"),
        pytest.param("2021-09-01", FULL, False, id="on-the-second-dose"),
        pytest.param("2022-07-14", FULL, False, id="before-the-precaution-dose"),
        pytest.param("2022-07-15", FULL, True, id="on-the-precaution-dose"),
    ],
)
def test_doses_dated_after_the_check_date_are_ignored(
    on: str, code: StatusCode, has_precaution: bool
) -> None:
    doses = [*COVISHIELD_SEP_2021, precaution("COVISHIELD", "2022-07-15", n=3)]
    status = check(doses, on)
    assert (status.code, status.precaution) == (code, has_precaution)
    assert status == check([d for d in doses if d.date <= day(on)], on)


@pytest.mark.parametrize(
    ("doses", "on", "completed_on", "due_on"),
    [
        pytest.param([], LATER, None, None, id="not-vaccinated"),
        pytest.param(COVISHIELD_SEP_2021[:1], LATER, None, None, id="partial"),
        pytest.param(
            COVISHIELD_SEP_2021, "2023-01-01", "2021-09-01", "2022-03-02", id="26-weeks-after"
        ),
        pytest.param(
            COVISHIELD_SEP_2021,
            "2022-03-01",
            "2021-09-01",
            "2022-06-01",
            id="39-weeks-by-the-policy-then",
        ),
        pytest.param(
            COVAXIN_APR_2021,
            "2021-12-01",
            "2021-04-01",
            "2022-01-10",
            id="not-before-the-programme",
        ),
        pytest.param(
            COVAXIN_APR_2021,
            "2022-12-01",
            "2021-04-01",
            "2022-01-10",
            id="already-due-when-it-began",
        ),
        pytest.param(
            [*COVISHIELD_SEP_2021, precaution("COVISHIELD", "2022-07-15", n=3)],
            LATER,
            "2021-09-01",
            None,
            id="precaution-given",
        ),
        pytest.param(
            [dose("ZYCOV-D", "2021-10-01", n=1), dose("JANSSEN", "2021-11-01", n=2)],
            LATER,
            "2021-11-01",
            "2022-05-02",
            id="mixed-completed-on-the-janssen-dose",
        ),
    ],
)
def test_primary_completed_on_and_precaution_due_on(
    doses: list[Dose], on: str, completed_on: str | None, due_on: str | None
) -> None:
    status = check(doses, on)
    assert status.primary_completed_on == (day(completed_on) if completed_on else None)
    assert status.precaution_due_on == (day(due_on) if due_on else None)


# --- the rule set that decided -----------------------------------------------------------------


@pytest.mark.parametrize(
    "doses",
    [
        pytest.param([], id="not-vaccinated"),
        pytest.param(COVISHIELD_SEP_2021[:1], id="partial"),
        pytest.param(COVISHIELD_SEP_2021, id="full"),
    ],
)
def test_the_status_reports_the_rules_version(doses: list[Dose]) -> None:
    assert check(doses).rules_version == RULES.version == "2023.01"
    other = dataclasses.replace(RULES, version="test-2")
    assert status_of(doses, other, day(LATER)).rules_version == "test-2"
