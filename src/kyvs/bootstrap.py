"""The one wiring point: settings in, real adapters out. Nothing connects at import time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from redis.asyncio import Redis, RedisCluster
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from kyvs.adapters.card_cache import CachedCardRenderer
from kyvs.adapters.clock import SystemClock
from kyvs.adapters.dispatch import TaskDispatcher
from kyvs.adapters.jws import AttestationInvalid, verify
from kyvs.adapters.metrics import MeteredSms, PrometheusMetrics
from kyvs.adapters.passwords import login_matches
from kyvs.adapters.redis.client import make_redis
from kyvs.adapters.redis.limits import RedisRateLimiter
from kyvs.adapters.redis.sms_health import RedisSmsHealthLog
from kyvs.adapters.redis.verifications import RedisVerificationStore
from kyvs.adapters.signing import KeyRing
from kyvs.adapters.sms.http_gateway import HttpGatewaySms
from kyvs.adapters.sms.outbox import OutboxSms
from kyvs.adapters.sql.citizen import SqlCitizenStore, SqlCorrectionDesk
from kyvs.adapters.sql.engine import make_async_engine, make_engine
from kyvs.adapters.sql.hosted import SqlHostedSessionStore
from kyvs.adapters.sql.providers import SqlProviderDirectory, SqlProviderStore
from kyvs.adapters.sql.registry import SqlRegistry
from kyvs.adapters.sql.signing_keys import SqlSigningKeyStore
from kyvs.adapters.sql.sms_health import SqlSmsHealthLog
from kyvs.adapters.sql.verifications import (
    SqlAccessLog,
    SqlRateLimiter,
    SqlRegistryReader,
    SqlVerificationStore,
)
from kyvs.adapters.transliteration import indic_to_latin
from kyvs.domain.access import AccessCatalogue
from kyvs.domain.otp import OtpPolicy
from kyvs.domain.rules import RuleSet
from kyvs.domain.sms_health import HealthPolicy
from kyvs.i18n import STATUS_LABELS, translator
from kyvs.ports import (
    BlockList,
    Clock,
    CorrectionDesk,
    ProviderDirectory,
    ProviderStore,
    RateLimiter,
    Registry,
    RegistryReader,
    Signer,
    SmsHealthLog,
    SmsSender,
    VerificationMetrics,
    VerificationStore,
)
from kyvs.rules import load_access_catalogue, load_rule_set
from kyvs.services.citizen import CitizenService
from kyvs.services.citizen_login import CitizenLogin
from kyvs.services.cowin_status import CowinStatus
from kyvs.services.hosted import HostedFlow
from kyvs.services.otp_engine import OtpEngine
from kyvs.services.otp_limits import LimitGate
from kyvs.services.provider_auth import ProviderAuthenticator
from kyvs.services.sms_health import SmsHealth
from kyvs.services.staff_login import StaffLogin
from kyvs.services.verification import Verifier
from kyvs.settings import Settings


@dataclass
class Container:
    """The wired dependencies of one process; adapters are built on first use."""

    settings: Settings
    clock: Clock = field(default_factory=SystemClock)

    @cached_property
    def engine(self) -> Engine:
        """The database engine (SQLite or PostgreSQL by `KYVS_DATABASE_URL`)."""
        return make_engine(self.settings.database_url, timeout_s=self.settings.database_timeout_s)

    @cached_property
    def async_engine(self) -> AsyncEngine:
        """The same database through an async driver, for the web's hot path."""
        settings = self.settings
        return make_async_engine(
            settings.database_url,
            timeout_s=settings.database_timeout_s,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
        )

    @cached_property
    def registry(self) -> Registry:
        """The vaccination registry."""
        return SqlRegistry(self.engine)

    @cached_property
    def provider_store(self) -> ProviderStore:
        """Providers, keys and staff (the operator's synchronous view)."""
        return SqlProviderStore(self.engine)

    @cached_property
    def access(self) -> AccessCatalogue:
        """Provider categories, purposes and scopes."""
        return load_access_catalogue()

    @cached_property
    def rules(self) -> RuleSet:
        """The status rule set and vaccine catalogue."""
        return load_rule_set()

    @cached_property
    def secret(self) -> bytes:
        """The key of OTP and mobile hashes."""
        return self.settings.secret_key.get_secret_value().encode()

    @cached_property
    def key_ring(self) -> KeyRing:
        """Attestation signing keys (reads the database once; creates the first key)."""
        store = SqlSigningKeyStore(
            self.engine, secret_key=self.settings.secret_key.get_secret_value()
        )
        return KeyRing(store, clock=self.clock)

    @cached_property
    def sms(self) -> SmsSender:
        """The SMS carrier: the outbox (demo/dev) or the HTTP gateway."""
        if self.settings.sms_backend == "http" and self.settings.sms_http_url:
            return HttpGatewaySms(
                self.settings.sms_http_url,
                body_template=self.settings.sms_http_body_template,
                sender_id=self.settings.sms_sender_id,
                timeout_s=self.settings.sms_http_timeout_s,
                attempts=self.settings.sms_http_attempts,
            )
        return OutboxSms(self.async_engine, clock=self.clock)

    @cached_property
    def metrics(self) -> PrometheusMetrics:
        """Prometheus counters and histograms of this process."""
        return PrometheusMetrics()

    @cached_property
    def dispatcher(self) -> TaskDispatcher:
        """Background jobs of the server (SMS sending)."""
        return TaskDispatcher(self.metrics)

    @cached_property
    def provider_directory(self) -> ProviderDirectory:
        """The web's asynchronous view of providers and keys."""
        return SqlProviderDirectory(self.async_engine)

    @cached_property
    def authenticator(self) -> ProviderAuthenticator:
        """API-key authentication with a short cache."""
        return ProviderAuthenticator(self.provider_directory)

    @cached_property
    def redis(self) -> Redis | RedisCluster | None:
        """Redis (or Redis Cluster) for OTP txns and rate limits, when configured."""
        if not self.settings.redis_url:
            return None
        return make_redis(
            self.settings.redis_url,
            timeout_s=self.settings.redis_timeout_s,
            retries=self.settings.redis_retries,
        )

    @cached_property
    def access_log(self) -> SqlAccessLog:
        """The citizens' access log (always in the database)."""
        return SqlAccessLog(self.async_engine)

    @cached_property
    def verification_store(self) -> VerificationStore:
        """OTP txns: Redis when configured, else the database."""
        if self.redis is not None:
            return RedisVerificationStore(self.redis, access_log=self.access_log)
        return SqlVerificationStore(self.async_engine)

    @cached_property
    def sms_health_log(self) -> SmsHealthLog:
        """SMS delivery outcomes shared by every worker: Redis when configured, else the
        database (the circuit breaker's memory)."""
        if self.redis is not None:
            return RedisSmsHealthLog(self.redis)
        return SqlSmsHealthLog(self.async_engine)

    @cached_property
    def rate_limiter(self) -> RateLimiter:
        """Rate-limit counters: Redis when configured, else the database."""
        if self.redis is not None:
            return RedisRateLimiter(self.redis)
        return SqlRateLimiter(self.async_engine)

    async def replay_access_log(self) -> None:
        """Record access entries a crash left in Redis's outbox (a no-op without Redis)."""
        store = self.verification_store
        if isinstance(store, RedisVerificationStore):
            await store.replay_access(now=self.clock.now())

    async def purge_rate_counters(self) -> None:
        """Delete expired rate-limit counters from the database (Redis expires its own)."""
        limiter = self.rate_limiter
        if isinstance(limiter, SqlRateLimiter):
            await limiter.purge(now_s=self.clock.now().timestamp())

    @cached_property
    def registry_reader(self) -> RegistryReader:
        """The registry as the hot path reads it (async)."""
        return SqlRegistryReader(self.async_engine)

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
        return OtpPolicy(lifetime_s=self.settings.otp_lifetime_s)

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
        return MeteredSms(self.sms, self.metrics)

    @cached_property
    def otp_engine(self) -> OtpEngine:
        """The one OTP-transaction engine behind verification and citizen login."""
        return OtpEngine(
            store=self.verification_store,
            gate=LimitGate(self.rate_limiter, self.verification_metrics),
            registry=self.registry_reader,
            sms=self.metered_sms,
            health=self.sms_health,
            dispatcher=self.dispatcher,
            policy=self.otp_policy,
            secret=self.secret,
            clock=self.clock,
            metrics=self.verification_metrics,
        )

    @cached_property
    def verifier(self) -> Verifier:
        """Provider verification on the OTP engine."""
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
        )

    @cached_property
    def citizen_login(self) -> CitizenLogin:
        """Citizen login on the OTP engine."""
        return CitizenLogin(self.otp_engine, self.registry_reader, self.secret)

    @cached_property
    def staff_login(self) -> StaffLogin:
        """Console logins: a per-username limit, then argon2id."""
        return StaffLogin(self.rate_limiter, self.provider_store, login_matches, self.clock)

    @cached_property
    def cowin_status(self) -> CowinStatus:
        """The CoWIN facade's confirm-then-status tokens."""
        return CowinStatus(self.verifier, self.otp_engine, self.provider_directory, self.secret)

    @cached_property
    def hosted_flow(self) -> HostedFlow:
        """The hosted website flow."""
        return HostedFlow(
            SqlHostedSessionStore(self.async_engine), self.provider_directory, self.verifier
        )

    @cached_property
    def citizen_store(self) -> SqlCitizenStore:
        """Citizens' blocks, corrections, share links and access log."""
        return SqlCitizenStore(self.async_engine)

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
        )

    @cached_property
    def card_renderer(self) -> CachedCardRenderer:
        """Share cards, rendered once per spec and kept in a bounded cache."""
        return CachedCardRenderer()

    @cached_property
    def correction_desk(self) -> CorrectionDesk:
        """The operator's side of corrections."""
        return SqlCorrectionDesk(self.engine)

    def verify_own_claim(self, token: str, now: dt.datetime) -> dict[str, Any] | None:
        """The claims of a JWS kyvs signed (with its published keys), or None."""
        try:
            return verify(token, self.key_ring.jwks(), now=now)
        except AttestationInvalid:
            return None

    async def aclose(self) -> None:
        """Release connections (async engine first, then the sync one)."""
        if "dispatcher" in self.__dict__:
            await self.dispatcher.drain()
        client = self.__dict__.get("redis")
        if client is not None:
            await client.aclose()
        if "async_engine" in self.__dict__:
            await self.async_engine.dispose()
        self.close()

    def close(self) -> None:
        """Release synchronous connections."""
        if "engine" in self.__dict__:
            self.engine.dispose()


def localized_status(code: int, language: str) -> str:
    """ "Fully vaccinated" and the others in `language`."""
    return translator(language).gettext(STATUS_LABELS[code])


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
