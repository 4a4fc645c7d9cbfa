"""The SMS gateways by name: each one's configuration from settings, its sender, and its
delivery-report parser.

Importing this imports every adapter module but none of their optional dependencies: the SNS
adapter imports boto3 only when it first publishes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

import httpx

from kyvs.adapters.sms import gupshup, kaleyra, msg91, sns
from kyvs.adapters.sms._delivery import Bounds
from kyvs.adapters.sms.gupshup import GupshupConfig, GupshupSms
from kyvs.adapters.sms.http_gateway import HttpGatewaySms
from kyvs.adapters.sms.kaleyra import KaleyraConfig, KaleyraSms
from kyvs.adapters.sms.msg91 import Msg91Config, Msg91Sms
from kyvs.adapters.sms.sns import SnsConfig, SnsSms
from kyvs.ports import ReportParser, SmsSender
from kyvs.settings import SMS_GATEWAYS

if TYPE_CHECKING:
    from kyvs.settings import Settings

__all__ = [
    "GATEWAYS",
    "Bounds",
    "GatewayConfig",
    "HttpConfig",
    "ReportParser",
    "build_gateway",
    "gateway_config",
    "report_parser",
]

GATEWAYS = SMS_GATEWAYS
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class HttpConfig:
    """The generic JSON-over-HTTP gateway: its URL (which may hold a key), body and sender."""

    url: str = field(repr=False)
    body_template: str | None = None
    sender_id: str = "KYVSOT"
    bounds: Bounds = field(default_factory=Bounds)


GatewayConfig = HttpConfig | Msg91Config | GupshupConfig | KaleyraConfig | SnsConfig
_PARSERS: dict[str, ReportParser] = {
    "msg91": msg91.parse_delivery_reports,
    "gupshup": gupshup.parse_delivery_reports,
    "kaleyra": kaleyra.parse_delivery_reports,
    "sns": sns.parse_delivery_reports,
}


def build_gateway(
    name: str, config: GatewayConfig, *, client: httpx.AsyncClient | None = None
) -> SmsSender:
    """The sender for gateway `name` (ValueError for an unknown name, or a configuration of
    another gateway). `client` is shared by the HTTP gateways; SNS brings its own."""
    _known(name)
    if name == "http" and isinstance(config, HttpConfig):
        return HttpGatewaySms(
            config.url,
            body_template=config.body_template,
            sender_id=config.sender_id,
            timeout_s=config.bounds.timeout_s,
            attempts=config.bounds.attempts,
            backoff_s=config.bounds.backoff_s,
            client=client,
        )
    if name == "msg91" and isinstance(config, Msg91Config):
        return Msg91Sms(config, client=client)
    if name == "gupshup" and isinstance(config, GupshupConfig):
        return GupshupSms(config, client=client)
    if name == "kaleyra" and isinstance(config, KaleyraConfig):
        return KaleyraSms(config, client=client)
    if name == "sns" and isinstance(config, SnsConfig):
        return SnsSms(config)
    raise ValueError(f"the {name} SMS gateway was given another gateway's configuration")


def report_parser(name: str) -> ReportParser:
    """Gateway `name`'s delivery-report parser: (body, content type, query) to reports,
    ValueError on malformed input. The generic HTTP gateway has none (ValueError)."""
    _known(name)
    if name == "http":
        raise ValueError("the generic http SMS gateway sends no delivery reports")
    return _PARSERS[name]


def gateway_config(name: str, settings: Settings) -> GatewayConfig:
    """Gateway `name`'s configuration from the `KYVS_SMS_*` settings; ValueError naming the
    variable that is missing."""
    bounds = Bounds(
        timeout_s=settings.sms_http_timeout_s,
        connect_timeout_s=min(settings.sms_http_timeout_s, 2.0),
        attempts=settings.sms_http_attempts,
    )
    _known(name)
    builders: dict[str, Callable[[Settings, Bounds], GatewayConfig]] = {
        "http": _http,
        "msg91": _msg91,
        "gupshup": _gupshup,
        "kaleyra": _kaleyra,
        "sns": _sns,
    }
    return builders[name](settings, bounds)


def _http(settings: Settings, bounds: Bounds) -> HttpConfig:
    return HttpConfig(
        url=_required(settings.sms_http_url, "KYVS_SMS_HTTP_URL", "http"),
        body_template=settings.sms_http_body_template,
        sender_id=settings.sms_sender_id,
        bounds=bounds,
    )


def _msg91(settings: Settings, bounds: Bounds) -> Msg91Config:
    return Msg91Config(
        authkey=_required(settings.sms_msg91_authkey, "KYVS_SMS_MSG91_AUTHKEY", "msg91"),
        url=settings.sms_msg91_url or msg91.DEFAULT_URL,
        bounds=bounds,
    )


def _gupshup(settings: Settings, bounds: Bounds) -> GupshupConfig:
    return GupshupConfig(
        userid=_required(settings.sms_gupshup_userid, "KYVS_SMS_GUPSHUP_USERID", "gupshup"),
        password=_required(settings.sms_gupshup_password, "KYVS_SMS_GUPSHUP_PASSWORD", "gupshup"),
        url=settings.sms_gupshup_url or gupshup.DEFAULT_URL,
        bounds=bounds,
    )


def _kaleyra(settings: Settings, bounds: Bounds) -> KaleyraConfig:
    return KaleyraConfig(
        sid=_required(settings.sms_kaleyra_sid, "KYVS_SMS_KALEYRA_SID", "kaleyra"),
        api_key=_required(settings.sms_kaleyra_api_key, "KYVS_SMS_KALEYRA_API_KEY", "kaleyra"),
        url=settings.sms_kaleyra_url or kaleyra.DEFAULT_URL,
        bounds=bounds,
    )


def _sns(settings: Settings, bounds: Bounds) -> SnsConfig:
    key_id, secret = settings.sms_sns_access_key_id, settings.sms_sns_secret_access_key
    if (key_id is None) != (secret is None):
        missing = (
            "KYVS_SMS_SNS_SECRET_ACCESS_KEY" if secret is None else "KYVS_SMS_SNS_ACCESS_KEY_ID"
        )
        raise ValueError(
            f"{missing} is required for the sns SMS gateway when the other key is set "
            "(set both, or neither for boto3's default credentials)."
        )
    return SnsConfig(
        region=_required(settings.sms_sns_region, "KYVS_SMS_SNS_REGION", "sns"),
        access_key_id=key_id,
        secret_access_key=secret,
        endpoint_url=settings.sms_sns_endpoint_url,
        bounds=bounds,
    )


def _required(value: _T | None, variable: str, name: str) -> _T:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"{variable} is required for the {name} SMS gateway.")
    return value


def _known(name: str) -> None:
    if name not in GATEWAYS:
        raise ValueError(f"unknown SMS gateway {name!r} (one of {', '.join(GATEWAYS)})")
