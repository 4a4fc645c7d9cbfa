"""The drafts rule 7 asks for, filled from the incident; what only the operator knows is a gap."""

from __future__ import annotations

import datetime as dt

from kyvs.domain import reference_ids
from kyvs.domain.breach import BreachStep, marked, new_breach
from kyvs.domain.breach_exposure import AccessRecord, ApiActivity, exposure_of
from kyvs.domain.breach_notices import FILL, board_report, principal_notice

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
BREACH = new_breach(
    breach_id="breach-20261207-abcdef",
    reported_at=NOW,
    became_aware_at=dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC),
    window_start=dt.datetime(2026, 12, 6, 0, 0, tzinfo=dt.UTC),
    window_end=dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC),
    description="Yatra's API key was published.",
    data_kinds=["status", "demographics"],
    provider_ids=["prv_yatra"],
    key_ids=["3f2a9c01b2d4"],
    affected_count=1,
)
REF = reference_ids.make("7000000000001")
EXPOSURE = exposure_of(
    [
        AccessRecord(REF, "prv_yatra", "Yatra", frozenset({"status"}), "verified", NOW),
        AccessRecord(REF, "prv_yatra", "Yatra", frozenset(), "requested", NOW),
    ],
    {},
    [ApiActivity("prv_yatra", "/api/v1/verifications", 7, NOW, NOW)],
)


def test_the_notice_to_people_covers_rule_7_1_a_to_e_from_the_incident():
    text = principal_notice(BREACH, contact="Privacy officer, 080 1234 5678")

    for item in ("(a)", "(b)", "(c)", "(d)", "(e)"):
        assert item in text
    assert "Yatra's API key was published." in text
    assert "between 2026-12-06 00:00 UTC and 2026-12-07 08:00 UTC" in text
    assert "someone may know whether you are vaccinated" in text
    assert "Privacy officer, 080 1234 5678" in text
    assert REF not in text


def test_the_board_report_covers_rule_7_2_b_with_the_deadline_extent_and_notices():
    text = board_report(BREACH, EXPOSURE, now=NOW)

    for item in ("(i)", "(ii)", "(iii)", "(iv)", "(v)", "(vi)"):
        assert item in text
    assert "report due by 2026-12-10 09:00 UTC" in text
    assert "data of 1 person disclosed in the window; 0 people more" in text
    assert "7 API calls" in text
    assert "Providers involved: prv_yatra (API keys 3f2a9c01b2d4)." in text
    assert text.count(FILL) == 4
    assert "not yet marked sent" in text


def test_the_board_report_says_when_the_people_were_notified():
    told = marked(BREACH, BreachStep.PRINCIPALS_NOTIFIED, NOW)

    assert "marked done at 2026-12-07 12:00 UTC" in board_report(told, EXPOSURE, now=NOW)
