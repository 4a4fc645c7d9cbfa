"""Choosing an SMS gateway by name: its configuration from the KYVS_SMS_* settings, its sender,
and secrets kept out of every repr."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from kyvs.adapters.sms.gateways import (
    GATEWAYS,
    HttpConfig,
    build_gateway,
    gateway_config,
)
from kyvs.adapters.sms.gupshup import DEFAULT_URL as GUPSHUP_URL
from kyvs.adapters.sms.gupshup import GupshupConfig, GupshupSms
from kyvs.adapters.sms.http_gateway import HttpGatewaySms
from kyvs.adapters.sms.kaleyra import KaleyraConfig, KaleyraSms
from kyvs.adapters.sms.msg91 import DEFAULT_URL as MSG91_URL
from kyvs.adapters.sms.msg91 import Msg91Config, Msg91Sms
from kyvs.adapters.sms.sns import SnsConfig, SnsSms
from kyvs.settings import Settings

SECRET = "k" * 40
CONFIGURED = {
    "sms_http_url": "https://sms.example/send?key=http-s3cret",
    "sms_msg91_authkey": "msg91-s3cret",
    "sms_gupshup_userid": "2000123456",
    "sms_gupshup_password": "gupshup-s3cret",
    "sms_kaleyra_sid": "HXIN1234567890IN",
    "sms_kaleyra_api_key": "kaleyra-s3cret",
    "sms_kaleyra_url": "https://api.in.kaleyra.io",
    "sms_sns_region": "ap-south-1",
    "sms_sns_access_key_id": "AKIAEXAMPLE",
    "sms_sns_secret_access_key": "sns-s3cret",
    "sms_http_timeout_s": 3.0,
    "sms_http_attempts": 2,
}
SECRETS = ["http-s3cret", "msg91-s3cret", "gupshup-s3cret", "kaleyra-s3cret", "sns-s3cret"]


def settings(**fields: object) -> Settings:
    return Settings(secret_key=SecretStr(SECRET), **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "config_type", "sender_type"),
    [
        ("http", HttpConfig, HttpGatewaySms),
        ("msg91", Msg91Config, Msg91Sms),
        ("gupshup", GupshupConfig, GupshupSms),
        ("kaleyra", KaleyraConfig, KaleyraSms),
        ("sns", SnsConfig, SnsSms),
    ],
)
def test_each_gateway_is_built_from_its_settings(name, config_type, sender_type):
    config = gateway_config(name, settings(**CONFIGURED))
    assert isinstance(config, config_type)
    assert config.bounds.timeout_s == 3.0
    assert config.bounds.attempts == 2
    sender = build_gateway(name, config)
    assert isinstance(sender, sender_type)
    for text in (repr(config), repr(sender), str(config)):
        assert not any(secret in text for secret in SECRETS)


def test_unset_urls_are_the_documented_endpoints():
    msg91 = gateway_config("msg91", settings(sms_msg91_authkey="a"))
    gupshup = gateway_config("gupshup", settings(sms_gupshup_userid="1", sms_gupshup_password="p"))
    assert isinstance(msg91, Msg91Config)
    assert msg91.url == MSG91_URL == "https://control.msg91.com/api/v5/flow"
    assert isinstance(gupshup, GupshupConfig)
    assert gupshup.url == GUPSHUP_URL == "https://enterprise.smsgupshup.com/GatewayAPI/rest"


def test_sns_may_use_the_default_credential_chain():
    config = gateway_config("sns", settings(sms_sns_region="ap-south-1"))
    assert isinstance(config, SnsConfig)
    assert config.access_key_id is None
    assert config.secret_access_key is None


@pytest.mark.parametrize(
    ("name", "fields", "variable"),
    [
        ("http", {}, "KYVS_SMS_HTTP_URL"),
        ("msg91", {}, "KYVS_SMS_MSG91_AUTHKEY"),
        ("gupshup", {"sms_gupshup_password": "p"}, "KYVS_SMS_GUPSHUP_USERID"),
        ("gupshup", {"sms_gupshup_userid": "1"}, "KYVS_SMS_GUPSHUP_PASSWORD"),
        ("kaleyra", {"sms_kaleyra_api_key": "k"}, "KYVS_SMS_KALEYRA_SID"),
        ("kaleyra", {"sms_kaleyra_sid": "S"}, "KYVS_SMS_KALEYRA_API_KEY"),
        ("sns", {}, "KYVS_SMS_SNS_REGION"),
        (
            "sns",
            {"sms_sns_region": "ap-south-1", "sms_sns_access_key_id": "A"},
            "KYVS_SMS_SNS_SECRET_ACCESS_KEY",
        ),
    ],
)
def test_a_missing_setting_is_named(name, fields, variable):
    with pytest.raises(ValueError, match=variable):
        gateway_config(name, settings(**fields))


def test_settings_read_the_gateway_variables_from_the_environment(monkeypatch):
    monkeypatch.setenv("KYVS_SMS_MSG91_AUTHKEY", "msg91-s3cret")
    monkeypatch.setenv("KYVS_SMS_SNS_ENDPOINT_URL", "http://127.0.0.1:4566")
    read = settings()
    assert isinstance(read.sms_msg91_authkey, SecretStr)
    assert read.sms_msg91_authkey.get_secret_value() == "msg91-s3cret"
    assert "msg91-s3cret" not in repr(read)
    assert read.sms_sns_endpoint_url == "http://127.0.0.1:4566"


def test_unknown_names_and_mismatched_configs_are_refused():
    assert GATEWAYS == ("http", "msg91", "gupshup", "kaleyra", "sns")
    with pytest.raises(ValueError, match="unknown SMS gateway"):
        gateway_config("twilio", settings())
    with pytest.raises(ValueError, match="another gateway's configuration"):
        build_gateway("kaleyra", Msg91Config(authkey=SecretStr("a")))
