"""Delivery reports: the gateway's later word on an OTP SMS lands on the txn, the SMS circuit
(route failures only) and the citizen's access log, and providers see none of it."""

from __future__ import annotations

import datetime as dt

import pytest

from kyvs.domain.verification import Delivery
from kyvs.ports import DeliveryReport
from tests.factories.people import fully_vaccinated
from tests.factories.providers import a_provider
from tests.factories.verification import A_CLIENT, VerifierWorld, build_verifier

pytestmark = pytest.mark.anyio

MOBILE = "9876543210"
YATRA = a_provider(provider_id="prov-yatra", name="Yatra Travels", scopes=["status"])


class Directory:
    async def by_key_id(self, key_id: str) -> None:
        return None

    async def provider(self, provider_id: str):
        return YATRA if provider_id == YATRA.provider_id else None


@pytest.fixture
def world() -> VerifierWorld:
    return build_verifier(
        fully_vaccinated(name="Asha Patel", mobile=MOBILE), provider_directory=Directory()
    )


async def checked(world: VerifierWorld, name: str = "Asha Patel") -> str:
    started = await world.verifier.start(
        provider=YATRA, full_name=name, mobile=MOBILE, purpose="travel", language="en"
    )
    await world.dispatcher.run_all()
    return started.txn_id


def report(message_id: str = "memory-1", **fields) -> DeliveryReport:
    return DeliveryReport(gateway="memory", message_id=message_id, **fields)


async def delivery(world: VerifierWorld, txn_id: str) -> Delivery:
    txn = await world.txns.get(txn_id)
    assert txn is not None
    return txn.delivery


async def test_a_delivered_report_marks_the_txn_delivered(world):
    txn_id = await checked(world)
    assert await delivery(world, txn_id) is Delivery.SENT
    assert await world.container.delivery_reports.record(report(delivered=True)) == "delivered"
    assert await delivery(world, txn_id) is Delivery.DELIVERED
    assert [e.outcome for e in world.access_log] == ["requested"]


async def test_a_number_that_could_not_be_reached_tells_the_citizen_but_not_the_circuit(world):
    txn_id = await checked(world)
    before = list(world.health_log.outcomes)
    state = await world.container.delivery_reports.record(
        report(delivered=False, carrier_failing=False, detail="ABSENT_SUBSCRIBER")
    )
    assert state == "failed"
    assert await delivery(world, txn_id) is Delivery.FAILED
    assert [e.outcome for e in world.access_log] == ["requested", "undelivered"]
    assert world.access_log[-1].provider_name == "Yatra Travels"
    assert world.health_log.outcomes == before  # a number's trouble says nothing of the route


async def test_a_route_or_template_failure_counts_toward_the_circuit(world):
    await checked(world)
    await world.container.delivery_reports.record(
        report(delivered=False, carrier_failing=True, detail="DLT_TEMPLATE_MISMATCH")
    )
    assert [o.ok for o in world.health_log.outcomes][-1] is False


async def test_an_unknown_message_changes_nothing(world):
    txn_id = await checked(world)
    assert await world.container.delivery_reports.record(report("memory-99", delivered=False)) == (
        "unknown"
    )
    assert await delivery(world, txn_id) is Delivery.SENT
    assert [e.outcome for e in world.access_log] == ["requested"]


async def test_a_report_on_an_otp_a_resend_replaced_changes_nothing(world):
    txn_id = await checked(world)
    world.clock.moment += dt.timedelta(seconds=world.policy.resend_after_s + 1)
    await world.verifier.resend(provider=YATRA, txn_id=txn_id)
    await world.dispatcher.run_all()
    assert await world.container.delivery_reports.record(report("memory-1", delivered=False)) == (
        "unknown"
    )
    assert await world.container.delivery_reports.record(report("memory-2", delivered=True)) == (
        "delivered"
    )


async def test_a_failed_login_sms_is_not_written_to_the_access_log(world):
    await world.login.start(mobile=MOBILE, language="en", client=A_CLIENT)
    await world.dispatcher.run_all()
    state = await world.container.delivery_reports.record(report(delivered=False))
    assert state == "failed"
    assert world.access_log == []


async def test_an_unmatched_pair_sends_nothing_so_nothing_can_be_reported(world):
    await checked(world, name="Somebody Else")
    assert world.sms.messages == []
    assert await world.container.delivery_reports.record(report(delivered=True)) == "unknown"


async def test_each_send_carries_a_client_reference_of_its_own(world):
    txn_id = await checked(world)
    world.clock.moment += dt.timedelta(seconds=world.policy.resend_after_s + 1)
    await world.verifier.resend(provider=YATRA, txn_id=txn_id)
    await world.dispatcher.run_all()
    references = [message.reference for message in world.sms.messages]
    assert len(references) == 2 and all(references) and len(set(references)) == 2
    assert all(txn_id not in reference for reference in references)
