"""Every ChannelPreferences adapter keeps the same promises (memory, SQLite, PostgreSQL): SMS
until a citizen chooses, the latest choice wins, and the number itself is never stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from kyvs.adapters.clock import FixedClock
from kyvs.adapters.memory.channel_preferences import MemoryChannelPreferences
from kyvs.adapters.sql import migrate
from kyvs.adapters.sql.channel_preferences import SqlChannelPreferences
from kyvs.adapters.sql.engine import make_engine
from kyvs.adapters.sql.tables import otp_channels
from kyvs.adapters.sql.units import make_units
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.otp_channel import OtpChannel, mobile_key
from kyvs.ports import ChannelPreferences

pytestmark = pytest.mark.anyio

SECRET = b"channel-test-secret-0123456789abcdef"
ASHA = MobileNumber.parse("9876543210")
RAVI = MobileNumber.parse("9123456789")


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def preferences(request) -> AsyncIterator[ChannelPreferences]:
    if request.param == "memory":
        yield MemoryChannelPreferences(secret=SECRET)
        return
    url = request.getfixturevalue(f"{request.param}_url")
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    units = make_units(url)
    clock = FixedClock(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC))
    yield SqlChannelPreferences(units, secret=SECRET, clock=clock)
    await units.aclose()


async def test_a_citizen_who_never_chose_gets_sms(preferences):
    assert await preferences.get(ASHA) is OtpChannel.SMS


async def test_a_choice_is_kept_per_mobile_and_the_latest_wins(preferences):
    await preferences.set(ASHA, OtpChannel.WHATSAPP)
    assert await preferences.get(ASHA) is OtpChannel.WHATSAPP
    assert await preferences.get(RAVI) is OtpChannel.SMS
    await preferences.set(ASHA, OtpChannel.SMS)
    assert await preferences.get(ASHA) is OtpChannel.SMS


async def test_the_table_holds_a_keyed_hash_never_the_number(sqlite_url):
    engine = make_engine(sqlite_url)
    migrate.upgrade(engine)
    units = make_units(sqlite_url)
    clock = FixedClock(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC))
    await SqlChannelPreferences(units, secret=SECRET, clock=clock).set(ASHA, OtpChannel.WHATSAPP)
    await units.aclose()
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(select(otp_channels))]
    engine.dispose()
    assert len(rows) == 1
    assert rows[0][0] == mobile_key(SECRET, ASHA)
    stored = " ".join(str(value) for value in rows[0])
    assert "9876543210" not in stored and "3210" not in stored


def test_the_key_depends_on_the_secret():
    assert mobile_key(SECRET, ASHA) != mobile_key(b"another-secret-0123456789abcdef!!", ASHA)
    assert mobile_key(SECRET, ASHA) != mobile_key(SECRET, RAVI)


async def test_the_memory_adapter_keeps_no_number_either():
    memory = MemoryChannelPreferences(secret=SECRET)
    await memory.set(ASHA, OtpChannel.WHATSAPP)
    assert "9876543210" not in repr(memory.chosen)


async def test_a_forgotten_choice_is_sms_again_and_forgetting_twice_finds_nothing(preferences):
    await preferences.set(ASHA, OtpChannel.WHATSAPP)
    await preferences.set(RAVI, OtpChannel.WHATSAPP)

    assert await preferences.forget(ASHA) is True
    assert await preferences.forget(ASHA) is False

    assert await preferences.get(ASHA) is OtpChannel.SMS
    assert await preferences.get(RAVI) is OtpChannel.WHATSAPP
