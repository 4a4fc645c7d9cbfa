"""The verification engine over in-memory adapters: matching, enumeration safety, single use under
races, the access log, the attestation, and what the SMS and the stored txn never hold."""

from __future__ import annotations

import dataclasses
import json

import pytest

from kyvs.adapters.jws import AttestationInvalid, verify
from kyvs.adapters.memory.verification import MemoryRateLimiter
from kyvs.adapters.secret_keys import SecretKeys
from kyvs.domain.errors import InvalidOtp, TooManyAttempts, TxnAlreadyUsed, TxnNotFound
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.otp import mobile_key, otp_digest
from kyvs.domain.providers import Provider
from kyvs.domain.verification import TxnState, VerificationTxn
from kyvs.i18n.catalogs import SUPPORTED_LANGUAGES
from kyvs.ports import NOBODY, AccessEntry
from kyvs.services.verification import Started
from tests.factories.people import a_dose, a_registration, fully_vaccinated
from tests.factories.providers import a_provider
from tests.factories.verification import (
    SECRET,
    START,
    RacingStore,
    VerifierWorld,
    build_verifier,
)

pytestmark = pytest.mark.anyio

ASHA_MOBILE = "9876543210"
YATRA = a_provider(
    provider_id="prov-yatra", name="Yatra Travels", scopes=["status", "vaccinations"]
)
ACME = a_provider(
    provider_id="prov-acme",
    name="Acme Employer",
    category="employer",
    scopes=["status", "demographics"],
    purposes=["employment", "travel"],
)
SOME_WRONG_DIGEST = otp_digest("not-the-otp")


def household() -> list:
    """Asha (fully vaccinated) and Meera (one dose) share one mobile."""
    return [
        fully_vaccinated(name="Asha Patel", mobile=ASHA_MOBILE),
        a_registration(a_dose("COVAXIN", "2022-01-20"), name="Meera Patel", mobile=ASHA_MOBILE),
    ]


@pytest.fixture
def world() -> VerifierWorld:
    return build_verifier(*household())


async def start(
    world: VerifierWorld,
    provider: Provider = YATRA,
    *,
    name: str = "Asha Patel",
    mobile: str = ASHA_MOBILE,
    purpose: str = "travel",
    language: str = "en",
) -> Started:
    return await world.verifier.start(
        provider=provider, full_name=name, mobile=mobile, purpose=purpose, language=language
    )


async def confirm(world: VerifierWorld, provider: Provider, txn_id: str, digest: str) -> dict:
    return await world.verifier.confirm(
        provider=provider, txn_id=txn_id, otp_digest=digest, channel="api"
    )


async def started_and_sent(world: VerifierWorld, provider: Provider = YATRA, **kwargs) -> Started:
    started = await start(world, provider, **kwargs)
    await world.dispatcher.run_all()
    return started


def ref_of(world: VerifierWorld, name: str) -> str:
    people = world.registry.on_mobile(MobileNumber.parse(ASHA_MOBILE))
    return next(p.beneficiary.reference_id for p in people if p.beneficiary.full_name == name)


def outcomes(world: VerifierWorld) -> list[str]:
    return [entry.outcome for entry in world.access_log]


# --- matching ------------------------------------------------------------------------------------


async def test_the_otp_sent_to_the_person_discloses_their_status_by_scope(world):
    started = await started_and_sent(world)
    result = await confirm(world, YATRA, started.txn_id, world.digest_sent_to(ASHA_MOBILE))
    assert (result["vaccination_status"], result["status"]) == (2, "FULLY_VACCINATED")
    assert result["status_text"] == "Fully vaccinated"
    assert [v["dose"] for v in result["vaccinations"]] == [1, 2]
    assert "beneficiary" not in result
    assert await world.verifier.verified_result(provider=YATRA, txn_id=started.txn_id) == result


async def test_a_name_typed_in_gujarati_matches_a_latin_registration():
    bhavesh = a_registration(name="Bhavesh Patel", mobile="9123456780")
    world = build_verifier(bhavesh)
    started = await started_and_sent(
        world, ACME, name="ભાવેશ પટેલ", mobile="9123456780", purpose="employment", language="gu"
    )
    assert world.sms.last.language == "gu"
    result = await confirm(world, ACME, started.txn_id, world.digest_sent_to("9123456780"))
    assert result["beneficiary"]["name"] == "Bhavesh Patel"


async def test_a_name_two_household_members_answer_to_gets_no_sms_and_fails_like_a_wrong_otp():
    world = build_verifier(
        a_registration(name="Asha Patel", mobile=ASHA_MOBILE),
        a_registration(name="Asha R Patel", mobile=ASHA_MOBILE),  # "Asha Patel" matches both
    )
    started = await started_and_sent(world, name="Asha Patel")
    assert world.sms.messages == []
    with pytest.raises(InvalidOtp) as wrong:
        await confirm(world, YATRA, started.txn_id, otp_digest("123456"))
    assert (wrong.value.slug, wrong.value.attempts_left) == ("invalid-otp", 2)


# --- enumeration ---------------------------------------------------------------------------------


async def test_start_answers_alike_whoever_matched_and_sends_nothing_on_the_request_path(world):
    matched = await start(world)
    wrong_name = await start(world, name="Ravi Kumar")
    wrong_mobile = await start(world, name="Nobody Here", mobile="9000000009")
    answers = [matched, wrong_name, wrong_mobile]

    def shape(started: Started) -> Started:
        return dataclasses.replace(started, txn_id="", expires_at=START)

    assert [shape(a) for a in answers] == [shape(matched)] * 3
    assert len({a.txn_id for a in answers}) == 3

    def stored_shape(txn: VerificationTxn) -> VerificationTxn:
        return dataclasses.replace(txn, txn_id="", mobile_key="", otp_hash="")

    stored = [world.txns.txns[a.txn_id] for a in answers]
    assert [stored_shape(t) for t in stored] == [stored_shape(stored[0])] * 3
    assert stored[0].beneficiary_ref is None  # the match happens after the response
    assert world.sms.messages == []
    assert world.access_log == []

    await world.dispatcher.run_all()
    assert [m.to for m in world.sms.messages] == [MobileNumber(ASHA_MOBILE)]
    assert world.txns.txns[matched.txn_id].beneficiary_ref == ref_of(world, "Asha Patel")


async def test_another_providers_txn_does_not_exist_for_it(world):
    started = await started_and_sent(world)
    digest = world.digest_sent_to(ASHA_MOBILE)
    with pytest.raises(TxnNotFound):
        await confirm(world, ACME, started.txn_id, digest)
    with pytest.raises(TxnNotFound):
        await world.verifier.state(provider=ACME, txn_id=started.txn_id)
    assert world.txns.txns[started.txn_id].attempts == 0


# --- single use under races ----------------------------------------------------------------------


@pytest.fixture
def racing_world() -> VerifierWorld:
    return build_verifier(*household(), wrap_store=RacingStore)


def racing_store(world: VerifierWorld) -> RacingStore:
    store = world.container.verification_store
    assert isinstance(store, RacingStore)
    return store


async def test_a_confirm_that_loses_the_race_to_another_confirm_does_not_verify_again(
    racing_world,
):
    world, store = racing_world, racing_store(racing_world)
    started = await started_and_sent(world)
    digest = world.digest_sent_to(ASHA_MOBILE)
    winners = []

    async def rival_confirm() -> None:
        winners.append(await confirm(world, YATRA, started.txn_id, digest))

    store.rival = rival_confirm
    with pytest.raises(TxnAlreadyUsed):
        await confirm(world, YATRA, started.txn_id, digest)
    assert len(winners) == 1
    assert outcomes(world) == ["requested", "verified"]
    stored = world.txns.txns[started.txn_id]
    assert stored.state is TxnState.VERIFIED
    assert json.loads(stored.result or "") == winners[0]


async def test_a_confirm_whose_txn_changed_underneath_reads_it_again_and_verifies_once(
    racing_world,
):
    world, store = racing_world, racing_store(racing_world)
    started = await started_and_sent(world)
    version = world.txns.txns[started.txn_id].version
    store.rival = store.bump_version(started.txn_id)
    result = await confirm(world, YATRA, started.txn_id, world.digest_sent_to(ASHA_MOBILE))
    assert result["status"] == "FULLY_VACCINATED"
    assert outcomes(world) == ["requested", "verified"]
    assert world.txns.txns[started.txn_id].version == version + 2  # the rival's, then ours


async def test_a_wrong_otp_that_loses_a_race_still_counts(racing_world):
    world, store = racing_world, racing_store(racing_world)
    started = await started_and_sent(world)
    store.rival = store.bump_version(started.txn_id)
    with pytest.raises(InvalidOtp) as wrong:
        await confirm(world, YATRA, started.txn_id, SOME_WRONG_DIGEST)
    assert wrong.value.attempts_left == 2
    assert world.txns.txns[started.txn_id].attempts == 1


async def test_a_confirm_that_loses_every_race_gives_up_without_verifying(racing_world):
    world, store = racing_world, racing_store(racing_world)
    started = await started_and_sent(world)
    store.rival, store.every_write = store.bump_version(started.txn_id), True
    with pytest.raises(TxnAlreadyUsed):
        await confirm(world, YATRA, started.txn_id, world.digest_sent_to(ASHA_MOBILE))
    assert world.txns.txns[started.txn_id].state is TxnState.PENDING
    assert outcomes(world) == ["requested"]


async def test_an_otp_works_once(world):
    started = await started_and_sent(world)
    digest = world.digest_sent_to(ASHA_MOBILE)
    await confirm(world, YATRA, started.txn_id, digest)
    with pytest.raises(TxnAlreadyUsed):
        await confirm(world, YATRA, started.txn_id, digest)
    assert outcomes(world) == ["requested", "verified"]


# --- the access log ------------------------------------------------------------------------------


async def test_the_access_log_records_the_request_then_the_disclosure_with_its_scopes(world):
    started = await start(world, ACME, name="Meera Patel", purpose="employment")
    assert world.access_log == []  # nothing is known about the person until the match runs
    await world.dispatcher.run_all()
    world.later(20)
    result = await confirm(world, ACME, started.txn_id, world.digest_sent_to(ASHA_MOBILE))
    meera = ref_of(world, "Meera Patel")
    common = (meera, "prov-acme", "Acme Employer", "employment")
    verified = world.access_log[-1]
    assert verified.consent_id == result["consent_id"]
    assert verified.consent is not None  # the signed record; tests/unit/services/test_consent.py
    assert [dataclasses.replace(e, consent_id=None, consent=None) for e in world.access_log] == [
        AccessEntry(*common, frozenset(), "requested", started.txn_id, START),
        AccessEntry(
            *common,
            frozenset({"status", "demographics"}),
            "verified",
            started.txn_id,
            world.clock.now(),
        ),
    ]


async def test_a_txn_locked_by_wrong_otps_is_logged_for_the_person_with_nothing_disclosed(world):
    started = await started_and_sent(world)
    for _ in range(2):
        with pytest.raises(InvalidOtp):
            await confirm(world, YATRA, started.txn_id, SOME_WRONG_DIGEST)
    with pytest.raises(TooManyAttempts):
        await confirm(world, YATRA, started.txn_id, SOME_WRONG_DIGEST)
    assert outcomes(world) == ["requested", "locked"]
    locked = world.access_log[-1]
    assert (locked.beneficiary_ref, locked.scopes) == (ref_of(world, "Asha Patel"), frozenset())
    with pytest.raises(TooManyAttempts):
        await confirm(world, YATRA, started.txn_id, world.digest_sent_to(ASHA_MOBILE))


async def test_an_unmatched_txn_leaves_nothing_in_anyones_access_log(world):
    started = await started_and_sent(world, name="Ravi Kumar")
    for _ in range(3):
        with pytest.raises((InvalidOtp, TooManyAttempts)):
            await confirm(world, YATRA, started.txn_id, SOME_WRONG_DIGEST)
    assert world.txns.txns[started.txn_id].state is TxnState.LOCKED
    # Its lock is written as a matched txn's is (the same work), naming nobody.
    assert [(e.beneficiary_ref, e.outcome) for e in world.access_log] == [(NOBODY, "locked")]


# --- the attestation -----------------------------------------------------------------------------


@pytest.mark.parametrize("provider", [YATRA, ACME], ids=lambda p: p.provider_id)
async def test_the_attestation_verifies_against_the_jwks_and_claims_what_was_disclosed(provider):
    world = build_verifier(*household())
    started = await started_and_sent(world, provider)
    result = await confirm(world, provider, started.txn_id, world.digest_sent_to(ASHA_MOBILE))
    claims = verify(
        result["attestation"],
        world.ring.jwks(),
        now=world.clock.now(),
        audience=provider.provider_id,
    )
    disclosed = {k: v for k, v in result.items() if k not in {"attestation", "status_text"}}
    assert claims["kyvs"] == disclosed
    assert (claims["jti"], claims["iss"]) == (started.txn_id, "kyvs")
    assert claims["exp"] - claims["iat"] == 86_400
    with pytest.raises(AttestationInvalid, match="wrong audience"):
        verify(result["attestation"], world.ring.jwks(), now=world.clock.now(), audience="other")


# --- what the SMS and the store never hold -------------------------------------------------------


async def test_the_sms_names_the_provider_and_purpose_and_asks_for_consent(world):
    await started_and_sent(world)
    text = world.sms.last.text
    assert "Yatra Travels" in text
    assert "for travel" in text
    assert "Share it only if you agree" in text


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
async def test_no_sms_shows_the_mobile_number(language):
    world = build_verifier(*household())
    started = await started_and_sent(world, language=language)
    world.later(30)
    await world.verifier.resend(provider=YATRA, txn_id=started.txn_id)
    await world.dispatcher.run_all()
    assert len(world.sms.messages) == 2
    assert [m for m in world.sms.messages if ASHA_MOBILE in m.text.replace(" ", "")] == []


async def test_the_txn_keeps_a_keyed_hash_of_the_mobile_never_the_number(world):
    started = await started_and_sent(world, ACME, purpose="employment")
    unmatched = await started_and_sent(world, ACME, name="Nobody", mobile="9000000009")
    await confirm(world, ACME, started.txn_id, world.digest_sent_to(ASHA_MOBILE))
    for txn, national in [
        (world.txns.txns[started.txn_id], ASHA_MOBILE),
        (world.txns.txns[unmatched.txn_id], "9000000009"),
    ]:
        assert txn.mobile_key == mobile_key(SecretKeys.of(SECRET).otp, national)
        assert national not in repr(dataclasses.astuple(txn))  # the disclosed result included
    limiter = world.limiter
    assert isinstance(limiter, MemoryRateLimiter)
    assert not [key for key, _ in limiter.counters if ASHA_MOBILE in key or "9000000009" in key]
