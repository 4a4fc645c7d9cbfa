"""The anonymous login routes' guard and the OTP budgets, at the service level (the HTTP answers
against a real server are in tests/e2e/abuse/test_login_abuse.py)."""

from __future__ import annotations

import pytest

from kyvs.domain.clients import AbusePolicy, Client
from kyvs.domain.errors import ChallengeRequired, InvalidOtp, RateLimited, TooManyAttempts
from kyvs.domain.otp import OtpPolicy, otp_digest
from tests.factories.challenges import solve_challenge
from tests.factories.people import a_registration
from tests.factories.providers import a_provider
from tests.factories.verification import A_CLIENT, build_verifier

MOBILE = "9876543210"
WRONG = otp_digest("not-the-otp")
YATRA = a_provider(provider_id="prov-yatra", name="Yatra Travels")

pytestmark = pytest.mark.anyio


def solved(challenge: dict[str, object]) -> Client:
    return Client(A_CLIENT.address, solve_challenge(challenge))


async def test_login_otps_never_spend_the_verification_budget():
    world = build_verifier(a_registration(name="Asha Patel", mobile=MOBILE))
    strangers = [Client(f"203.0.113.{n}") for n in range(20)]
    refused = 0
    for stranger in strangers:
        try:
            await world.login.start(mobile=MOBILE, language="en", client=stranger)
        except ChallengeRequired as asked:
            try:
                await world.login.start(
                    mobile=MOBILE,
                    language="en",
                    client=Client(stranger.address, solve_challenge(asked.challenge)),
                )
            except RateLimited as error:
                assert error.slug == "too-many-otps-for-mobile"
                refused += 1
    assert refused == 20 - OtpPolicy().logins_per_mobile_per_hour
    for _ in range(OtpPolicy().per_mobile_per_hour):  # every check the providers may make
        await world.verifier.start(
            provider=YATRA, full_name="Asha Patel", mobile=MOBILE, purpose="travel", language="en"
        )


async def test_a_solution_works_once():
    world = build_verifier(abuse=AbusePolicy(client_starts_soft=1))
    await world.login.start(mobile="9000000001", language="en", client=A_CLIENT)
    with pytest.raises(ChallengeRequired) as asked:
        await world.login.start(mobile="9000000002", language="en", client=A_CLIENT)
    answer = solved(asked.value.challenge)
    await world.login.start(mobile="9000000002", language="en", client=answer)
    with pytest.raises(ChallengeRequired):
        await world.login.start(mobile="9000000003", language="en", client=answer)


async def test_a_tampered_or_expired_solution_is_no_solution():
    world = build_verifier(abuse=AbusePolicy(client_starts_soft=1, challenge_lifetime_s=60))
    await world.login.start(mobile="9000000001", language="en", client=A_CLIENT)
    with pytest.raises(ChallengeRequired) as asked:
        await world.login.start(mobile="9000000002", language="en", client=A_CLIENT)
    forged = Client(A_CLIENT.address, solve_challenge({**asked.value.challenge, "signature": "0"}))
    with pytest.raises(ChallengeRequired):
        await world.login.start(mobile="9000000002", language="en", client=forged)
    late = solved(asked.value.challenge)
    world.later(61)
    with pytest.raises(ChallengeRequired):
        await world.login.start(mobile="9000000002", language="en", client=late)


async def test_surging_wrong_otps_anywhere_make_login_checks_ask_for_a_challenge():
    world = build_verifier(abuse=AbusePolicy(wrong_otps_circuit=3))
    txns = [
        await world.login.start(
            mobile=f"90000000{n:02d}", language="en", client=Client(f"10.0.0.{n}")
        )
        for n in range(3)
    ]
    for n, txn in enumerate(txns):
        with pytest.raises(InvalidOtp):
            await world.login.confirm(
                txn_id=txn.txn_id, otp_digest=WRONG, client=Client(f"10.0.0.{n}")
            )
    with pytest.raises(ChallengeRequired) as asked:
        await world.login.confirm(txn_id=txns[0].txn_id, otp_digest=WRONG, client=A_CLIENT)
    with pytest.raises(InvalidOtp):  # solved, the check goes ahead
        await world.login.confirm(
            txn_id=txns[0].txn_id, otp_digest=WRONG, client=solved(asked.value.challenge)
        )
    world.later(121)  # the minute and its fade pass: the circuit closes
    with pytest.raises(InvalidOtp):
        await world.login.confirm(txn_id=txns[1].txn_id, otp_digest=WRONG, client=A_CLIENT)


async def test_otp_checks_per_mobile_per_day_are_counted_exactly():
    policy = OtpPolicy(login_checks_per_mobile_per_day=4, max_attempts=3)
    world = build_verifier(policy=policy)
    first = await world.login.start(mobile=MOBILE, language="en", client=Client("10.0.0.1"))
    second = await world.login.start(mobile=MOBILE, language="en", client=Client("10.0.0.2"))
    for _ in range(3):
        try:
            await world.login.confirm(txn_id=first.txn_id, otp_digest=WRONG, client=A_CLIENT)
        except InvalidOtp:
            pass
        except TooManyAttempts:
            pass
    with pytest.raises(InvalidOtp):  # the fourth check of the day
        await world.login.confirm(txn_id=second.txn_id, otp_digest=WRONG, client=A_CLIENT)
    with pytest.raises(RateLimited) as capped:  # the fifth: not one more today
        await world.login.confirm(txn_id=second.txn_id, otp_digest=WRONG, client=A_CLIENT)
    assert capped.value.slug == "too-many-checks-for-mobile"
    world.later(capped.value.retry_after_s)  # the next UTC day: a fresh count
    third = await world.login.start(mobile=MOBILE, language="en", client=Client("10.0.0.3"))
    with pytest.raises(InvalidOtp):
        await world.login.confirm(txn_id=third.txn_id, otp_digest=WRONG, client=A_CLIENT)
