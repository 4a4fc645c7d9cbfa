"""One OTP engine under provider checks and citizen login: each rule has one home, so both flows
answer alike where the two copies used to disagree; blocks; and the wiring tests build through."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from kyvs.bootstrap import bootstrap
from kyvs.domain.errors import InvalidOtp, RateLimited, TxnAlreadyUsed
from kyvs.domain.verification import TxnState
from kyvs.services.otp_engine import Started
from kyvs.settings import Settings
from tests.factories.people import fully_vaccinated
from tests.factories.providers import a_provider
from tests.factories.verification import A_CLIENT, RacingStore, VerifierWorld, build_verifier

pytestmark = pytest.mark.anyio

MOBILE = "9876543210"
YATRA = a_provider(provider_id="prov-yatra", name="Yatra Travels", scopes=["status"])


@dataclass
class Flow:
    """One way in to the engine: start, confirm and resend as its callers do."""

    name: str
    start: Callable[[VerifierWorld], Awaitable[Started]]
    confirm: Callable[[VerifierWorld, str, str], Awaitable[object]]
    resend: Callable[[VerifierWorld, str], Awaitable[Started]]


async def _verification_start(world: VerifierWorld) -> Started:
    return await world.verifier.start(
        provider=YATRA, full_name="Asha Patel", mobile=MOBILE, purpose="travel", language="en"
    )


async def _verification_confirm(world: VerifierWorld, txn_id: str, digest: str) -> object:
    return await world.verifier.confirm(
        provider=YATRA, txn_id=txn_id, otp_digest=digest, channel="api"
    )


async def _verification_resend(world: VerifierWorld, txn_id: str) -> Started:
    return await world.verifier.resend(provider=YATRA, txn_id=txn_id)


async def _login_start(world: VerifierWorld) -> Started:
    return await world.login.start(mobile=MOBILE, language="en", client=A_CLIENT)


async def _login_confirm(world: VerifierWorld, txn_id: str, digest: str) -> object:
    return await world.login.confirm(txn_id=txn_id, otp_digest=digest, client=A_CLIENT)


async def _login_resend(world: VerifierWorld, txn_id: str) -> Started:
    return await world.login.resend(txn_id, A_CLIENT)


FLOWS = [
    Flow("provider verification", _verification_start, _verification_confirm, _verification_resend),
    Flow("citizen login", _login_start, _login_confirm, _login_resend),
]


@pytest.fixture(params=FLOWS, ids=lambda flow: flow.name)
def flow(request) -> Flow:
    return request.param


async def sent(world: VerifierWorld, flow: Flow) -> Started:
    started = await flow.start(world)
    await world.dispatcher.run_all()
    return started


async def test_after_the_last_resend_retry_after_is_when_the_otp_already_sent_expires(flow):
    world = build_verifier(fully_vaccinated(name="Asha Patel", mobile=MOBILE))
    started = await sent(world, flow)
    for _ in range(world.policy.max_resends):
        world.later(world.policy.resend_after_s)
        started = await flow.resend(world, started.txn_id)
        await world.dispatcher.run_all()
    world.later(world.policy.resend_after_s + 10)
    with pytest.raises(RateLimited) as refused:
        await flow.resend(world, started.txn_id)
    assert refused.value.slug == "too-many-resends"
    # The last OTP still works until its txn expires; that is when starting again makes sense.
    remaining = started.expires_at - world.clock.now()
    assert refused.value.retry_after_s == int(remaining.total_seconds())
    assert refused.value.retry_after_s != 60


async def test_a_confirm_that_loses_every_race_is_a_conflict_not_a_lock(flow):
    asha = fully_vaccinated(name="Asha Patel", mobile=MOBILE)
    world = build_verifier(asha, wrap_store=RacingStore)
    store = world.container.verification_store
    assert isinstance(store, RacingStore)
    started = await sent(world, flow)
    store.rival, store.every_write = store.bump_version(started.txn_id), True
    with pytest.raises(TxnAlreadyUsed):
        await flow.confirm(world, started.txn_id, world.digest_sent_to(MOBILE))
    stored = world.txns.txns[started.txn_id]
    assert (stored.state, stored.attempts) == (TxnState.PENDING, 0)


async def test_a_wrong_otp_costs_one_attempt_in_either_flow(flow):
    world = build_verifier(fully_vaccinated(name="Asha Patel", mobile=MOBILE))
    started = await sent(world, flow)
    with pytest.raises(InvalidOtp) as wrong:
        await flow.confirm(world, started.txn_id, "0" * 64)
    assert wrong.value.attempts_left == world.policy.max_attempts - 1


async def test_a_provider_the_person_blocked_gets_what_an_unmatched_pair_gets():
    asha = fully_vaccinated(name="Asha Patel", mobile=MOBILE)
    world = build_verifier(asha)
    world.blocks.add(asha.beneficiary.reference_id, YATRA.provider_id)
    blocked = await _verification_start(world)
    await world.dispatcher.run_all()
    unmatched = await world.verifier.start(
        provider=YATRA, full_name="Nobody Here", mobile=MOBILE, purpose="travel", language="en"
    )
    await world.dispatcher.run_all()
    assert world.sms.messages == []
    assert world.access_log == []
    assert (blocked.otp_length, blocked.resend_after_s) == (
        unmatched.otp_length,
        unmatched.resend_after_s,
    )
    for txn_id in (blocked.txn_id, unmatched.txn_id):
        assert world.txns.txns[txn_id].beneficiary_ref is None
        with pytest.raises(InvalidOtp) as wrong:
            await _verification_confirm(world, txn_id, "0" * 64)
        assert wrong.value.attempts_left == world.policy.max_attempts - 1
    # Another provider is not blocked.
    other = a_provider(provider_id="prov-other", name="Other Travels", scopes=["status"])
    await world.verifier.start(
        provider=other, full_name="Asha Patel", mobile=MOBILE, purpose="travel", language="en"
    )
    await world.dispatcher.run_all()
    assert len(world.sms.messages) == 1


def test_the_typed_otp_is_cleaned_once_for_every_screen():
    engine = build_verifier().engine
    assert engine.clean_otp(" 123 456 ") == "123456"
    assert engine.clean_otp("123-456") == "123456"
    assert engine.clean_otp("१२३४५६") == "123456"  # Devanagari digits from a Hindi keyboard
    assert engine.clean_otp("૧૨૩૪૫૬") == "123456"  # Gujarati digits
    assert engine.clean_otp("12345") is None
    assert engine.clean_otp("1234567") is None
    assert engine.clean_otp("abcdef") is None


def test_bootstrap_refuses_to_override_what_the_wiring_does_not_have():
    settings = Settings(database_url="sqlite:///:memory:", demo=True)
    with pytest.raises(TypeError, match="verifer"):
        bootstrap(settings, verifer=object())
    sms = object()
    assert bootstrap(settings, sms=sms).sms is sms
