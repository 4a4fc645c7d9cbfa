"""The one wiring point: settings in, real adapters out. Nothing connects at import time.

`web/` and `cli/` reach adapters only through the `Container` (an import-linter contract in
`pyproject.toml` keeps it so). Adapters are imported where they are first built, so a CLI
command loads only the drivers it uses (`kyvs sms outbox` never imports Redis or httpx).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from kyvs.adapters.clock import SystemClock
from kyvs.domain.access import AccessCatalogue
from kyvs.domain.clients import AbusePolicy, wrong_otp_circuit
from kyvs.domain.consent import ConsentRecord, NoticeRef
from kyvs.domain.otp import OtpPolicy
from kyvs.domain.otp_channel import mobile_key as channel_mobile_key
from kyvs.domain.providers import Provider
from kyvs.domain.retention import RETENTION, RecordKind
from kyvs.domain.rules import RuleSet
from kyvs.domain.signing_keys import ATTESTATION, SHARE_CLAIM, AttestationInvalid
from kyvs.domain.sms_health import HealthPolicy
from kyvs.domain.sms_templates import SmsTemplateRegistry
from kyvs.i18n import localized_status
from kyvs.ports import (
    AsyncOutboxReader,
    AuditTrail,
    BlockList,
    ChannelPreferences,
    Clock,
    ConsentLedger,
    CorrectionDesk,
    GrievanceDesk,
    HostedSessionStore,
    Outages,
    OutboxReader,
    PasswordHasher,
    ProofOfWork,
    ProviderDirectory,
    ProviderStore,
    RateLimiter,
    Registry,
    RegistryReader,
    ReportParser,
    RetentionStore,
    RightsStore,
    Signer,
    SigningKeyStore,
    SmsHealthLog,
    SmsReceiptLog,
    SmsSender,
    VerificationMetrics,
    VerificationStore,
)
from kyvs.rules import load_access_catalogue, load_rule_set, read_sms_templates
from kyvs.services.breaches import BreachDesk
from kyvs.services.citizen import CitizenService
from kyvs.services.citizen_login import CitizenLogin
from kyvs.services.consent import ConsentClerk, check_consent
from kyvs.services.cowin_status import CowinStatus
from kyvs.services.delivery_reports import DeliveryReports
from kyvs.services.hosted import HostedFlow
from kyvs.services.login_guard import LoginGuard
from kyvs.services.notice import NoticeBook
from kyvs.services.otp_engine import OtpEngine
from kyvs.services.otp_limits import LimitGate
from kyvs.services.provider_auth import ProviderAuthenticator
from kyvs.services.retention import Retention
from kyvs.services.rights import CitizenRights
from kyvs.services.sms_health import SmsHealth
from kyvs.services.sms_texts import SmsTexts, notice_link_problems
from kyvs.services.staff_login import StaffLogin
from kyvs.services.verification import Verifier
from kyvs.settings import Settings

if TYPE_CHECKING:
    from redis.asyncio import Redis, RedisCluster
    from sqlalchemy import Engine
    from sqlalchemy.ext.asyncio import AsyncEngine

    from kyvs.adapters.card_cache import CachedCardRenderer
    from kyvs.adapters.dispatch import TaskDispatcher
    from kyvs.adapters.logging import LoggingRequestLog
    from kyvs.adapters.metrics import PrometheusMetrics
    from kyvs.adapters.secret_keys import SecretKeys
    from kyvs.adapters.signing import KeyRing
    from kyvs.adapters.sql.citizen import SqlCitizenStore
    from kyvs.adapters.sql.units import SqlUnits
    from kyvs.adapters.sql.verifications import SqlAccessLog

__all__ = ["Container", "bootstrap", "localized_status", "metrics_directory", "server_log_config"]


@dataclass
class Container:
    """The wired dependencies of one process; adapters are built on first use."""

    settings: Settings
    clock: Clock = field(default_factory=SystemClock)

    @cached_property
    def engine(self) -> Engine:
        """The database engine (SQLite or PostgreSQL by `KYVS_DATABASE_URL`)."""
        from kyvs.adapters.sql.engine import make_engine

        return make_engine(self.settings.database_url, timeout_s=self.settings.database_timeout_s)

    @cached_property
    def async_engine(self) -> AsyncEngine:
        """The same database through an async driver, for the web's hot path."""
        from kyvs.adapters.sql.engine import make_async_engine

        settings = self.settings
        return make_async_engine(
            settings.database_url,
            timeout_s=settings.database_timeout_s,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
        )

    @cached_property
    def sql_units(self) -> SqlUnits:
        """The hot path's units of database work: SQLite's run whole on the event loop, or on
        a thread when they meet a lock (their own connections to the file); PostgreSQL's on
        the async engine."""
        from kyvs.adapters.sql.units import AsyncEngineUnits, SqliteUnits

        if self.settings.database_url.startswith("sqlite"):
            return SqliteUnits(self.settings.database_url)
        return AsyncEngineUnits(self.async_engine)

    @cached_property
    def registry(self) -> Registry:
        """The vaccination registry."""
        from kyvs.adapters.sql.registry import SqlRegistry

        return SqlRegistry(self.engine)

    @cached_property
    def provider_store(self) -> ProviderStore:
        """Providers, keys and staff (the operator's synchronous view)."""
        from kyvs.adapters.sql.providers import SqlProviderStore

        return SqlProviderStore(self.engine)

    @cached_property
    def access(self) -> AccessCatalogue:
        """Provider categories, purposes and scopes."""
        return load_access_catalogue()

    @cached_property
    def notices(self) -> NoticeBook:
        """The privacy notice in force, in every language (the operator named by settings)."""
        return NoticeBook(operator=self.settings.notice_operator, access=self.access)

    @cached_property
    def notice_problems(self) -> list[str]:
        """Where the privacy notice states other retention periods than the settings keep
        records for (empty when it tells the truth)."""
        stated = self.notices.stated_periods()
        problems = []
        for kind, period in self.settings.retention_policy.periods.items():
            kept = RETENTION[kind].in_unit(period)
            if kind.value in stated and stated[kind.value] != kept:
                problems.append(
                    f"the privacy notice says {kind.value} are kept {stated[kind.value]}, the "
                    f"settings keep them {kept} ({RETENTION[kind].setting})"
                )
        return problems

    @cached_property
    def rules(self) -> RuleSet:
        """The status rule set and vaccine catalogue."""
        return load_rule_set()

    @cached_property
    def secret_keys(self) -> SecretKeys:
        """The sub-keys of KYVS_SECRET_KEY, one per purpose (OTP, tokens, cookies, keys)."""
        from kyvs.adapters.secret_keys import SecretKeys

        return SecretKeys.of(self.settings.secret_key.get_secret_value().encode())

    @cached_property
    def signing_key_store(self) -> SigningKeyStore:
        """Where attestation signing keys live (private halves encrypted with a sub-key)."""
        from kyvs.adapters.sql.signing_keys import SqlSigningKeyStore

        keys = self.secret_keys
        return SqlSigningKeyStore(
            self.engine, secret_key=keys.key_encryption, legacy_secret_keys=(keys.legacy,)
        )

    @cached_property
    def key_ring(self) -> KeyRing:
        """Attestation signing keys (reads the database once; creates the first key)."""
        from kyvs.adapters.signing import KeyRing

        return KeyRing(self.signing_key_store, clock=self.clock)

    async def keep_keys_refreshed(self) -> None:
        """Re-read the signing keys now and then, so a CLI rotation reaches this server."""
        from kyvs.adapters.signing import keep_refreshed

        await keep_refreshed(self.key_ring, every=self.settings.signing_key_refresh_s)

    @cached_property
    def sms(self) -> SmsSender:
        """Where OTPs go: the SMS carrier or, when WhatsApp is on, each citizen's chosen channel
        (WhatsApp first for those who chose it, SMS when WhatsApp surely did not take one)."""
        if not self.settings.whatsapp_enabled:
            return self.sms_carrier
        from kyvs.adapters.sms.channels import PreferredChannelSms

        return PreferredChannelSms(self.sms_carrier, self.whatsapp_sms, self.channel_preferences)

    @cached_property
    def whatsapp_sms(self) -> SmsSender:
        """OTPs by the WhatsApp Cloud API's authentication template (`KYVS_WHATSAPP_*`)."""
        from kyvs.adapters.sms._delivery import Bounds
        from kyvs.adapters.sms.whatsapp import WhatsAppConfig, WhatsAppSms

        settings = self.settings
        if not settings.whatsapp_phone_number_id or settings.whatsapp_token is None:
            raise ValueError("WhatsApp needs KYVS_WHATSAPP_PHONE_NUMBER_ID and KYVS_WHATSAPP_TOKEN")
        return WhatsAppSms(
            WhatsAppConfig(
                phone_number_id=settings.whatsapp_phone_number_id,
                token=settings.whatsapp_token,
                template=settings.whatsapp_template,
                base_url=settings.whatsapp_base_url,
                api_version=settings.whatsapp_api_version,
                bounds=Bounds(
                    timeout_s=settings.sms_http_timeout_s,
                    connect_timeout_s=min(settings.sms_http_timeout_s, 2.0),
                    attempts=1,  # the citizen's fallback is the SMS, not a second try
                ),
            )
        )

    @cached_property
    def channel_preferences(self) -> ChannelPreferences:
        """Each citizen's OTP channel, in the database under a keyed hash of the mobile."""
        from kyvs.adapters.sql.channel_preferences import SqlChannelPreferences

        return SqlChannelPreferences(self.sql_units, secret=self.secret_keys.otp, clock=self.clock)

    @cached_property
    def sms_carrier(self) -> SmsSender:
        """The SMS carrier: the outbox (demo/dev), one gateway, or gateways in failover order."""
        names = self.settings.sms_gateways
        if not names:
            from kyvs.adapters.sms.outbox import OutboxSms

            return OutboxSms(self.sql_units, clock=self.clock)
        if len(names) == 1:
            return self.sms_gateway(names[0])
        from kyvs.adapters.sms.failover import FailoverSms

        return FailoverSms(
            [(name, self.sms_gateway(name)) for name in names],
            metrics=self.metrics,
            failures_to_open=self.settings.sms_gateway_failures_to_open,
            open_s=self.settings.sms_gateway_open_s,
        )

    def sms_gateway(self, name: str) -> SmsSender:
        """One SMS gateway's adapter, built from the settings (ValueError when incomplete)."""
        from kyvs.adapters.sms.gateways import build_gateway, gateway_config

        return build_gateway(name, gateway_config(name, self.settings))

    def report_parser(self, name: str) -> ReportParser:
        """How gateway `name` words its delivery reports (body, content type, query)."""
        if name == "whatsapp":
            from kyvs.adapters.sms import whatsapp

            return whatsapp.parse_delivery_reports
        from kyvs.adapters.sms.gateways import report_parser

        return report_parser(name)

    @cached_property
    def sms_receipts(self) -> SmsReceiptLog:
        """The messages gateways took, for their delivery reports (in the database)."""
        from kyvs.adapters.sql.sms_receipts import SqlSmsReceiptLog

        return SqlSmsReceiptLog(self.sql_units)

    @cached_property
    def delivery_reports(self) -> DeliveryReports:
        """Records gateways' delivery reports on txns, the circuit and the access log."""
        return DeliveryReports(
            self.otp_engine,
            self.sms_receipts,
            self.access_log,
            self.provider_directory,
            self.metrics,
        )

    @cached_property
    def sms_templates(self) -> SmsTemplateRegistry:
        """The deployment's DLT template registry (`KYVS_SMS_TEMPLATES`, else the example)."""
        path = self.settings.sms_templates
        if path is None:
            from kyvs.rules import load_example_sms_templates

            return load_example_sms_templates()
        return read_sms_templates(path)

    @cached_property
    def sms_texts(self) -> SmsTexts:
        """Every SMS, composed from the registered templates."""
        from kyvs.adapters.transliteration import indic_to_latin

        return SmsTexts(self.sms_templates, to_latin=indic_to_latin, base_url=self.base_url)

    @cached_property
    def base_url(self) -> str:
        """Where people reach kyvs (`KYVS_PUBLIC_BASE_URL`, else the bound address)."""
        from kyvs.web.public_urls import public_base_url

        return public_base_url(self.settings)

    @cached_property
    def sms_template_problems(self) -> list[str]:
        """What in the template registry would keep an SMS from going out (empty when none),
        the notice link the verification texts carry included."""
        registry = self.sms_templates
        problems = registry.problems(
            purposes=self.access.purposes, otp_minutes=self.otp_policy.lifetime_minutes
        )
        return problems + notice_link_problems(registry, self.base_url)

    @cached_property
    def metrics(self) -> PrometheusMetrics:
        """Prometheus counters and histograms of this process."""
        from kyvs.adapters.metrics import PrometheusMetrics

        return PrometheusMetrics()

    @cached_property
    def request_log(self) -> LoggingRequestLog:
        """The server's line per answered request (`kyvs.requests`)."""
        from kyvs.adapters.logging import LoggingRequestLog

        return LoggingRequestLog()

    @cached_property
    def dispatcher(self) -> TaskDispatcher:
        """Background jobs of the server (SMS sending)."""
        from kyvs.adapters.dispatch import TaskDispatcher

        return TaskDispatcher(self.metrics)

    @cached_property
    def provider_directory(self) -> ProviderDirectory:
        """The web's asynchronous view of providers and keys."""
        from kyvs.adapters.sql.providers import SqlProviderDirectory

        return SqlProviderDirectory(self.sql_units)

    @cached_property
    def authenticator(self) -> ProviderAuthenticator:
        """API-key authentication with a short cache."""
        return ProviderAuthenticator(self.provider_directory)

    @cached_property
    def redis(self) -> Redis | RedisCluster | None:
        """Redis (or Redis Cluster) for OTP txns and rate limits, when configured."""
        if not self.settings.redis_url:
            return None
        from kyvs.adapters.redis.client import make_redis

        return make_redis(
            self.settings.redis_url,
            timeout_s=self.settings.redis_timeout_s,
            retries=self.settings.redis_retries,
        )

    @cached_property
    def access_log(self) -> SqlAccessLog:
        """The citizens' access log (always in the database)."""
        from kyvs.adapters.sql.verifications import SqlAccessLog

        return SqlAccessLog(self.sql_units)

    @cached_property
    def verification_store(self) -> VerificationStore:
        """OTP txns: Redis when configured, else the database."""
        if self.redis is not None:
            from kyvs.adapters.redis.verifications import RedisVerificationStore

            return RedisVerificationStore(self.redis, access_log=self.access_log)
        from kyvs.adapters.sql.verifications import SqlVerificationStore

        return SqlVerificationStore(self.sql_units)

    @cached_property
    def sms_health_log(self) -> SmsHealthLog:
        """SMS delivery outcomes shared by every worker: Redis when configured, else the
        database (the circuit breaker's memory)."""
        if self.redis is not None:
            from kyvs.adapters.redis.sms_health import RedisSmsHealthLog

            return RedisSmsHealthLog(self.redis)
        from kyvs.adapters.sql.sms_health import SqlSmsHealthLog

        return SqlSmsHealthLog(self.sql_units)

    @cached_property
    def rate_limiter(self) -> RateLimiter:
        """Rate-limit counters: Redis when configured, else the database."""
        if self.redis is not None:
            from kyvs.adapters.redis.limits import RedisRateLimiter

            return RedisRateLimiter(self.redis)
        from kyvs.adapters.sql.verifications import SqlRateLimiter

        return SqlRateLimiter(self.sql_units)

    async def replay_access_log(self) -> None:
        """Record access entries a crash left in Redis's outbox (a no-op without Redis)."""
        if self.redis is None:
            return
        from kyvs.adapters.redis.verifications import RedisVerificationStore

        store = self.verification_store
        if isinstance(store, RedisVerificationStore):
            await store.replay_access(now=self.clock.now())

    async def purge_rate_counters(self) -> None:
        """Delete expired rate-limit counters from the database (Redis expires its own)."""
        from kyvs.adapters.sql.verifications import SqlRateLimiter

        limiter = self.rate_limiter
        if isinstance(limiter, SqlRateLimiter):
            await limiter.purge(now_s=self.clock.now().timestamp())

    @cached_property
    def retention_store(self) -> RetentionStore:
        """Where records past their retention are erased (the database, on the sync engine).
        With Redis, OTP txns expire there by their TTL and never reach the database."""
        from kyvs.adapters.sql.retention import SqlRetentionStore

        return SqlRetentionStore(self.engine)

    @cached_property
    def retention(self) -> Retention:
        """The retention engine under the `KYVS_RETENTION_*` policy."""
        return Retention(
            self.retention_store,
            self.settings.retention_policy,
            self.clock,
            self.metrics,
            batch_size=self.settings.retention_batch_size,
        )

    async def purge_retention(self) -> None:
        """Erase what is past its retention (on a thread: the purge is synchronous, in short
        batches, so the event loop never waits for it)."""
        await asyncio.to_thread(self.retention.purge)

    @cached_property
    def registry_reader(self) -> RegistryReader:
        """The registry as the hot path reads it (async)."""
        from kyvs.adapters.sql.verifications import SqlRegistryReader

        return SqlRegistryReader(self.sql_units)

    @cached_property
    def block_list(self) -> BlockList:
        """Citizens' blocks of providers (checked before an OTP is sent)."""
        return self.citizen_store

    @cached_property
    def signer(self) -> Signer:
        """Signs attestations and share claims (the attestation key ring)."""
        return self.key_ring

    @cached_property
    def otp_policy(self) -> OtpPolicy:
        """OTP length, lifetime, attempts, resends and per-mobile caps."""
        return OtpPolicy(
            lifetime_s=self.settings.otp_lifetime_s,
            resend_after_s=self.settings.otp_resend_after_s,
        )

    @cached_property
    def verification_metrics(self) -> VerificationMetrics:
        """Where verification outcomes are counted (Prometheus)."""
        return self.metrics

    @cached_property
    def sms_health(self) -> SmsHealth:
        """The SMS circuit breaker over the shared health log."""
        circuit = HealthPolicy(
            failures_to_open=self.settings.sms_circuit_failures,
            open_s=self.settings.sms_circuit_open_s,
        )
        return SmsHealth(self.sms_health_log, self.clock, circuit)

    @cached_property
    def metered_sms(self) -> SmsSender:
        """The carrier, with every send counted."""
        from kyvs.adapters.metrics import MeteredSms
        from kyvs.adapters.sms.dlt_guard import DltGuardedSms

        guarded = DltGuardedSms(self.sms, self.metrics)
        return MeteredSms(
            guarded, self.metrics, segment_price_inr=self.settings.sms_segment_price_inr
        )

    @cached_property
    def limit_gate(self) -> LimitGate:
        """Counts requests against limits, refusing with the full one (and counting that)."""
        return LimitGate(self.rate_limiter, self.verification_metrics)

    @cached_property
    def abuse_policy(self) -> AbusePolicy:
        """The limits of the anonymous OTP routes and their challenge."""
        return AbusePolicy()

    @cached_property
    def proof_of_work(self) -> ProofOfWork:
        """Self-hosted proof-of-work challenges (ALTCHA's format), signed with a key of their
        own derived from the secret."""
        from kyvs.adapters.proof_of_work import AltchaProofOfWork

        return AltchaProofOfWork(self.secret_keys.proof_of_work)

    @cached_property
    def login_guard(self) -> LoginGuard:
        """Per-client, per-mobile and global limits and the challenge of anonymous routes."""
        return LoginGuard(
            self.rate_limiter, self.verification_metrics, self.proof_of_work, self.abuse_policy
        )

    @cached_property
    def otp_engine(self) -> OtpEngine:
        """The one OTP-transaction engine behind verification and citizen login."""
        return OtpEngine(
            store=self.verification_store,
            gate=self.limit_gate,
            registry=self.registry_reader,
            sms=self.metered_sms,
            health=self.sms_health,
            dispatcher=self.dispatcher,
            policy=self.otp_policy,
            secret=self.secret_keys.otp,
            clock=self.clock,
            metrics=self.verification_metrics,
            wrong_otps=wrong_otp_circuit(self.abuse_policy),
            receipts=self.sms_receipts,
        )

    @cached_property
    def verifier(self) -> Verifier:
        """Provider verification on the OTP engine."""
        from kyvs.adapters.transliteration import indic_to_latin

        return Verifier(
            engine=self.otp_engine,
            registry=self.registry_reader,
            access_log=self.access_log,
            signer=self.signer,
            rules=self.rules,
            access=self.access,
            to_latin=indic_to_latin,
            status_text=localized_status,
            blocks=self.block_list,
            consents=self.consent_clerk,
            texts=self.sms_texts,
            withdrawals=self.rights_store,
        )

    @cached_property
    def consent_clerk(self) -> ConsentClerk:
        """Writes each disclosure's signed consent record, quoting the notice shown."""

        # The notice is fixed for the life of the process: render each one once, not per check.
        @lru_cache(maxsize=1024)
        def rendered(language: str, scopes: frozenset[str], label: str | None) -> NoticeRef:
            shown = self.notices.for_provider(language, scopes=scopes, purpose_label=label)
            return NoticeRef(shown.version, shown.digest, shown.language)

        def notice_of(provider: Provider, purpose: str, language: str) -> NoticeRef:
            known = self.access.purposes.get(purpose)
            return rendered(language, provider.scopes, known.label if known else None)

        return ConsentClerk(self.signer, notice_of, kept_for=self.consent_kept_for)

    @cached_property
    def consent_kept_for(self) -> dt.timedelta:
        """How long consent records are kept as proof: as long as the access log they sit in."""
        return self.settings.retention_policy.periods[RecordKind.ACCESS_LOG]

    def verify_consent(
        self, token: str, key_set: Mapping[str, Any], *, now: dt.datetime
    ) -> ConsentRecord:
        """The consent record a JWS proves, checked against `key_set`, or `AttestationInvalid`."""
        from kyvs.adapters.jws import verify

        return check_consent(token, key_set, now=now, check=verify)

    @cached_property
    def citizen_login(self) -> CitizenLogin:
        """Citizen login on the OTP engine."""
        return CitizenLogin(
            self.otp_engine,
            self.registry_reader,
            self.secret_keys.tokens,
            self.login_guard,
            texts=self.sms_texts,
        )

    @cached_property
    def staff_login(self) -> StaffLogin:
        """Console logins (a per-client limit, then argon2id) and the check of their sessions."""
        return StaffLogin(
            self.rate_limiter,
            self.provider_directory,
            self.password_hasher.login_matches,
            self.clock,
        )

    @cached_property
    def password_hasher(self) -> PasswordHasher:
        """Staff passwords (argon2id)."""
        from kyvs.adapters.passwords import Argon2Passwords

        return Argon2Passwords()

    @cached_property
    def cowin_status(self) -> CowinStatus:
        """The CoWIN facade's confirm-then-status tokens."""
        return CowinStatus(
            self.verifier, self.otp_engine, self.provider_directory, self.secret_keys.tokens
        )

    @cached_property
    def hosted_session_store(self) -> HostedSessionStore:
        """Where hosted sessions are kept."""
        from kyvs.adapters.sql.hosted import SqlHostedSessionStore

        return SqlHostedSessionStore(self.sql_units)

    @cached_property
    def hosted_flow(self) -> HostedFlow:
        """The hosted website flow."""
        return HostedFlow(self.hosted_session_store, self.provider_directory, self.verifier)

    @cached_property
    def citizen_store(self) -> SqlCitizenStore:
        """Citizens' blocks, corrections, share links and access log."""
        from kyvs.adapters.sql.citizen import SqlCitizenStore

        return SqlCitizenStore(self.sql_units)

    @cached_property
    def citizens(self) -> CitizenService:
        """Citizen self-service."""
        return CitizenService(
            login=self.citizen_login,
            store=self.citizen_store,
            directory=self.provider_directory,
            registry=self.registry_reader,
            rules=self.rules,
            clock=self.clock,
            signer=self.signer,
            verify_claim=self.verify_own_claim,
            channels=self.channel_preferences if self.settings.whatsapp_enabled else None,
        )

    @cached_property
    def rights_store(self) -> RightsStore:
        """Consent withdrawals and grievances (the database)."""
        from kyvs.adapters.sql.rights import SqlRightsStore

        return SqlRightsStore(self.sql_units)

    @cached_property
    def citizen_rights(self) -> CitizenRights:
        """The citizen's rights: export, erasure, withdrawal, grievances."""
        secret = self.secret_keys.otp
        return CitizenRights(
            citizens=self.citizens,
            login=self.citizen_login,
            store=self.citizen_store,
            rights=self.rights_store,
            channels=self.channel_preferences,
            verifications=self.verification_store,
            hosted=self.hosted_session_store,
            clock=self.clock,
            mobile_key=lambda mobile: channel_mobile_key(secret, mobile),
        )

    @cached_property
    def grievance_desk(self) -> GrievanceDesk:
        """The operator's side of grievances."""
        from kyvs.adapters.sql.rights import SqlGrievanceDesk

        return SqlGrievanceDesk(self.engine)

    @cached_property
    def card_renderer(self) -> CachedCardRenderer:
        """Share cards, rendered once per spec and kept in a bounded cache."""
        from kyvs.adapters.card_cache import CachedCardRenderer

        return CachedCardRenderer()

    @cached_property
    def consent_ledger(self) -> ConsentLedger:
        """The operator's reading of consent records."""
        from kyvs.adapters.sql.consents import SqlConsentLedger

        return SqlConsentLedger(self.engine)

    def consent_keys(self, now: dt.datetime) -> Mapping[str, Any]:
        """The JWKS that checks consent records: every key not revoked that signed within the
        time a record is kept (longer than the public JWKS, which covers attestations only)."""
        from kyvs.domain.signing_keys import jwks_of

        return jwks_of(self.signing_key_store.all_keys(), now=now, lifetime=self.consent_kept_for)

    @cached_property
    def correction_desk(self) -> CorrectionDesk:
        """The operator's side of corrections."""
        from kyvs.adapters.sql.citizen import SqlCorrectionDesk

        return SqlCorrectionDesk(self.engine)

    @cached_property
    def breach_desk(self) -> BreachDesk:
        """Personal data breaches: the incidents, and the logs of their windows."""
        from kyvs.adapters.sql.breaches import SqlBreachLedger, SqlBreachLogs

        return BreachDesk(
            SqlBreachLedger(self.engine),
            SqlBreachLogs(self.engine),
            self.registry,
            self.provider_store,
            self.clock,
        )

    def verify_own_claim(self, token: str, now: dt.datetime) -> dict[str, Any] | None:
        """The claims of a share claim kyvs signed (with its published keys), or None."""
        from kyvs.adapters.jws import verify

        try:
            return verify(token, self.key_ring.jwks(), now=now, kind=SHARE_CLAIM)
        except AttestationInvalid:
            return None

    def verify_attestation(
        self,
        token: str,
        key_set: Mapping[str, Any],
        *,
        now: dt.datetime,
        audience: str | None = None,
    ) -> dict[str, Any]:
        """The claims of a provider attestation (its `typ` and `iss`, not a share claim) checked
        against `key_set`, or `AttestationInvalid`."""
        from kyvs.adapters.jws import verify

        return verify(token, key_set, now=now, audience=audience, kind=ATTESTATION)

    @cached_property
    def audit_trail(self) -> AuditTrail:
        """Where the API audit entries go (the database)."""
        from kyvs.adapters.sql.audit import SqlAuditTrail

        return SqlAuditTrail(self.sql_units)

    @cached_property
    def outbox_reader(self) -> OutboxReader:
        """The demo/dev SMS outbox, for the CLI."""
        from kyvs.adapters.sms.outbox import OutboxReader as SqlOutboxReader

        return SqlOutboxReader(self.engine)

    @cached_property
    def async_outbox_reader(self) -> AsyncOutboxReader:
        """The demo/dev SMS outbox, for the `/dev/outbox` page."""
        from kyvs.adapters.sms.outbox import AsyncOutboxReader as SqlAsyncOutboxReader

        return SqlAsyncOutboxReader(self.sql_units)

    @cached_property
    def outages(self) -> Outages:
        """Which errors of the database and Redis drivers mean "unreachable for now"."""
        from kyvs.adapters.outages import OUTAGES, is_outage

        return Outages(errors=OUTAGES, is_outage=is_outage)

    def check_sms_settings(self) -> None:
        """Raise `ValueError` when the SMS carrier cannot work with these settings or the
        template registry breaks the DLT rules (nothing is built, nothing is sent)."""
        settings = self.settings
        if "http" in settings.sms_gateways:
            from kyvs.adapters.sms.http_gateway import check_gateway_settings

            check_gateway_settings(settings.sms_http_url, settings.sms_http_body_template)
        if settings.sms_gateways:
            from kyvs.adapters.sms.gateways import gateway_config

            for name in settings.sms_gateways:
                gateway_config(name, settings)  # every setting the gateway needs is there
        problems = self.sms_template_problems
        if problems:
            shown = "\n  ".join(problems[:10])
            more = f"\n  ... and {len(problems) - 10} more" if len(problems) > 10 else ""
            raise ValueError(
                f"The SMS templates ({settings.sms_templates or 'the packaged example'}) "
                f"would not be delivered:\n  {shown}{more}\nSee `kyvs sms templates check`."
            )

    def upgrade_schema(self) -> None:
        """Create or upgrade the database schema to the newest revision."""
        from kyvs.adapters.sql import migrate

        migrate.upgrade(self.engine)

    def schema_revision(self) -> str | None:
        """The database's schema revision (None when empty)."""
        from kyvs.adapters.sql import migrate

        return migrate.current_revision(self.engine)

    def newest_schema_revision(self) -> str | None:
        """The newest schema revision this version knows."""
        from kyvs.adapters.sql import migrate

        return migrate.head_revision()

    async def aclose(self) -> None:
        """Release connections (async engine first, then the sync one)."""
        if "dispatcher" in self.__dict__:
            await self.dispatcher.drain()
        client = self.__dict__.get("redis")
        if client is not None:
            await client.aclose()
        if "sql_units" in self.__dict__:
            await self.sql_units.aclose()
        if "async_engine" in self.__dict__:
            await self.async_engine.dispose()
        self.close()

    def close(self) -> None:
        """Release synchronous connections."""
        if "engine" in self.__dict__:
            self.engine.dispose()


def server_log_config(log_format: Literal["json", "text"]) -> dict[str, Any]:
    """The `logging.config.dictConfig` document the server runs with (redacting, one JSON
    object per line or plain text)."""
    from kyvs.adapters.logging import log_config

    return log_config(log_format)


def metrics_directory(workers: int) -> AbstractContextManager[Path | None]:
    """While open: a fresh directory the workers' Prometheus counters share (several workers)."""
    from kyvs.adapters.metrics import multiprocess_directory

    return multiprocess_directory(workers)


def bootstrap(
    settings: Settings | None = None, *, clock: Clock | None = None, **overrides: Any
) -> Container:
    """Wire kyvs for `settings` (default: read from the environment).

    `overrides` replace parts of the wiring by name before anything is built (a fake carrier,
    an in-memory store, a test clock...): `bootstrap(settings, sms=MemorySms())`. Everything
    built from them (the OTP engine, the verifier...) then uses them; a name the container does
    not have is refused, so a typo cannot silently leave the real adapter in place.
    """
    container = Container(settings=settings or Settings(), clock=clock or SystemClock())
    for name, value in overrides.items():
        if not isinstance(getattr(Container, name, None), cached_property):
            raise TypeError(f"bootstrap() cannot override {name!r}: no such part of the wiring")
        container.__dict__[name] = value
    return container
