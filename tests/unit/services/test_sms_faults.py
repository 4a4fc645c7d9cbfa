"""When the SMS carrier fails: the txn is marked undelivered (internally), the circuit opens for
every request alike, and what a provider sees never tells a matched pair from an unmatched one."""

from __future__ import annotations

import dataclasses

import pytest

from kyvs.adapters.memory.verification import MemoryRateLimiter
from kyvs.domain.errors import InvalidOtp, SmsUnavailable
from kyvs.domain.sms_health import HealthPolicy
from kyvs.domain.verification import Delivery
from kyvs.ports import SmsMessage, SmsNotDelivered
from kyvs.request_context import log_reference
from kyvs.web.api.verifications import verification_state
from tests.factories.people import fully_vaccinated
from tests.factories.providers import a_provider
from tests.factories.verification import A_CLIENT, VerifierWorld, build_verifier

pytestmark = pytest.mark.anyio

MOBILE = "9876543210"
OTHER_MOBILE = "9123456780"
YATRA = a_provider(provider_id="prov-yatra", name="Yatra Travels")
NOTICE = "SMS delivery is failing right now, so the OTP may not arrive. Try again in a few minutes."


@dataclasses.dataclass
class SlowFailingCarrier:
    """Fails every message (carrier down, or refusing the number) after `takes_s` of clock."""

    world: VerifierWorld | None = None
    takes_s: float = 0.0
    carrier_failing: bool = True
    attempts: int = 0

    async def send(self, message: SmsMessage) -> None:
        self.attempts += 1
        if self.world is not None:
            self.world.later(self.takes_s)
        raise SmsNotDelivered("down", carrier_failing=self.carrier_failing)


@pytest.fixture
def world() -> VerifierWorld:
    return build_verifier(
        fully_vaccinated(name="Asha Patel", mobile=MOBILE),
        circuit=HealthPolicy(failures_to_open=3, open_s=60),
    )


async def start(world: VerifierWorld, name: str = "Asha Patel", mobile: str = MOBILE) -> str:
    started = await world.verifier.start(
        provider=YATRA, full_name=name, mobile=mobile, purpose="travel", language="en"
    )
    return started.txn_id


async def seen_by_provider(world: VerifierWorld, txn_id: str) -> dict:
    """The txn-state answer exactly as the API builds it, without the txn id."""
    answer = await verification_state(txn_id, YATRA, world.verifier, "en")
    return answer.model_dump(exclude={"txn_id"})


async def test_a_delivered_otp_marks_the_txn_sent(world):
    txn_id = await start(world)
    assert world.txns.txns[txn_id].delivery is Delivery.QUEUED
    await world.dispatcher.run_all()
    assert world.txns.txns[txn_id].delivery is Delivery.SENT
    assert (await seen_by_provider(world, txn_id))["sms_failing"] is False


async def test_an_undelivered_otp_marks_the_txn_and_tells_the_citizen(world, caplog):
    world.sms.fail_times = 1
    txn_id = await start(world)
    await world.dispatcher.run_all()
    assert world.txns.txns[txn_id].delivery is Delivery.UNDELIVERED
    assert [e.outcome for e in world.access_log] == ["undelivered"]
    assert [o.ok for o in world.health_log.outcomes] == [False]
    # The log names the txn by a digest: the id itself opens the txn.
    assert f"OTP SMS of txn {log_reference(txn_id)} not delivered" in caplog.text
    assert txn_id not in caplog.text
    assert MOBILE not in caplog.text and MOBILE[-4:] not in caplog.text


async def test_a_refused_number_is_undelivered_but_the_carrier_stays_healthy():
    carrier = SlowFailingCarrier(carrier_failing=False)
    world = build_verifier(fully_vaccinated(name="Asha Patel", mobile=MOBILE), sender=carrier)
    txn_id = await start(world)
    await world.dispatcher.run_all()
    assert world.txns.txns[txn_id].delivery is Delivery.UNDELIVERED
    assert world.health_log.outcomes == []
    assert (await seen_by_provider(world, txn_id))["sms_failing"] is False


async def test_a_matched_undelivered_txn_and_an_unmatched_one_look_the_same(world):
    world.sms.fail_times = 10
    matched = await start(world)
    unmatched = await start(world, name="Nobody Known", mobile=OTHER_MOBILE)
    await world.dispatcher.run_all()
    assert world.txns.txns[matched].delivery is Delivery.UNDELIVERED  # internal only
    assert world.txns.txns[unmatched].delivery is Delivery.QUEUED

    seen = await seen_by_provider(world, matched)
    assert seen == await seen_by_provider(world, unmatched)
    assert seen["sms_failing"] is True
    assert seen["notice"] == NOTICE
    for txn_id in (matched, unmatched):
        with pytest.raises(InvalidOtp) as wrong:
            await world.verifier.confirm(
                provider=YATRA, txn_id=txn_id, otp_digest="0" * 64, channel="api"
            )
        assert wrong.value.detail == "The OTP is not correct; 2 attempts left."
    assert await seen_by_provider(world, matched) == await seen_by_provider(world, unmatched)


async def test_an_unmatched_txn_echoes_the_latest_real_outcome_after_as_long():
    world = build_verifier(fully_vaccinated(name="Asha Patel", mobile=MOBILE))
    carrier = SlowFailingCarrier(world, takes_s=4.0)
    world.engine.sms = carrier
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        world.later(seconds)

    world.engine.health.sleep = sleep
    await start(world)
    await world.dispatcher.run_all()
    await start(world, name="Nobody Known", mobile=OTHER_MOBILE)
    await world.dispatcher.run_all()
    assert waits == [4.0]
    real, echo = world.health_log.outcomes
    assert (real.ok, real.echo, real.duration_s) == (False, False, 4.0)
    assert (echo.ok, echo.echo) == (False, True)
    assert echo.at - real.at == real.at - world.txns.txns[next(iter(world.txns.txns))].created_at


async def test_an_unmatched_txn_moves_the_circuit_like_a_matched_one(world):
    world.sms.fail_times = 10
    for _ in range(2):
        await start(world)
        await world.dispatcher.run_all()
    await start(world, name="Nobody Known", mobile=OTHER_MOBILE)  # the third failure: an echo
    await world.dispatcher.run_all()
    with pytest.raises(SmsUnavailable):
        await start(world)


async def test_failures_open_the_circuit_for_every_request_and_time_closes_it(world):
    world.sms.fail_times = 3
    txn_id = await start(world)
    await world.dispatcher.run_all()
    for _ in range(2):
        world.later(5)
        await start(world)
        await world.dispatcher.run_all()
    limiter = world.limiter
    assert isinstance(limiter, MemoryRateLimiter)
    counted = dict(limiter.counters)

    refusals = []
    for name, mobile in [("Asha Patel", MOBILE), ("Nobody Known", OTHER_MOBILE)]:
        with pytest.raises(SmsUnavailable) as refused:
            await start(world, name, mobile)
        refusals.append((refused.value.detail, refused.value.retry_after_s))
    assert refusals == [refusals[0]] * 2
    assert refusals[0][1] == 50  # the first of the three failures was 10 s ago
    world.later(30)
    with pytest.raises(SmsUnavailable):
        await world.verifier.resend(provider=YATRA, txn_id=txn_id)
    with pytest.raises(SmsUnavailable):
        await world.login.start(mobile=MOBILE, language="en", client=A_CLIENT)
    assert limiter.counters == counted  # a refused request counts against no limit

    world.later(20)  # the circuit closes; the carrier has healed
    healed = await start(world)
    await world.dispatcher.run_all()
    assert world.txns.txns[healed].delivery is Delivery.SENT
    result = await world.verifier.confirm(
        provider=YATRA, txn_id=healed, otp_digest=world.digest_sent_to(MOBILE), channel="api"
    )
    assert result["vaccination_status"] == 2


async def test_a_citizen_login_sms_that_fails_is_undelivered_and_counts(world):
    world.sms.fail_times = 1
    login = world.login
    started = await login.start(mobile=MOBILE, language="en", client=A_CLIENT)
    await world.dispatcher.run_all()
    assert world.txns.txns[started.txn_id].delivery is Delivery.UNDELIVERED
    assert [o.ok for o in world.health_log.outcomes] == [False]
    assert await world.verifier.sms_failing(world.txns.txns[started.txn_id])


async def test_a_resend_that_fails_marks_the_txn_again(world):
    txn_id = await start(world)
    await world.dispatcher.run_all()
    world.later(31)
    world.sms.fail_times = 1
    await world.verifier.resend(provider=YATRA, txn_id=txn_id)
    assert world.txns.txns[txn_id].delivery is Delivery.QUEUED
    await world.dispatcher.run_all()
    assert world.txns.txns[txn_id].delivery is Delivery.UNDELIVERED
