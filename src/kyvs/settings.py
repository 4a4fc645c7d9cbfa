"""Typed settings, read from `KYVS_*` environment variables and settings files.

The files are `var/kyvs.env` (written once by `make run` for the demo: `kyvs demo init`) and then
`.env`, both relative to the working directory; a later file wins over an earlier one and the
environment wins over both. `KYVS_SETTINGS_FILES` (paths separated by `:`) names other files, and
an empty value reads none (the test suite does this, so that a developer's demo settings never leak
into it).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from kyvs.domain.retention import RETENTION, RecordKind, RetentionPolicy, policy_of

# The gateways kyvs has adapters for (kyvs.adapters.sms.gateways builds them).
SMS_GATEWAYS = ("http", "msg91", "gupshup", "kaleyra", "sns")
DEMO_SECRET = "demo-only-secret-never-use-in-production"  # noqa: S105 - refused outside demo mode
DEMO_SETTINGS_FILE = Path("var/kyvs.env")
SETTINGS_FILES_ENV = "KYVS_SETTINGS_FILES"
DEFAULT_SETTINGS_FILES = (DEMO_SETTINGS_FILE, Path(".env"))
MISSING_SECRET = (
    "KYVS_SECRET_KEY is not set. Outside demo mode, set it to a long random value, in the "
    "environment or in .env, e.g. "
    "KYVS_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))'). "
    "To try kyvs on this machine instead, run `make run` once in the checkout: it writes demo "
    f"settings (KYVS_DEMO=1 and a generated secret) to {DEMO_SETTINGS_FILE}, which every kyvs "
    "command run from the checkout reads."
)
MIN_SECRET_BYTES = 32
SHORT_SECRET = (
    f"KYVS_SECRET_KEY is too short: outside demo mode it must be at least {MIN_SECRET_BYTES} "
    "bytes (UTF-8, as written) of random key material. Set it to a new random value, e.g. "
    "KYVS_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))') "
    "(43 characters). Changing it logs everyone out and voids OTPs and tokens in flight; "
    "see SECURITY.md, 'Secrets and keys'."
)


def public_origin(url: str) -> str:
    """`url` as a public base URL (scheme, host and optional port; no path), or ValueError."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"KYVS_PUBLIC_BASE_URL must be an http(s) URL; got {url!r}.")
    if parts.path not in {"", "/"} or parts.query or parts.fragment or parts.username:
        raise ValueError(
            "KYVS_PUBLIC_BASE_URL is an origin such as https://kyvs.example.gov.in "
            "(no path, query or credentials)."
        )
    return f"{parts.scheme}://{parts.netloc.lower()}"


def settings_files() -> tuple[Path, ...]:
    """The settings files to read, in order (a later one wins): `KYVS_SETTINGS_FILES` or default."""
    named = os.environ.get(SETTINGS_FILES_ENV)
    if named is None:
        return DEFAULT_SETTINGS_FILES
    return tuple(Path(part) for part in named.split(":") if part.strip())


def retention_setting(kind: RecordKind, description: str) -> Any:
    """The setting of `kind`'s retention period, in its unit, defaulting to the lawful period
    (at least 1 here: the kind's own minimum is refused with its reason by the policy)."""
    rule = RETENTION[kind]
    most = 10 * 365 * (24 if rule.unit == "hours" else 1)
    return Field(default=rule.default, ge=1, le=most, description=description)


class Settings(BaseSettings):
    """Everything the server and the CLI are configured by; one object, built once."""

    model_config = SettingsConfigDict(env_prefix="KYVS_", extra="ignore")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then the environment, then the settings files (read at every build)."""
        files = DotEnvSettingsSource(settings_cls, env_file=settings_files() or None)
        return init_settings, env_settings, files, file_secret_settings

    database_url: str = Field(
        default="sqlite:///var/kyvs.db",
        description="SQLAlchemy URL of the registry, providers and logs.",
    )
    redis_url: str | None = Field(
        default=None, description="Redis for OTP transactions and rate limits; unset: the database."
    )
    database_pool_size: int = Field(
        default=20,
        ge=1,
        le=500,
        description="Connections each worker keeps open to PostgreSQL (not SQLite); size it to "
        "the concurrent requests a worker serves, within the server's max_connections.",
    )
    database_max_overflow: int = Field(
        default=10,
        ge=0,
        le=500,
        description="Extra PostgreSQL connections a worker may open briefly above the pool size.",
    )
    redis_timeout_s: float = Field(
        default=2.0,
        gt=0,
        le=30,
        description="Bound on connecting to Redis and on each reply; past it a request gets 503.",
    )
    redis_retries: int = Field(
        default=2, ge=0, le=10, description="Retries of a Redis command after a connection error."
    )
    database_timeout_s: int = Field(
        default=5,
        ge=2,
        le=60,
        description="Bound on opening a PostgreSQL connection and on waiting for a pooled one.",
    )
    sms_backend: str = Field(
        default="outbox",
        description="Where SMS go: `outbox` (demo, development), or the SMS gateways to send "
        "through in order of preference, comma-separated (`msg91,kaleyra`): a failing one hands "
        f"over to the next. Gateways: {', '.join(SMS_GATEWAYS)}.",
    )
    sms_templates: Path | None = Field(
        default=None,
        description="The deployment's DLT template registry (TOML); default: the packaged "
        "example, whose template ids are placeholders. Check it with `kyvs sms templates check`.",
    )
    sms_segment_price_inr: float = Field(
        default=0.0,
        ge=0,
        le=100,
        description="What one SMS segment costs, in rupees, for the estimated cost metric.",
    )
    sms_gateway_failures_to_open: int = Field(
        default=3, ge=1, le=100, description="Failures in a row that make a gateway skipped."
    )
    sms_gateway_open_s: float = Field(
        default=30.0, gt=0, le=3600, description="Seconds a failing gateway is skipped."
    )
    sms_http_url: str | None = None
    demo: bool = Field(
        default=False, description="Demo mode: demo data, /dev/outbox, relaxed secrets."
    )
    secret_key: SecretStr = Field(
        default=SecretStr(DEMO_SECRET),
        description="The master secret (32+ bytes): OTP hashes, tokens, cookies, key encryption.",
    )
    max_people_per_mobile: int = Field(default=6, ge=1, le=20)
    otp_lifetime_s: int = Field(default=180, ge=30, le=600, description="Never above 10 minutes.")
    otp_resend_after_s: int = Field(
        default=30, ge=1, le=300, description="Seconds before an OTP may be sent again."
    )
    sms_http_body_template: str | None = Field(
        default=None,
        description='JSON with {to}, {text}, {sender}; default {"to","text","sender"}.',
    )
    sms_sender_id: str = "KYVSOT"
    sms_http_timeout_s: float = Field(
        default=5.0, gt=0, le=30, description="Seconds one gateway request may take."
    )
    sms_http_attempts: int = Field(
        default=3, ge=1, le=5, description="Tries per SMS (timeouts, connection errors, 5xx)."
    )
    sms_circuit_failures: int = Field(
        default=3,
        ge=1,
        le=100,
        description="Failed SMS in a row (after retries) that make OTP requests answer 503.",
    )
    sms_circuit_open_s: int = Field(
        default=60, ge=1, le=3600, description="Seconds OTP requests answer 503 after that."
    )
    forwarded_allow_ips: str | None = Field(
        default=None,
        description="Proxies (comma-separated IPs, or *) whose X-Forwarded-* headers are trusted, "
        "so links built behind TLS start with https://.",
    )
    notice_operator: str | None = Field(
        default=None,
        max_length=120,
        description="Who runs this kyvs, as the privacy notice names the data fiduciary (e.g. "
        '"State Health Society, Gujarat"); default: "the kyvs operator", translated.',
    )
    public_base_url: str | None = Field(
        default=None,
        description="Where people reach kyvs (e.g. https://kyvs.example.gov.in): every absolute "
        "link (share pages, card QR codes, hosted-session URLs) starts with it, never with the "
        "request's Host. Default: the address `kyvs serve` binds to.",
    )
    trusted_hosts: str | None = Field(
        default=None,
        description="Host names (comma-separated, `*.example.org` for subdomains, `*` for any) "
        "the server answers for; any other Host header gets 400. Default: the public base URL's "
        "host, 127.0.0.1, localhost and ::1.",
    )
    signing_key_refresh_s: float = Field(
        default=30.0,
        ge=0.5,
        le=3600,
        description="Seconds between a server's re-reads of the signing keys: a key rotated or "
        "revoked with `kyvs attestation` reaches every running server within this time.",
    )
    max_body_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        le=16 * 1024 * 1024,
        description="The largest request body accepted; larger ones get 413 before being read.",
    )
    header_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="Seconds for a request line and headers; a slower connection is closed.",
    )
    body_timeout_s: float = Field(
        default=30.0,
        gt=0,
        le=600,
        description="Seconds for a request body to arrive; a slower one gets 408.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # The Indian SMS gateways (kyvs.adapters.sms.gateways); each is read only when chosen.
    # An unset URL is the gateway's documented endpoint.
    sms_msg91_authkey: SecretStr | None = Field(default=None, description="MSG91's auth key.")
    sms_msg91_url: str | None = Field(default=None, description="MSG91's Flow API URL.")
    sms_gupshup_userid: str | None = Field(default=None, description="Gupshup's user id.")
    sms_gupshup_password: SecretStr | None = Field(default=None, description="Its password.")
    sms_gupshup_url: str | None = Field(default=None, description="Gupshup's GatewayAPI URL.")
    sms_kaleyra_sid: str | None = Field(default=None, description="The Kaleyra account SID.")
    sms_kaleyra_api_key: SecretStr | None = Field(default=None, description="Its API key.")
    sms_kaleyra_url: str | None = Field(
        default=None, description="Kaleyra's base URL (e.g. https://api.in.kaleyra.io)."
    )
    sms_sns_region: str | None = Field(
        default=None, description="The AWS region SNS sends from (e.g. ap-south-1)."
    )
    sms_sns_access_key_id: str | None = Field(
        default=None, description="An AWS access key id; unset: boto3's default credentials."
    )
    sms_sns_secret_access_key: SecretStr | None = Field(
        default=None, description="Its secret access key."
    )
    sms_sns_endpoint_url: str | None = Field(
        default=None, description="Another SNS endpoint (a VPC endpoint); unset: the region's."
    )
    # WhatsApp: OTPs by the WhatsApp Business Cloud API for citizens who choose it on /me.
    whatsapp_enabled: bool = Field(
        default=False,
        description="Offer WhatsApp for OTPs: a citizen who chooses it on /me gets them by "
        "WhatsApp first, by SMS when WhatsApp surely did not take one.",
    )
    whatsapp_base_url: str = Field(
        default="https://graph.facebook.com", description="The WhatsApp Cloud API's origin."
    )
    whatsapp_api_version: str = Field(
        default="v21.0", pattern=r"^v[0-9]+\.[0-9]+$", description="The Graph API version."
    )
    whatsapp_phone_number_id: str | None = Field(
        default=None, description="The business phone number's id (not the number)."
    )
    whatsapp_token: SecretStr | None = Field(
        default=None, description="The access token (a system user's) sent as Bearer."
    )
    whatsapp_template: str = Field(
        default="kyvs_otp",
        pattern=r"^[a-z0-9_]{1,512}$",
        description="The approved authentication template (copy-code button), unless a DLT "
        "template names its own in `gateway_ids.whatsapp`.",
    )

    # How long each kind of record is kept (kyvs.domain.retention.RETENTION says what each
    # erases); a period below its kind's minimum (the logs' year) is refused with the reason.
    retention_verification_details_hours: int = retention_setting(
        RecordKind.VERIFICATION_DETAILS,
        "Hours after a verification's expiry until its personal fields are erased.",
    )
    retention_verifications_days: int = retention_setting(
        RecordKind.VERIFICATIONS, "Days after a verification's expiry until its row is deleted."
    )
    retention_hosted_sessions_hours: int = retention_setting(
        RecordKind.HOSTED_SESSIONS, "Hours after a hosted session's expiry until it is deleted."
    )
    retention_access_log_days: int = retention_setting(
        RecordKind.ACCESS_LOG, "Days the access log (with its consent records) is kept: 365+."
    )
    retention_api_audit_days: int = retention_setting(
        RecordKind.API_AUDIT, "Days the API audit is kept: at least 365."
    )
    retention_sms_outbox_days: int = retention_setting(
        RecordKind.SMS_OUTBOX, "Days a demo/dev outbox message is kept."
    )
    retention_share_links_days: int = retention_setting(
        RecordKind.SHARE_LINKS, "Days after a share link's expiry or revocation until deleted."
    )
    retention_interval_s: float = Field(
        default=3600.0,
        gt=0,
        le=7 * 86400,
        description="Seconds between a server's retention purges (each worker, with jitter).",
    )
    retention_batch_size: int = Field(
        default=1000,
        ge=1,
        le=100_000,
        description="Records erased per transaction by a purge (short locks, several workers).",
    )

    @field_validator("public_base_url")
    @classmethod
    def _origin_only(cls, url: str | None) -> str | None:
        return None if url is None or not url.strip() else public_origin(url)

    @model_validator(mode="after")
    def _refuse_demo_secret_outside_demo(self) -> Settings:
        secret = self.secret_key.get_secret_value()
        if not self.demo and secret == DEMO_SECRET:
            raise ValueError(MISSING_SECRET)
        if not self.demo and len(secret.encode("utf-8")) < MIN_SECRET_BYTES:
            raise ValueError(SHORT_SECRET)
        gateways = self.sms_gateways
        unknown = sorted(set(gateways) - set(SMS_GATEWAYS))
        if unknown or len(set(gateways)) != len(gateways):
            raise ValueError(
                "KYVS_SMS_BACKEND is `outbox` or SMS gateways, each once, comma-separated, from: "
                + ", ".join(SMS_GATEWAYS)
            )
        if "http" in gateways and not self.sms_http_url:
            raise ValueError("KYVS_SMS_HTTP_URL is required when KYVS_SMS_BACKEND names http.")
        if self.whatsapp_enabled and not (self.whatsapp_phone_number_id and self.whatsapp_token):
            raise ValueError(
                "KYVS_WHATSAPP_PHONE_NUMBER_ID and KYVS_WHATSAPP_TOKEN are required when "
                "KYVS_WHATSAPP_ENABLED is set."
            )
        self.retention_policy  # noqa: B018 - builds the policy, refusing a period too short
        return self

    @property
    def retention_policy(self) -> RetentionPolicy:
        """The retention period of every kind of record, from the `KYVS_RETENTION_*` settings
        (`RetentionTooShort` when one is below its kind's minimum)."""
        return policy_of(
            {
                kind: getattr(self, rule.setting.removeprefix("KYVS_").lower())
                for kind, rule in RETENTION.items()
            }
        )

    @property
    def report_gateways(self) -> tuple[str, ...]:
        """The gateways that send delivery reports: the SMS gateways, and WhatsApp when on."""
        return self.sms_gateways + (("whatsapp",) if self.whatsapp_enabled else ())

    @property
    def sms_gateways(self) -> tuple[str, ...]:
        """The SMS gateways in order of preference; empty when SMS go to the outbox."""
        names = tuple(name.strip() for name in self.sms_backend.split(",") if name.strip())
        return () if names in {(), ("outbox",)} else names

    @property
    def sqlite_path(self) -> Path | None:
        """The database file when the registry is embedded SQLite, else None."""
        prefix = "sqlite:///"
        if not self.database_url.startswith(prefix) or self.database_url.endswith(":memory:"):
            return None
        return Path(self.database_url.removeprefix(prefix))


def write_demo_settings(path: Path = DEMO_SETTINGS_FILE) -> bool:
    """Write demo settings with a freshly generated secret to `path`, once; False if it exists.

    The file is created readable by its owner only, and never overwritten: the secret keys the
    OTP hashes, the sessions and the demo provider's API key, which must survive a restart.
    """
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (
        "# Written once by `make run` (`kyvs demo init`) for this checkout's demo. Every kyvs\n"
        "# command run from the checkout reads it; the environment and .env win over it.\n"
        "# Delete it (and var/kyvs.db) to start again. Never use these settings in production.\n"
        "KYVS_DEMO=1\n"
        f"KYVS_SECRET_KEY={secrets.token_urlsafe(32)}\n"
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    return True
