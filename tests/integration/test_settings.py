"""Settings: the environment, then var/kyvs.env and .env, and a clear word on what is missing."""

from __future__ import annotations

import datetime as dt
import secrets
import stat

import pytest
from pydantic import ValidationError

from kyvs.domain.retention import RETENTION, RecordKind
from kyvs.settings import (
    DEMO_SECRET,
    DEMO_SETTINGS_FILE,
    SETTINGS_FILES_ENV,
    Settings,
    write_demo_settings,
)


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A working directory like a checkout: default settings files, no KYVS_ variables."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(SETTINGS_FILES_ENV, raising=False)
    for name in ("KYVS_DEMO", "KYVS_SECRET_KEY", "KYVS_PORT"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_demo_settings_are_written_once_with_a_generated_secret_only_the_owner_reads(checkout):
    assert write_demo_settings() is True
    first = (checkout / DEMO_SETTINGS_FILE).read_text()
    assert write_demo_settings() is False
    assert (checkout / DEMO_SETTINGS_FILE).read_text() == first
    assert stat.S_IMODE((checkout / DEMO_SETTINGS_FILE).stat().st_mode) == 0o600
    settings = Settings()
    assert settings.demo is True
    secret = settings.secret_key.get_secret_value()
    assert secret != DEMO_SECRET and len(secret) >= 40
    assert f"KYVS_SECRET_KEY={secret}" in first


def test_two_checkouts_get_different_secrets(tmp_path):
    write_demo_settings(tmp_path / "a" / "kyvs.env")
    write_demo_settings(tmp_path / "b" / "kyvs.env")
    secret_of = {
        line
        for folder in ("a", "b")
        for line in (tmp_path / folder / "kyvs.env").read_text().splitlines()
        if line.startswith("KYVS_SECRET_KEY=")
    }
    assert len(secret_of) == 2


def test_dot_env_wins_over_the_demo_file_and_the_environment_over_both(checkout, monkeypatch):
    write_demo_settings()
    (checkout / ".env").write_text("KYVS_PORT=8100\nKYVS_MAX_PEOPLE_PER_MOBILE=4\n")
    with (checkout / DEMO_SETTINGS_FILE).open("a") as demo_file:
        demo_file.write("KYVS_PORT=8200\n")
    assert Settings().port == 8100
    monkeypatch.setenv("KYVS_PORT", "8300")
    settings = Settings()
    assert (settings.port, settings.max_people_per_mobile, settings.demo) == (8300, 4, True)


def test_settings_files_can_be_named_or_switched_off(checkout, monkeypatch):
    write_demo_settings()
    (checkout / "site.env").write_text("KYVS_SECRET_KEY=" + "s" * 40 + "\nKYVS_PORT=9000\n")
    monkeypatch.setenv(SETTINGS_FILES_ENV, str(checkout / "site.env"))
    settings = Settings()
    assert (settings.demo, settings.port) == (False, 9000)
    monkeypatch.setenv(SETTINGS_FILES_ENV, "")
    with pytest.raises(ValidationError):
        Settings()


def test_outside_demo_mode_the_error_says_exactly_what_to_set(checkout):
    with pytest.raises(ValidationError) as refused:
        Settings()
    message = str(refused.value)
    assert "KYVS_SECRET_KEY is not set" in message
    assert "secrets.token_urlsafe" in message
    assert "make run" in message and str(DEMO_SETTINGS_FILE) in message


@pytest.mark.parametrize("secret", ["short", "s" * 31, "é" * 15])
def test_outside_demo_mode_a_secret_shorter_than_32_bytes_is_refused(checkout, secret):
    with pytest.raises(ValidationError) as refused:
        Settings(secret_key=secret)
    message = str(refused.value)
    assert "KYVS_SECRET_KEY is too short" in message and "at least 32 bytes" in message
    assert "secrets.token_urlsafe(32)" in message


def test_a_token_urlsafe_32_secret_is_accepted_and_demo_mode_accepts_a_short_one(checkout):
    assert Settings(secret_key=secrets.token_urlsafe(32)).demo is False
    assert Settings(secret_key="s" * 32).secret_key.get_secret_value() == "s" * 32
    assert Settings(demo=True, secret_key="short").demo is True


def test_every_retention_period_has_its_setting_with_the_lawful_default(checkout):
    settings = Settings(demo=True)
    for kind, rule in RETENTION.items():
        field = rule.setting.removeprefix("KYVS_").lower()
        assert field in Settings.model_fields, rule.setting
        assert getattr(settings, field) == rule.default
        assert settings.retention_policy.periods[kind] == rule.period(rule.default)


def test_retention_is_set_from_the_environment(checkout, monkeypatch):
    monkeypatch.setenv("KYVS_RETENTION_SMS_OUTBOX_DAYS", "2")
    monkeypatch.setenv("KYVS_RETENTION_VERIFICATION_DETAILS_HOURS", "6")
    periods = Settings(demo=True).retention_policy.periods
    assert periods[RecordKind.SMS_OUTBOX] == dt.timedelta(days=2)
    assert periods[RecordKind.VERIFICATION_DETAILS] == dt.timedelta(hours=6)


@pytest.mark.parametrize(
    "variable", ["KYVS_RETENTION_ACCESS_LOG_DAYS", "KYVS_RETENTION_API_AUDIT_DAYS"]
)
def test_a_log_kept_less_than_a_year_is_refused_even_in_demo_mode(checkout, monkeypatch, variable):
    monkeypatch.setenv(variable, "30")
    with pytest.raises(ValidationError) as refused:
        Settings(demo=True)
    message = str(refused.value)
    assert f"{variable} is 30 days" in message and "at least 365 days" in message
    assert "DPDP Rules 2025, rule 6(1)(e)" in message
