"""Verification against real databases (SQLite and PostgreSQL), with a clock the test moves.

Each limit of SECURITY.md is proven here: lifetime, attempts, resend cooldown and count,
per-mobile caps, per-key rate and daily quota, object ownership, and single use.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from sqlalchemy import event, select

from kyvs.adapters.clock import FixedClock
from kyvs.adapters.sms.outbox import latest_async
from kyvs.adapters.sql import migrate
from kyvs.adapters.sql.tables import access_log
from kyvs.bootstrap import Container
from kyvs.domain.errors import (
    InvalidOtp,
    OtpExpired,
    RateLimited,
    TooManyAttempts,
    TxnAlreadyUsed,
    TxnNotFound,
)
from kyvs.domain.otp import otp_digest
from kyvs.domain.providers import Provider
from kyvs.services import providers as onboarding
from kyvs.settings import Settings
from tests.factories.people import a_dose, a_registration

pytestmark = pytest.mark.anyio

START = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@dataclass
class World:
    container: Container
    clock: FixedClock
    travel: Provider
    employer: Provider

    def later(self, seconds: float) -> None:
        self.clock.moment += dt.timedelta(seconds=seconds)

    async def last_otp(self, mobile: str) -> str:
        await self.container.dispatcher.drain()
        entries = await latest_async(self.container.sql_units, 50)
        texts = [e.text for e in entries if e.to_mobile == mobile]
        assert texts, f"no SMS to {mobile}"
        found = re.search(r"\b(\d{6})\b", texts[0])
        assert found
        return found.group(1)

    async def sms_count(self) -> int:
        await self.container.dispatcher.drain()
        return len(await latest_async(self.container.sql_units, 1000))

    async def start(self, provider: Provider, name: str = "Asha Patel", mobile: str = "9000000001"):
        return await self.container.verifier.start(
            provider=provider, full_name=name, mobile=mobile, purpose="travel", language="en"
        )

    async def confirm(self, provider: Provider, txn_id: str, otp: str):
        return await self.container.verifier.confirm(
            provider=provider, txn_id=txn_id, otp_digest=otp_digest(otp), channel="api"
        )


@pytest.fixture
async def world(database_url):
    clock = FixedClock(START)
    settings = Settings(database_url=database_url, demo=True)
    container = Container(settings=settings, clock=clock)
    migrate.upgrade(container.engine)
    household = [
        a_registration(
            a_dose("COVISHIELD", "2021-05-01", number=1),
            a_dose("COVISHIELD", "2021-08-01", number=2),
            name="Asha Patel",
            mobile="9000000001",
        ),
        a_registration(
            a_dose("COVAXIN", "2022-01-20", number=1), name="Meera Patel", mobile="9000000001"
        ),
        a_registration(name="Ravi Kumar", mobile="9000000002"),
    ]
    container.registry.write_many(household)
    common = {"store": container.provider_store, "access": container.access, "now": START}
    travel, _ = onboarding.create_provider(
        name="Yatra Travels",
        category="travel",
        scopes=["status", "vaccinations"],
        purposes=["travel"],
        daily_quota=1000,
        rate_limit="1000/5min",
        **common,
    )
    employer, _ = onboarding.create_provider(
        name="Acme Employer",
        category="employer",
        scopes=["status", "demographics"],
        purposes=["travel", "employment"],
        daily_quota=3,
        rate_limit="1000/5min",
        **common,
    )
    yield World(container, clock, travel, employer)
    await container.aclose()


async def test_the_right_otp_discloses_status_and_only_what_scopes_allow(world):
    started = await world.start(world.travel)
    result = await world.confirm(world.travel, started.txn_id, await world.last_otp("9000000001"))
    assert (result["vaccination_status"], result["status"]) == (2, "FULLY_VACCINATED")
    assert [v["dose"] for v in result["vaccinations"]] == [1, 2]
    assert "beneficiary" not in result
    assert result["attestation"].count(".") == 2


async def test_demographics_scope_discloses_the_person_but_no_doses(world):
    started = await world.start(world.employer, name="meera  patel")
    result = await world.confirm(world.employer, started.txn_id, await world.last_otp("9000000001"))
    assert result["status"] == "PARTIALLY_VACCINATED"
    assert result["beneficiary"]["name"] == "Meera Patel"
    assert result["beneficiary"]["reference_id_masked"].startswith("XXXXXXXXXX")
    assert "vaccinations" not in result


async def test_the_sms_names_the_provider_and_the_purpose(world):
    await world.start(world.travel)
    await world.container.dispatcher.drain()
    text = (await latest_async(world.container.sql_units, 1))[0].text
    assert "Yatra Travels" in text
    assert "travel" in text
    assert "Share it only if you agree" in text


async def test_an_unmatched_pair_answers_like_a_matched_one_and_sends_nothing(world):
    before = await world.sms_count()
    matched = await world.start(world.travel)
    unmatched = await world.start(world.travel, name="Nobody Here", mobile="9000000009")
    assert type(matched) is type(unmatched)
    assert (matched.otp_length, matched.resend_after_s) == (
        unmatched.otp_length,
        unmatched.resend_after_s,
    )
    assert await world.sms_count() == before + 1
    with pytest.raises(InvalidOtp) as wrong:
        await world.confirm(world.travel, unmatched.txn_id, "123456")
    assert wrong.value.attempts_left == 2


async def test_another_providers_txn_is_not_found(world):
    started = await world.start(world.travel)
    otp = await world.last_otp("9000000001")
    with pytest.raises(TxnNotFound):
        await world.confirm(world.employer, started.txn_id, otp)
    with pytest.raises(TxnNotFound):
        await world.container.verifier.state(provider=world.employer, txn_id=started.txn_id)


async def test_an_otp_works_once(world):
    started = await world.start(world.travel)
    otp = await world.last_otp("9000000001")
    await world.confirm(world.travel, started.txn_id, otp)
    with pytest.raises(TxnAlreadyUsed):
        await world.confirm(world.travel, started.txn_id, otp)


async def test_an_otp_expires_after_three_minutes(world):
    started = await world.start(world.travel)
    otp = await world.last_otp("9000000001")
    world.later(181)
    with pytest.raises(OtpExpired):
        await world.confirm(world.travel, started.txn_id, otp)


async def test_three_wrong_otps_lock_the_txn_even_for_the_right_one(world):
    started = await world.start(world.travel)
    otp = await world.last_otp("9000000001")
    wrong = "000000" if otp != "000000" else "111111"
    for left in (2, 1):
        with pytest.raises(InvalidOtp) as error:
            await world.confirm(world.travel, started.txn_id, wrong)
        assert error.value.attempts_left == left
    with pytest.raises(TooManyAttempts):
        await world.confirm(world.travel, started.txn_id, wrong)
    with pytest.raises(TooManyAttempts):
        await world.confirm(world.travel, started.txn_id, otp)


async def test_resend_waits_for_the_cooldown_and_is_bounded(world):
    started = await world.start(world.travel)
    first = await world.last_otp("9000000001")
    with pytest.raises(RateLimited) as early:
        await world.container.verifier.resend(provider=world.travel, txn_id=started.txn_id)
    assert (early.value.slug, early.value.retry_after_s) == ("resend-too-soon", 30)
    world.later(30)
    await world.container.verifier.resend(provider=world.travel, txn_id=started.txn_id)
    second = await world.last_otp("9000000001")
    world.later(30)
    await world.container.verifier.resend(provider=world.travel, txn_id=started.txn_id)
    world.later(30)
    with pytest.raises(RateLimited) as bounded:
        await world.container.verifier.resend(provider=world.travel, txn_id=started.txn_id)
    assert bounded.value.slug == "too-many-resends"
    newest = await world.last_otp("9000000001")
    if first != newest:
        with pytest.raises(InvalidOtp):
            await world.confirm(world.travel, started.txn_id, first)
    assert second  # each resend sent an SMS
    result = await world.confirm(world.travel, started.txn_id, newest)
    assert result["vaccination_status"] == 2


async def test_a_mobile_gets_at_most_five_otps_an_hour_across_providers(world):
    for n in range(5):
        provider = world.travel if n % 2 else world.employer
        await world.start(provider, name="Ravi Kumar", mobile="9000000002")
        world.later(60)
    with pytest.raises(RateLimited) as capped:
        await world.start(world.travel, name="Ravi Kumar", mobile="9000000002")
    assert capped.value.slug == "too-many-otps-for-mobile"
    assert capped.value.retry_after_s > 0
    world.later(2 * 3600)
    await world.start(world.travel, name="Ravi Kumar", mobile="9000000002")


async def test_the_mobile_cap_counts_unmatched_names_too(world):
    for _ in range(5):
        await world.start(world.travel, name="Somebody Else", mobile="9000000002")
    with pytest.raises(RateLimited):
        await world.start(world.travel, name="Ravi Kumar", mobile="9000000002")


async def test_the_daily_quota_answers_429_until_midnight_utc(world):
    for n in range(3):
        await world.container.verifier.start(
            provider=world.employer,
            full_name="X",
            mobile=f"900000010{n}",
            purpose="employment",
            language="en",
        )
    with pytest.raises(RateLimited) as exhausted:
        await world.start(world.employer, mobile="9000000200")
    assert exhausted.value.slug == "quota-exhausted"
    assert exhausted.value.retry_after_s == 14 * 3600


async def test_a_resend_is_an_sms_and_counts_against_the_daily_quota(world):
    started = await world.start(world.employer, name="Ravi Kumar", mobile="9000000002")
    await world.container.dispatcher.drain()  # the SMS has left: the cooldown runs from then
    world.later(30)
    await world.container.verifier.resend(provider=world.employer, txn_id=started.txn_id)
    await world.start(world.employer, mobile="9000000201")

    with pytest.raises(RateLimited) as exhausted:
        await world.start(world.employer, mobile="9000000202")
    assert exhausted.value.slug == "quota-exhausted"


async def test_the_per_key_rate_limit_answers_429_with_retry_after(world):
    common = {
        "store": world.container.provider_store,
        "access": world.container.access,
        "now": START,
    }
    tight, _ = onboarding.create_provider(
        name="Tiny Hotel",
        category="hospitality",
        scopes=["status"],
        purposes=["travel"],
        rate_limit="2/min",
        **common,
    )
    await world.start(tight, mobile="9000000300")
    await world.start(tight, mobile="9000000301")
    with pytest.raises(RateLimited) as limited:
        await world.start(tight, mobile="9000000302")
    assert limited.value.slug == "rate-limited"
    assert 1 <= limited.value.retry_after_s <= 120


async def test_a_verified_check_is_in_the_persons_access_log(world):
    started = await world.start(world.travel)
    await world.confirm(world.travel, started.txn_id, await world.last_otp("9000000001"))
    with world.container.engine.connect() as connection:
        outcomes = connection.execute(
            select(access_log.c.outcome, access_log.c.provider_name, access_log.c.scopes)
        ).all()
    assert ("requested", "Yatra Travels", "") in outcomes
    assert ("verified", "Yatra Travels", "status,vaccinations") in outcomes


async def locking_statements(world, name: str, mobile: str) -> list[str]:
    """The SQL statements of the third wrong OTP of a txn (the one that locks it)."""
    started = await world.start(world.travel, name=name, mobile=mobile)
    await world.container.dispatcher.drain()
    for _ in range(2):
        with pytest.raises(InvalidOtp):
            await world.confirm(world.travel, started.txn_id, "000000")
    statements: list[str] = []

    def note(_conn, _cursor, statement, _params, _context, _many) -> None:
        statements.append(statement.split()[0].upper())

    engines = world.container.sql_units.engines
    for engine in engines:
        event.listen(engine, "before_cursor_execute", note)
    try:
        with pytest.raises(TooManyAttempts):
            await world.confirm(world.travel, started.txn_id, "000000")
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", note)
    return statements


async def test_locking_a_txn_costs_the_same_statements_matched_or_not(world):
    matched = await locking_statements(world, "Ravi Kumar", "9000000002")
    unmatched = await locking_statements(world, "Nobody Known", "9000000009")

    assert "INSERT" in matched
    assert matched == unmatched
    query = select(access_log.c.beneficiary_ref, access_log.c.outcome)
    rows = await world.container.sql_units.read(lambda db: db.execute(query).all())
    # The unmatched lock's entry names nobody, so no citizen's log shows it.
    assert ("", "locked") in [tuple(row) for row in rows]
