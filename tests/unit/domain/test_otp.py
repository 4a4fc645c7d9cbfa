"""OTPs (SECURITY.md): 6 digits from `secrets`, short-lived, stored only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyvs.domain import otp as otp_module
from kyvs.domain.otp import (
    MAX_LIFETIME_S,
    OtpBudget,
    OtpPolicy,
    mobile_key,
    new_otp,
    otp_digest,
    otp_hash,
    otp_matches,
)

SECRET = b"unit-test-secret"
TXN = "2f1c7a52-8d1e-4c39-9a59-3c0f4a1b6e77"


def test_the_default_policy_is_the_one_in_security_md():
    policy = OtpPolicy()
    assert (policy.length, policy.lifetime_s, policy.max_attempts) == (6, 180, 3)
    assert (policy.resend_after_s, policy.max_resends) == (30, 2)
    assert (policy.per_mobile_per_hour, policy.per_mobile_per_day) == (5, 20)
    assert (policy.logins_per_mobile_per_hour, policy.logins_per_mobile_per_day) == (3, 10)
    budgets = (OtpBudget.VERIFICATION, OtpBudget.CITIZEN_LOGIN)
    assert sum(policy.checks_per_day(budget) for budget in budgets) == 100  # NIST's cap


def test_the_two_budgets_together_never_allow_more_than_100_checks_a_day():
    with pytest.raises(ValueError, match="100"):
        OtpPolicy(checks_per_mobile_per_day=80, login_checks_per_mobile_per_day=30)


def test_a_login_budget_is_smaller_than_a_verification_budget():
    policy = OtpPolicy()
    assert policy.per_hour(OtpBudget.CITIZEN_LOGIN) < policy.per_hour(OtpBudget.VERIFICATION)
    assert policy.per_day(OtpBudget.CITIZEN_LOGIN) < policy.per_day(OtpBudget.VERIFICATION)


@pytest.mark.parametrize("lifetime_s", [1, 180, MAX_LIFETIME_S])
def test_an_otp_may_live_up_to_ten_minutes(lifetime_s):
    assert OtpPolicy(lifetime_s=lifetime_s).lifetime_s == lifetime_s


@pytest.mark.parametrize("lifetime_s", [0, -1, MAX_LIFETIME_S + 1, 3600])
def test_an_otp_never_lives_longer_than_ten_minutes_nor_not_at_all(lifetime_s):
    with pytest.raises(ValueError, match="at most 600 seconds"):
        OtpPolicy(lifetime_s=lifetime_s)


@pytest.mark.parametrize("length", [0, 4, 5])
def test_an_otp_has_at_least_six_digits(length):
    with pytest.raises(ValueError, match="at least 6 digits"):
        OtpPolicy(length=length)


# --- generation ----------------------------------------------------------------------------------


class FakeRandbelow:
    """`secrets.randbelow` that returns a chosen number and remembers its bound."""

    def __init__(self, value: int) -> None:
        self.value = value
        self.bounds: list[int] = []

    def __call__(self, bound: int) -> int:
        self.bounds.append(bound)
        return self.value


@pytest.mark.parametrize(
    ("drawn", "otp"), [(42, "000042"), (0, "000000"), (999_999, "999999"), (123_456, "123456")]
)
def test_an_otp_keeps_its_leading_zeros(drawn, otp):
    assert new_otp(OtpPolicy(), FakeRandbelow(drawn)) == otp


def test_an_otp_is_drawn_uniformly_from_all_numbers_of_its_length():
    draw = FakeRandbelow(7)
    assert new_otp(OtpPolicy(length=8), draw) == "00000007"
    assert draw.bounds == [10**8]


@given(length=st.integers(6, 12), data=st.data())
def test_an_otp_is_exactly_length_ascii_digits(length, data):
    drawn = data.draw(st.integers(0, 10**length - 1))
    made = new_otp(OtpPolicy(length=length), lambda _bound: drawn)
    assert len(made) == length
    assert made.isascii()
    assert made.isdigit()
    assert int(made) == drawn


def test_real_otps_come_from_secrets():
    made = {new_otp(OtpPolicy(), secrets.randbelow) for _ in range(50)}
    assert all(len(o) == 6 and o.isdigit() for o in made)
    assert len(made) > 40  # 50 draws from a million rarely collide


# --- hashing -------------------------------------------------------------------------------------


def test_the_digest_is_the_sha256_hex_that_cowin_clients_send():
    assert otp_digest("123456") == hashlib.sha256(b"123456").hexdigest()


def test_the_stored_hash_is_keyed_and_bound_to_its_txn():
    digest = otp_digest("123456")
    stored = otp_hash(SECRET, TXN, digest)
    assert stored == otp_hash(SECRET, TXN, digest)  # stable
    assert stored != otp_hash(b"another-secret", TXN, digest)
    assert stored != otp_hash(SECRET, "another-txn", digest)
    assert stored != otp_hash(SECRET, TXN, otp_digest("123457"))
    assert "123456" not in stored
    assert digest not in stored


def test_the_right_otp_matches_in_either_hex_case():
    stored = otp_hash(SECRET, TXN, otp_digest("123456"))
    assert otp_matches(SECRET, TXN, otp_digest("123456"), stored)
    assert otp_matches(SECRET, TXN, otp_digest("123456").upper(), stored)


@pytest.mark.parametrize(
    ("secret", "txn_id", "otp"),
    [
        (SECRET, TXN, "123457"),  # a wrong OTP
        (SECRET, "another-txn", "123456"),  # the right OTP of another txn
        (b"another-secret", TXN, "123456"),  # a hash made with another key
    ],
)
def test_anything_but_the_right_otp_of_this_txn_does_not_match(secret, txn_id, otp):
    stored = otp_hash(SECRET, TXN, otp_digest("123456"))
    assert not otp_matches(secret, txn_id, otp_digest(otp), stored)


def test_matching_compares_in_constant_time(monkeypatch):
    compared = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return real(a, b)

    stored = otp_hash(SECRET, TXN, otp_digest("123456"))
    monkeypatch.setattr(otp_module.hmac, "compare_digest", spy)
    assert otp_matches(SECRET, TXN, otp_digest("123456"), stored)
    assert compared == [(stored, stored)]


@given(digest=st.text(max_size=80))
def test_any_text_as_a_digest_is_refused_without_raising(digest):
    stored = otp_hash(SECRET, TXN, otp_digest("123456"))
    assert otp_matches(SECRET, TXN, digest, stored) == (digest.lower() == otp_digest("123456"))


# --- mobile keys ---------------------------------------------------------------------------------


def test_a_mobile_key_is_stable_and_hides_the_number():
    key = mobile_key(SECRET, "9876543210")
    assert key == mobile_key(SECRET, "9876543210")
    assert len(key) == 32
    assert all(c in "0123456789abcdef" for c in key)
    assert "9876543210" not in key


def test_a_mobile_key_depends_on_the_secret_and_the_number():
    key = mobile_key(SECRET, "9876543210")
    assert key != mobile_key(b"another-secret", "9876543210")
    assert key != mobile_key(SECRET, "9876543211")
