"""Citizen login by OTP to the registered mobile: the same answers and limits as verification,
and a session token that stands for the mobile only while it is valid."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from kyvs.domain import tokens
from kyvs.domain.errors import (
    InvalidOtp,
    OtpExpired,
    SessionInvalid,
    TooManyAttempts,
    TxnAlreadyUsed,
    TxnNotFound,
)
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.otp import otp_digest
from kyvs.domain.verification import TxnState
from kyvs.services.citizen_login import SESSION_S, TOKEN_KIND, CitizenLogin, CitizenSession
from kyvs.services.sms_texts import CITIZEN_LOGIN_OTP
from kyvs.services.verification import Started
from tests.factories.people import a_registration
from tests.factories.providers import a_provider
from tests.factories.verification import (
    A_CLIENT,
    SECRET,
    START,
    RacingStore,
    VerifierWorld,
    build_verifier,
)

pytestmark = pytest.mark.anyio

ASHA_MOBILE = "9876543210"
UNREGISTERED = "9000000009"
WRONG = otp_digest("not-the-otp")


def household() -> list:
    return [
        a_registration(name="Asha Patel", mobile=ASHA_MOBILE),
        a_registration(name="Meera Patel", mobile=ASHA_MOBILE),
    ]


@pytest.fixture
def world() -> VerifierWorld:
    return build_verifier(*household())


def login_of(world: VerifierWorld) -> CitizenLogin:
    return world.login


async def started_and_sent(world: VerifierWorld, mobile: str = ASHA_MOBILE) -> Started:
    started = await login_of(world).start(mobile=mobile, language="en", client=A_CLIENT)
    await world.dispatcher.run_all()
    return started


async def logged_in(world: VerifierWorld) -> CitizenSession:
    started = await started_and_sent(world)
    return await login_of(world).confirm(
        txn_id=started.txn_id, otp_digest=world.digest_sent_to(ASHA_MOBILE), client=A_CLIENT
    )


async def test_a_registered_mobile_gets_a_login_otp_and_a_session_for_it(world):
    started = await started_and_sent(world)
    assert [(m.to, m.category) for m in world.sms.messages] == [
        (MobileNumber(ASHA_MOBILE), CITIZEN_LOGIN_OTP)
    ]
    assert ASHA_MOBILE not in world.sms.last.text
    session = await login_of(world).confirm(
        txn_id=started.txn_id, otp_digest=world.digest_sent_to(ASHA_MOBILE), client=A_CLIENT
    )
    assert session.expires_at == START + dt.timedelta(seconds=SESSION_S)
    assert await login_of(world).mobile_of(session.token) == MobileNumber(ASHA_MOBILE)


async def test_an_unregistered_mobile_gets_the_same_answer_and_no_sms(world):
    registered = await login_of(world).start(mobile=ASHA_MOBILE, language="en", client=A_CLIENT)
    unregistered = await login_of(world).start(mobile=UNREGISTERED, language="en", client=A_CLIENT)
    assert dataclasses.replace(unregistered, txn_id=registered.txn_id) == registered
    assert world.sms.messages == []  # nothing is sent on the request path
    await world.dispatcher.run_all()
    assert [m.to for m in world.sms.messages] == [MobileNumber(ASHA_MOBILE)]
    with pytest.raises(InvalidOtp) as wrong:
        await login_of(world).confirm(
            txn_id=unregistered.txn_id, otp_digest=otp_digest("123456"), client=A_CLIENT
        )
    assert wrong.value.attempts_left == 2


async def test_the_login_otp_works_once(world):
    started = await started_and_sent(world)
    digest = world.digest_sent_to(ASHA_MOBILE)
    await login_of(world).confirm(txn_id=started.txn_id, otp_digest=digest, client=A_CLIENT)
    with pytest.raises(TxnAlreadyUsed):
        await login_of(world).confirm(txn_id=started.txn_id, otp_digest=digest, client=A_CLIENT)


async def test_three_wrong_otps_lock_the_login_even_for_the_right_one(world):
    started = await started_and_sent(world)
    login = login_of(world)
    for left in (2, 1):
        with pytest.raises(InvalidOtp) as wrong:
            await login.confirm(txn_id=started.txn_id, otp_digest=WRONG, client=A_CLIENT)
        assert wrong.value.attempts_left == left
    with pytest.raises(TooManyAttempts):
        await login.confirm(txn_id=started.txn_id, otp_digest=WRONG, client=A_CLIENT)
    with pytest.raises(TooManyAttempts):
        await login.confirm(
            txn_id=started.txn_id, otp_digest=world.digest_sent_to(ASHA_MOBILE), client=A_CLIENT
        )
    assert world.txns.txns[started.txn_id].state is TxnState.LOCKED


async def test_an_expired_login_otp_is_refused(world):
    started = await started_and_sent(world)
    world.later(180)
    with pytest.raises(OtpExpired):
        await login_of(world).confirm(
            txn_id=started.txn_id, otp_digest=world.digest_sent_to(ASHA_MOBILE), client=A_CLIENT
        )


async def test_a_provider_txn_is_no_login_and_a_login_is_no_provider_txn(world):
    provider = a_provider()
    verification = await world.verifier.start(
        provider=provider,
        full_name="Asha Patel",
        mobile=ASHA_MOBILE,
        purpose="travel",
        language="en",
    )
    login = await started_and_sent(world)
    with pytest.raises(TxnNotFound):
        await login_of(world).confirm(txn_id=verification.txn_id, otp_digest=WRONG, client=A_CLIENT)
    with pytest.raises(TxnNotFound):
        await world.verifier.confirm(
            provider=provider, txn_id=login.txn_id, otp_digest=WRONG, channel="api"
        )


# --- concurrent guesses --------------------------------------------------------------------------


@pytest.fixture
def racing_world() -> VerifierWorld:
    return build_verifier(*household(), wrap_store=RacingStore)


def racing_store(world: VerifierWorld) -> RacingStore:
    store = world.container.verification_store
    assert isinstance(store, RacingStore)
    return store


async def test_a_wrong_otp_that_loses_a_race_still_counts_toward_the_lock(racing_world):
    # Otherwise a burst of concurrent guesses would be counted as one attempt.
    world, store = racing_world, racing_store(racing_world)
    started = await started_and_sent(world)
    store.rival = store.bump_version(started.txn_id)
    with pytest.raises(InvalidOtp) as wrong:
        await login_of(world).confirm(txn_id=started.txn_id, otp_digest=WRONG, client=A_CLIENT)
    assert wrong.value.attempts_left == 2
    assert world.txns.txns[started.txn_id].attempts == 1


async def test_the_right_otp_is_not_told_apart_by_a_concurrent_wrong_guess(racing_world):
    # A right guess that lost the race must not answer differently from a wrong one: it reads the
    # txn again and logs in (the wrong guess counted, but did not lock).
    world, store = racing_world, racing_store(racing_world)
    started = await started_and_sent(world)
    guesses = []

    async def wrong_guess() -> None:
        with pytest.raises(InvalidOtp) as wrong:
            await login_of(world).confirm(txn_id=started.txn_id, otp_digest=WRONG, client=A_CLIENT)
        guesses.append(wrong.value.attempts_left)

    store.rival = wrong_guess
    session = await login_of(world).confirm(
        txn_id=started.txn_id, otp_digest=world.digest_sent_to(ASHA_MOBILE), client=A_CLIENT
    )
    assert guesses == [2]
    assert await login_of(world).mobile_of(session.token) == MobileNumber(ASHA_MOBILE)


# --- session tokens ------------------------------------------------------------------------------


async def test_a_session_ends_when_its_token_expires(world):
    session = await logged_in(world)
    world.later(SESSION_S - 1)
    assert await login_of(world).mobile_of(session.token) == MobileNumber(ASHA_MOBILE)
    world.later(1)
    with pytest.raises(SessionInvalid):
        await login_of(world).mobile_of(session.token)


def _swap_last(text: str) -> str:
    return text[:-1] + ("A" if text[-1] != "A" else "B")


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(_swap_last, id="mac changed"),
        pytest.param(lambda t: t.rsplit(".", 1)[0], id="mac dropped"),
        pytest.param(
            lambda t: ".".join(
                [t.split(".")[0], str(int(t.split(".")[1]) + 3600), t.split(".")[2]]
            ),
            id="expiry extended",
        ),
        pytest.param(lambda t: "a" + t, id="subject changed"),
        pytest.param(lambda t: "", id="empty"),
        pytest.param(lambda t: f"Bearer {t}", id="with its scheme"),
        pytest.param(lambda t: t + "\n", id="trailing newline"),
        pytest.param(lambda t: t.replace(".", ".é", 1), id="non-ascii"),
    ],
)
async def test_a_tampered_token_is_refused(world, tamper):
    session = await logged_in(world)
    with pytest.raises(SessionInvalid):
        await login_of(world).mobile_of(tamper(session.token))


async def test_a_token_of_another_kind_or_secret_is_refused_for_a_verified_login(world):
    session = await logged_in(world)
    txn_id, expiry, _ = session.token.split(".")
    forged = [
        tokens.issue(SECRET, kind="cowin-status", subject=txn_id, expires_at_s=int(expiry)),
        tokens.issue(b"another-secret", kind=TOKEN_KIND, subject=txn_id, expires_at_s=int(expiry)),
    ]
    for token in forged:
        with pytest.raises(SessionInvalid):
            await login_of(world).mobile_of(token)


async def test_a_well_made_token_for_a_login_not_yet_confirmed_is_refused(world):
    started = await started_and_sent(world)
    expiry = int(START.timestamp()) + SESSION_S
    token = tokens.issue(SECRET, kind=TOKEN_KIND, subject=started.txn_id, expires_at_s=expiry)
    with pytest.raises(SessionInvalid):
        await login_of(world).mobile_of(token)
