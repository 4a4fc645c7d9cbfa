"""The hosted flow over in-memory adapters: three starts from the details step, one browser,
the result shown once, and an attestation that names the session and the provider's nonce."""

from __future__ import annotations

import dataclasses

import pytest

from kyvs.adapters.jws import verify
from kyvs.adapters.memory.hosted import MemoryHostedSessionStore
from kyvs.domain.errors import InvalidInput
from kyvs.domain.hosted import (
    HostedOtpPending,
    HostedSessionExhausted,
    HostedSessionGone,
    HostedStep,
)
from kyvs.domain.providers import Provider
from kyvs.ports import ApiKeyRecord
from kyvs.services.hosted import HostedFlow
from tests.factories.people import fully_vaccinated
from tests.factories.providers import a_provider
from tests.factories.verification import VerifierWorld, build_verifier

pytestmark = pytest.mark.anyio

RETURN_URL = "https://shop.example.com/kyvs/return"
SHOP = dataclasses.replace(
    a_provider(provider_id="prov-shop", name="Shop"), return_urls=(RETURN_URL,)
)
MOBILE = "9876543210"
ASHA = "Asha Patel"
BROWSER = "b" * 43
OTHER_BROWSER = "o" * 43


class Directory:
    """The one provider, as the web's provider directory answers."""

    async def by_key_id(self, key_id: str) -> tuple[Provider, ApiKeyRecord] | None:
        return None

    async def provider(self, provider_id: str) -> Provider | None:
        return SHOP if provider_id == SHOP.provider_id else None


@pytest.fixture
def world() -> VerifierWorld:
    return build_verifier(
        fully_vaccinated(name=ASHA, mobile=MOBILE),
        hosted_session_store=MemoryHostedSessionStore(),
        provider_directory=Directory(),
    )


@pytest.fixture
def flow(world: VerifierWorld) -> HostedFlow:
    return world.container.hosted_flow


async def a_session(flow: HostedFlow, nonce: str | None = None) -> str:
    session = await flow.create(
        provider=SHOP, return_url=RETURN_URL, purpose="travel", language="en", nonce=nonce
    )
    return session.session_id


async def give_details(flow: HostedFlow, session_id: str, browser: str = BROWSER) -> None:
    await flow.submit_details(session_id, browser=browser, full_name=ASHA, mobile=MOBILE)


async def verified(world: VerifierWorld, flow: HostedFlow, session_id: str) -> dict:
    await give_details(flow, session_id)
    await world.dispatcher.run_all()
    return await flow.submit_otp(session_id, browser=BROWSER, otp=world.otp_sent_to(MOBILE))


async def test_three_starts_are_allowed_and_the_fourth_is_refused_without_an_sms(world, flow):
    session_id = await a_session(flow)
    for _ in range(3):
        await give_details(flow, session_id)
        await flow.restart(session_id, browser=BROWSER)
    await world.dispatcher.run_all()
    sent = len(world.sms.messages)
    with pytest.raises(HostedSessionExhausted):
        await give_details(flow, session_id)
    await world.dispatcher.run_all()
    assert len(world.sms.messages) == sent == 3


async def test_details_while_an_otp_is_pending_are_refused_and_send_no_sms(world, flow):
    session_id = await a_session(flow)
    await give_details(flow, session_id)
    await world.dispatcher.run_all()
    with pytest.raises(HostedOtpPending):
        await give_details(flow, session_id)
    await world.dispatcher.run_all()
    assert len(world.sms.messages) == 1
    view = await flow.view(session_id, browser=BROWSER)
    assert (view.session.step, view.session.starts) == (HostedStep.OTP, 1)


async def test_after_the_first_start_another_browser_finds_no_session(world, flow):
    session_id = await a_session(flow)
    await flow.view(session_id, browser=OTHER_BROWSER)  # anyone may look before the start
    await give_details(flow, session_id)
    await world.dispatcher.run_all()
    otp = world.otp_sent_to(MOBILE)
    refusals = [
        flow.view(session_id, browser=OTHER_BROWSER),
        flow.submit_otp(session_id, browser=OTHER_BROWSER, otp=otp),
        flow.resend(session_id, browser=OTHER_BROWSER),
        flow.restart(session_id, browser=OTHER_BROWSER),
        flow.submit_details(session_id, browser=OTHER_BROWSER, full_name=ASHA, mobile=MOBILE),
    ]
    for refused in refusals:
        with pytest.raises(HostedSessionGone):
            await refused
    assert (await flow.view(session_id, browser=BROWSER)).session.step is HostedStep.OTP


async def test_the_result_is_shown_once_and_the_provider_can_still_fetch_it(world, flow):
    session_id = await a_session(flow)
    result = await verified(world, flow, session_id)
    first = await flow.view(session_id, browser=BROWSER)
    again = await flow.view(session_id, browser=BROWSER)
    assert (first.shows_result, again.shows_result) == (True, False)
    assert again.session.result_shown_at == world.clock.now()
    fetched = await flow.result_for(SHOP, session_id)
    assert fetched.result == result["attestation"]


async def test_the_attestation_names_the_session_and_the_providers_nonce(world, flow):
    session_id = await a_session(flow, nonce="booking-4711")
    result = await verified(world, flow, session_id)
    claims = verify(
        result["attestation"], world.ring.jwks(), now=world.clock.now(), audience="prov-shop"
    )
    assert (claims["hosted_session"], claims["nonce"]) == (session_id, "booking-4711")


async def test_without_a_nonce_the_attestation_names_the_session_only(world, flow):
    session_id = await a_session(flow)
    result = await verified(world, flow, session_id)
    claims = verify(result["attestation"], world.ring.jwks(), now=world.clock.now())
    assert claims["hosted_session"] == session_id
    assert "nonce" not in claims


async def test_a_nonce_that_is_not_url_safe_is_refused(flow):
    with pytest.raises(InvalidInput):
        await a_session(flow, nonce="not url safe")
