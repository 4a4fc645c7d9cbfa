"""The retention policy: a lawful period per kind of record, the cut-off each says at a moment,
and the refusal of a period below its kind's minimum (the logs' year, DPDP Rules 2025 r. 6)."""

from __future__ import annotations

import datetime as dt

import pytest

from kyvs.domain.retention import (
    RETENTION,
    RecordKind,
    RetentionPolicy,
    RetentionTooShort,
    policy_of,
)

NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def test_the_table_covers_every_kind_once_in_the_order_of_the_enum():
    assert list(RETENTION) == list(RecordKind)
    assert all(rule.kind is kind for kind, rule in RETENTION.items())


@pytest.mark.parametrize(
    ("kind", "kept"),
    [
        (RecordKind.VERIFICATION_DETAILS, dt.timedelta(hours=24)),
        (RecordKind.VERIFICATIONS, 365 * DAY),
        (RecordKind.HOSTED_SESSIONS, dt.timedelta(hours=24)),
        (RecordKind.ACCESS_LOG, 365 * DAY),
        (RecordKind.API_AUDIT, 365 * DAY),
        (RecordKind.SMS_OUTBOX, 7 * DAY),
        (RecordKind.SHARE_LINKS, 30 * DAY),
    ],
)
def test_the_lawful_defaults(kind, kept):
    assert RetentionPolicy().periods[kind] == kept
    assert RetentionPolicy().cutoff(kind, NOW) == NOW - kept


def test_the_cutoffs_at_a_moment_are_that_moment_less_each_period():
    amounts = {kind: RETENTION[kind].default for kind in RecordKind}
    policy = policy_of(amounts | {RecordKind.VERIFICATION_DETAILS: 2, RecordKind.SMS_OUTBOX: 2})
    cutoffs = policy.cutoffs(NOW)
    assert list(cutoffs) == list(RecordKind)
    assert cutoffs[RecordKind.VERIFICATION_DETAILS] == NOW - dt.timedelta(hours=2)
    assert cutoffs[RecordKind.SMS_OUTBOX] == NOW - 2 * DAY
    assert cutoffs[RecordKind.ACCESS_LOG] == NOW - 365 * DAY


def test_settings_are_read_in_each_kinds_unit():
    assert RETENTION[RecordKind.VERIFICATION_DETAILS].setting == (
        "KYVS_RETENTION_VERIFICATION_DETAILS_HOURS"
    )
    assert RETENTION[RecordKind.ACCESS_LOG].setting == "KYVS_RETENTION_ACCESS_LOG_DAYS"
    amounts = {kind: RETENTION[kind].default for kind in RecordKind}
    assert policy_of(amounts) == RetentionPolicy()


@pytest.mark.parametrize("kind", [RecordKind.ACCESS_LOG, RecordKind.API_AUDIT])
def test_logs_may_not_be_kept_less_than_a_year(kind):
    amounts = {k: RETENTION[k].default for k in RecordKind} | {kind: 364}
    with pytest.raises(RetentionTooShort) as refused:
        policy_of(amounts)
    message = str(refused.value)
    assert RETENTION[kind].setting in message
    assert "364 days" in message and "at least 365 days" in message
    assert "rule 6(1)(e)" in message
    assert policy_of(amounts | {kind: 365}).periods[kind] == 365 * DAY  # a year is enough


def test_a_verifications_result_stays_while_the_status_call_may_read_it():
    periods = dict(RetentionPolicy().periods)
    with pytest.raises(RetentionTooShort, match="CoWIN status call"):
        RetentionPolicy(periods | {RecordKind.VERIFICATION_DETAILS: dt.timedelta(minutes=30)})
    assert RetentionPolicy(periods | {RecordKind.VERIFICATION_DETAILS: dt.timedelta(hours=1)})


def test_a_policy_without_a_period_for_some_kind_is_refused():
    periods = dict(RetentionPolicy().periods)
    del periods[RecordKind.SHARE_LINKS]
    with pytest.raises(ValueError, match="share_links"):
        RetentionPolicy(periods)


def test_periods_read_in_their_unit():
    details = RETENTION[RecordKind.VERIFICATION_DETAILS]
    assert details.in_unit(dt.timedelta(hours=36)) == "36 hours"
    assert RETENTION[RecordKind.SHARE_LINKS].in_unit(dt.timedelta(hours=36)) == "1.5 days"
    assert details.in_unit(dt.timedelta(hours=1)) == "1 hour"
    assert RETENTION[RecordKind.SHARE_LINKS].in_unit(dt.timedelta(days=1)) == "1 day"
