"""The SMS outbox on SQLite and PostgreSQL: sent with the async engine, read back newest first."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import typer
from typer.testing import CliRunner

from kyvs.adapters.clock import FixedClock
from kyvs.adapters.sms.outbox import OutboxReader, OutboxSms, latest_async
from kyvs.adapters.sql.units import make_units
from kyvs.cli import sms as sms_cli
from kyvs.cli.context import container
from kyvs.domain.mobile import MobileNumber
from kyvs.ports import SmsMessage, SmsSender

pytestmark = pytest.mark.anyio

ASHA = MobileNumber("9876543210")
RAVI = MobileNumber("9123456780")
NOON = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def units(engine, database_url):
    """The hot path's units on the migrated database the `engine` fixture made."""
    created = make_units(database_url)
    yield created
    await created.aclose()


def a_message(to: MobileNumber, text: str, language: str = "en") -> SmsMessage:
    return SmsMessage(to=to, text=text, category="verification-otp", language=language)


async def test_sent_messages_read_back_newest_first(engine, units):
    clock = FixedClock(NOON)
    outbox: SmsSender = OutboxSms(units, clock=clock)
    for minute, (to, text) in enumerate([(ASHA, "one"), (RAVI, "two"), (ASHA, "three")]):
        clock.moment = NOON + dt.timedelta(minutes=minute)
        await outbox.send(a_message(to, text))

    latest = OutboxReader(engine).latest(10)
    assert [e.text for e in latest] == ["three", "two", "one"]
    assert [e.to_mobile for e in latest] == ["9876543210", "9123456780", "9876543210"]
    assert latest[0].sent_at == NOON + dt.timedelta(minutes=2)
    assert latest[0].sent_at.tzinfo is not None
    assert latest[0].category == "verification-otp"
    assert await latest_async(units, 10) == latest


async def test_the_limit_and_the_mobile_filter(engine, units):
    outbox = OutboxSms(units)
    for n in range(5):
        await outbox.send(a_message(ASHA if n % 2 == 0 else RAVI, f"message {n}"))

    reader = OutboxReader(engine)
    assert [e.text for e in reader.latest(2)] == ["message 4", "message 3"]
    assert [e.text for e in reader.latest(10, mobile=RAVI)] == ["message 3", "message 1"]
    only_asha = await latest_async(units, 2, mobile=ASHA)
    assert [e.text for e in only_asha] == ["message 4", "message 2"]
    assert reader.latest(0) == []
    assert reader.latest(5, mobile=MobileNumber("7000000001")) == []


async def test_sent_at_is_stored_in_utc_and_indic_text_round_trips(engine, units):
    text = "IndiGo મુસાફરી માટે તમારી રસીકરણની સ્થિતિ માંગે છે. OTP 042719."
    at_ist = dt.datetime(2026, 11, 23, 17, 30, tzinfo=IST)
    await OutboxSms(units, clock=FixedClock(at_ist)).send(a_message(ASHA, text, "gu"))

    (entry,) = OutboxReader(engine).latest(1)
    assert entry.text == text
    assert entry.language == "gu"
    assert entry.sent_at == NOON
    assert entry.sent_at.utcoffset() == dt.timedelta(0)


def test_an_empty_outbox_reads_as_empty(engine):
    assert OutboxReader(engine).latest(10) == []


@pytest.fixture
def cli(database_url, engine, monkeypatch):
    """`kyvs sms ...` as the operator types it, on the test database."""
    monkeypatch.setenv("KYVS_DATABASE_URL", database_url)
    monkeypatch.setenv("KYVS_DEMO", "1")
    monkeypatch.setenv("KYVS_SMS_BACKEND", "outbox")
    root = typer.Typer()
    root.add_typer(sms_cli.app, name="sms")
    container.cache_clear()

    def run(*args: str):
        return CliRunner().invoke(root, ["sms", *args])

    yield run
    if container.cache_info().currsize:
        container().close()
    container.cache_clear()


async def test_the_cli_lists_the_outbox_as_json(cli, units):
    outbox = OutboxSms(units, clock=FixedClock(NOON))
    await outbox.send(a_message(ASHA, "first"))
    await outbox.send(a_message(RAVI, "second", "hi"))

    result = cli("outbox", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {
            "to": "+919123456780",
            "text": "second",
            "category": "verification-otp",
            "language": "hi",
            "sent_at": "2026-11-23T12:00:00Z",
        },
        {
            "to": "+919876543210",
            "text": "first",
            "category": "verification-otp",
            "language": "en",
            "sent_at": "2026-11-23T12:00:00Z",
        },
    ]
    filtered = json.loads(cli("outbox", "--json", "--mobile", "+91 98765 43210").stdout)
    assert [m["text"] for m in filtered] == ["first"]
    assert len(json.loads(cli("outbox", "--json", "--last", "1").stdout)) == 1


async def test_the_cli_table_shows_the_full_number_and_text(cli, units):
    await OutboxSms(units).send(a_message(ASHA, "OTP 042719"))
    result = cli("outbox")
    assert result.exit_code == 0, result.output
    assert "+919876543210" in result.stdout
    assert "OTP 042719" in result.stdout


def test_the_cli_says_when_the_outbox_is_empty(cli):
    result = cli("outbox")
    assert result.exit_code == 0
    assert "The outbox is empty." in result.stdout


def test_the_cli_refuses_when_sms_go_to_a_gateway(cli, monkeypatch):
    monkeypatch.setenv("KYVS_SMS_BACKEND", "http")
    monkeypatch.setenv("KYVS_SMS_HTTP_URL", "http://127.0.0.1:9/sms")
    result = cli("outbox", "--json")
    assert result.exit_code == 1
    problem = json.loads(result.stdout)
    assert problem["type"] == "https://kyvs.dev/problems/sms-outbox-unavailable"
    assert "KYVS_SMS_BACKEND=outbox" in problem["detail"]
    human = cli("outbox")
    assert human.exit_code == 1
    assert "KYVS_SMS_BACKEND=outbox" in human.stderr


def test_the_cli_refuses_a_malformed_mobile(cli):
    result = cli("outbox", "--mobile", "12345")
    assert result.exit_code == 1
    assert "10 digits" in result.stderr
