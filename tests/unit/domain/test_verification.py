"""A verification txn: pending until it expires, is verified once, or locks after wrong OTPs.

Every change bumps `version`, which the stores use for compare-and-set.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyvs.domain.otp import OtpPolicy
from kyvs.domain.verification import (
    TxnState,
    VerificationTxn,
    after_resend,
    after_right_otp,
    after_wrong_otp,
    resend_wait_s,
)

START = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
POLICY = OtpPolicy()  # 3 minutes, 3 attempts, resend after 30 s


def seconds(n: float) -> dt.timedelta:
    return dt.timedelta(seconds=n)


def a_txn(**overrides: object) -> VerificationTxn:
    fields: dict[str, object] = {
        "txn_id": "2f1c7a52-8d1e-4c39-9a59-3c0f4a1b6e77",
        "provider_id": "prov-yatra",
        "purpose": "travel",
        "language": "en",
        "mobile_key": "0f" * 16,
        "beneficiary_ref": "71234567890123",
        "otp_hash": "first-hash",
        "created_at": START,
        "expires_at": START + seconds(POLICY.lifetime_s),
        "last_sent_at": START,
    }
    return VerificationTxn(**(fields | overrides))  # type: ignore[arg-type]


# --- state ---------------------------------------------------------------------------------------


def test_a_new_txn_is_pending_until_its_otp_expires():
    txn = a_txn()
    assert txn.state is TxnState.PENDING
    assert txn.state_at(START + seconds(179.999)) is TxnState.PENDING
    assert txn.state_at(START + seconds(180)) is TxnState.EXPIRED
    assert txn.state_at(START + dt.timedelta(days=1)) is TxnState.EXPIRED


@pytest.mark.parametrize("final", [TxnState.VERIFIED, TxnState.LOCKED])
def test_a_verified_or_locked_txn_stays_so_after_expiry(final):
    assert a_txn(state=final).state_at(START + dt.timedelta(days=1)) is final


# --- wrong and right OTPs ------------------------------------------------------------------------


def test_each_wrong_otp_counts_and_the_third_locks_the_txn():
    txn = a_txn()
    outcomes = []
    for _ in range(3):
        wrong = after_wrong_otp(txn, POLICY)
        txn = wrong.txn
        outcomes.append((wrong.attempts_left, txn.attempts, txn.state))
    assert outcomes == [
        (2, 1, TxnState.PENDING),
        (1, 2, TxnState.PENDING),
        (0, 3, TxnState.LOCKED),
    ]
    assert txn.attempts_left(POLICY) == 0


def test_a_wrong_otp_leaves_the_original_txn_alone_and_bumps_the_version():
    txn = a_txn(version=4)
    wrong = after_wrong_otp(txn, POLICY)
    assert (txn.attempts, txn.version) == (0, 4)
    assert wrong.txn.version == 5
    assert replace(wrong.txn, attempts=0, version=4) == txn  # nothing else changed


@given(max_attempts=st.integers(1, 10), wrong_otps=st.integers(1, 15))
def test_a_txn_locks_exactly_when_the_wrong_otps_reach_the_policy_limit(max_attempts, wrong_otps):
    policy = OtpPolicy(max_attempts=max_attempts)
    txn = a_txn()
    for _ in range(wrong_otps):
        wrong = after_wrong_otp(txn, policy)
        txn = wrong.txn
    assert (txn.state is TxnState.LOCKED) == (wrong_otps >= max_attempts)
    assert wrong.attempts_left == max(max_attempts - wrong_otps, 0)


def test_the_right_otp_verifies_the_txn_and_keeps_the_disclosed_result():
    txn = a_txn(version=1)
    verified = after_right_otp(txn, '{"vaccination_status": 2}').txn
    assert verified.state is TxnState.VERIFIED
    assert verified.result == '{"vaccination_status": 2}'
    assert verified.version == 2
    assert verified.state_at(START + dt.timedelta(days=1)) is TxnState.VERIFIED


# --- resend --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("since_sent", "wait"),
    [(0, 30), (10, 20), (29, 1), (29.5, 1), (30, 0), (45, 0), (3600, 0)],
)
def test_a_resend_waits_30_seconds_after_the_last_sms_in_whole_seconds(since_sent, wait):
    assert resend_wait_s(a_txn(), POLICY, START + seconds(since_sent)) == wait


@given(since_sent_ms=st.integers(0, 60_000))
def test_waiting_the_resend_wait_is_always_enough(since_sent_ms):
    now = START + dt.timedelta(milliseconds=since_sent_ms)
    wait = resend_wait_s(a_txn(), POLICY, now)
    assert wait >= 0
    assert resend_wait_s(a_txn(), POLICY, now + seconds(wait)) == 0


def test_a_resend_replaces_the_otp_and_gives_it_a_fresh_lifetime():
    txn = a_txn(attempts=1, version=3)
    now = START + seconds(40)
    resent = after_resend(txn, POLICY, now, "second-hash")
    assert resent.otp_hash == "second-hash"
    assert resent.resends == 1
    assert resent.last_sent_at == now
    assert resent.expires_at == now + seconds(180)
    assert resent.version == 4
    assert resent.attempts == 1  # wrong OTPs still count across a resend
    assert resend_wait_s(resent, POLICY, now) == 30
