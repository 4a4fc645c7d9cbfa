"""The verification engine with the real HTTP gateway adapter against a loopback gateway that
hangs, answers 5xx or drops connections, then heals: bounded retries, undelivered txns, the
failure metric, the circuit (sms-unavailable) and recovery."""

from __future__ import annotations

import time
from collections.abc import Iterator

import anyio
import pytest

from kyvs.adapters.metrics import MeteredSms, PrometheusMetrics
from kyvs.adapters.sms.http_gateway import HttpGatewaySms
from kyvs.domain.errors import SmsUnavailable
from kyvs.domain.otp import otp_digest
from kyvs.domain.sms_health import HealthPolicy
from kyvs.domain.verification import Delivery
from kyvs.web.problem_catalogue import http_status
from tests.factories.people import fully_vaccinated
from tests.factories.providers import a_provider
from tests.factories.verification import A_CLIENT, VerifierWorld, build_verifier
from tests.sms_gateway import Gateway, running_gateway

pytestmark = pytest.mark.anyio

MOBILE = "9876543210"
YATRA = a_provider(provider_id="prov-yatra", name="Yatra Travels")
ATTEMPTS = 3
TIMEOUT_S = 0.2
OPEN_S = 30


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    with running_gateway() as state:
        yield state


@pytest.fixture
async def wired(gateway):
    metrics = PrometheusMetrics()
    sender = HttpGatewaySms(gateway.url, timeout_s=TIMEOUT_S, attempts=ATTEMPTS, backoff_s=0.01)
    world = build_verifier(
        fully_vaccinated(name="Asha Patel", mobile=MOBILE),
        sender=MeteredSms(sender, metrics),
        circuit=HealthPolicy(failures_to_open=1, open_s=OPEN_S),
    )
    yield world, metrics
    await sender.aclose()


def failures(metrics: PrometheusMetrics) -> float:
    return metrics.registry.get_sample_value("kyvs_sms_failures_total") or 0.0


async def received_at_least(gateway: Gateway, count: int, within_s: float = 3.0) -> None:
    deadline = time.monotonic() + within_s
    while len(gateway.received) < count and time.monotonic() < deadline:
        await anyio.sleep(0.01)


async def start(world: VerifierWorld, name: str = "Asha Patel") -> str:
    started = await world.verifier.start(
        provider=YATRA, full_name=name, mobile=MOBILE, purpose="travel", language="en"
    )
    return started.txn_id


@pytest.mark.parametrize("fault", ["slow", 500, 503, "drop"])
async def test_a_failing_gateway_is_tried_a_bounded_number_of_times_then_heals(
    gateway, wired, fault
):
    world, metrics = wired
    gateway.down = fault
    txn_id = await start(world)
    began = time.monotonic()
    await world.dispatcher.run_all()
    took = time.monotonic() - began

    # A hung request is recorded by the gateway's own thread, which a busy machine may run
    # after the client has given up on it: wait for it (briefly) before counting.
    await received_at_least(gateway, ATTEMPTS)
    assert len(gateway.received) == ATTEMPTS
    assert took < ATTEMPTS * TIMEOUT_S + 0.5  # and far below the hanging gateway's 2 s
    assert world.txns.txns[txn_id].delivery is Delivery.UNDELIVERED
    assert failures(metrics) == 1
    assert await world.verifier.sms_failing(world.txns.txns[txn_id])

    with pytest.raises(SmsUnavailable) as refused:
        await start(world, name="Nobody Known")
    assert refused.value.retry_after_s == OPEN_S
    assert http_status(refused.value) == 503
    assert refused.value.slug == "sms-unavailable"
    assert len(gateway.received) == ATTEMPTS  # nothing more was tried

    gateway.down = None
    world.later(OPEN_S)
    healed = await start(world)
    await world.dispatcher.run_all()
    assert len(gateway.received) == ATTEMPTS + 1
    assert world.txns.txns[healed].delivery is Delivery.SENT
    otp = gateway.received[-1].json()["text"].split("OTP ")[1][:6]
    assert otp.isdigit()
    result = await world.verifier.confirm(
        provider=YATRA, txn_id=healed, otp_digest=otp_digest(otp), channel="api"
    )
    assert result["vaccination_status"] == 2
    assert failures(metrics) == 1


async def test_a_bad_number_is_tried_once_and_leaves_the_circuit_closed(gateway, wired):
    world, metrics = wired
    gateway.down = 400
    txn_id = await start(world)
    await world.dispatcher.run_all()
    assert len(gateway.received) == 1
    assert world.txns.txns[txn_id].delivery is Delivery.UNDELIVERED
    assert failures(metrics) == 1
    assert not await world.verifier.sms_failing(world.txns.txns[txn_id])
    await start(world)  # no sms-unavailable: the carrier itself is fine


async def test_a_citizen_login_otp_fails_and_heals_the_same_way(gateway, wired):
    world, metrics = wired
    login = world.login
    gateway.down = 502
    started = await login.start(mobile=MOBILE, language="en", client=A_CLIENT)
    await world.dispatcher.run_all()
    assert len(gateway.received) == ATTEMPTS
    assert world.txns.txns[started.txn_id].delivery is Delivery.UNDELIVERED
    assert failures(metrics) == 1
    with pytest.raises(SmsUnavailable):
        await login.start(mobile=MOBILE, language="en", client=A_CLIENT)
    gateway.down = None
    world.later(OPEN_S)
    again = await login.start(mobile=MOBILE, language="en", client=A_CLIENT)
    await world.dispatcher.run_all()
    assert world.txns.txns[again.txn_id].delivery is Delivery.SENT
