"""Gateways in order: a failing one hands the OTP to the next, never twice to two routes."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from kyvs.adapters.metrics import PrometheusMetrics
from kyvs.adapters.sms.failover import FailoverSms
from kyvs.domain.mobile import MobileNumber
from kyvs.ports import SmsMessage, SmsNotDelivered, SmsReceipt

pytestmark = pytest.mark.anyio

MESSAGE = SmsMessage(MobileNumber("9876543210"), "042719 is your kyvs OTP", "otp", "en")


@dataclass
class Gateway:
    """Answers each send with the next of `answers` (an exception to raise, or an id)."""

    answers: list[Exception | str] = field(default_factory=list)
    sent: list[SmsMessage] = field(default_factory=list)

    async def send(self, message: SmsMessage) -> SmsReceipt:
        answer = self.answers.pop(0) if self.answers else "id-ok"
        if isinstance(answer, Exception):
            raise answer
        self.sent.append(message)
        return SmsReceipt("adapter", answer)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def sample(metrics: PrometheusMetrics, name: str, gateway: str) -> float:
    return metrics.registry.get_sample_value(name, {"gateway": gateway}) or 0.0


def failing(**kwargs: bool) -> SmsNotDelivered:
    return SmsNotDelivered("down", **kwargs)


async def test_the_first_gateway_sends_when_it_works_and_the_receipt_names_it():
    first, second = Gateway(), Gateway()
    receipt = await FailoverSms([("msg91", first), ("kaleyra", second)]).send(MESSAGE)
    assert receipt == SmsReceipt("msg91", "id-ok")
    assert (len(first.sent), len(second.sent)) == (1, 0)


@pytest.mark.parametrize(
    "failure",
    [failing(), failing(carrier_failing=True)],  # 5xx, connection refused, DLT rejection...
)
async def test_a_gateway_that_surely_did_not_take_it_hands_over_to_the_next(failure):
    metrics = PrometheusMetrics()
    first, second = Gateway([failure]), Gateway()
    sms = FailoverSms([("msg91", first), ("kaleyra", second)], metrics=metrics)
    assert (await sms.send(MESSAGE)).gateway == "kaleyra"
    assert len(second.sent) == 1
    assert sample(metrics, "kyvs_sms_gateway_failures_total", "msg91") == 1
    assert sample(metrics, "kyvs_sms_gateway_handovers_total", "msg91") == 1


async def test_a_gateway_that_may_have_taken_it_hands_nothing_over():
    first, second = Gateway([failing(maybe_taken=True)]), Gateway()
    with pytest.raises(SmsNotDelivered) as raised:
        await FailoverSms([("msg91", first), ("kaleyra", second)]).send(MESSAGE)
    assert raised.value.maybe_taken
    assert second.sent == []  # never the same OTP by two routes


async def test_a_refused_number_is_not_tried_elsewhere():
    first, second = Gateway([failing(carrier_failing=False)]), Gateway()
    with pytest.raises(SmsNotDelivered):
        await FailoverSms([("msg91", first), ("kaleyra", second)]).send(MESSAGE)
    assert second.sent == []


async def test_when_every_gateway_fails_the_last_failure_is_raised():
    sms = FailoverSms([("msg91", Gateway([failing()])), ("sns", Gateway([failing()]))])
    with pytest.raises(SmsNotDelivered) as raised:
        await sms.send(MESSAGE)
    assert raised.value.carrier_failing


async def test_a_gateway_failing_in_a_row_is_skipped_until_its_circuit_closes():
    clock = Clock()
    metrics = PrometheusMetrics()
    first = Gateway([failing(), failing()])
    second = Gateway()
    sms = FailoverSms(
        [("msg91", first), ("kaleyra", second)],
        metrics=metrics,
        failures_to_open=2,
        open_s=30,
        monotonic=clock,
    )
    for _ in range(3):
        await sms.send(MESSAGE)
    assert first.answers == []  # two failures, then skipped: not asked a third time
    assert len(second.sent) == 3
    assert sample(metrics, "kyvs_sms_gateway_failures_total", "msg91") == 3  # 2 + 1 skip
    clock.now += 31
    assert (await sms.send(MESSAGE)).gateway == "msg91"  # tried again, and healthy
    assert len(first.sent) == 1


def test_gateways_are_named_once_each():
    with pytest.raises(ValueError, match="each name once"):
        FailoverSms([("msg91", Gateway()), ("msg91", Gateway())])
    with pytest.raises(ValueError, match="at least one"):
        FailoverSms([])
