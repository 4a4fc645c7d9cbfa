"""The verification engine wired to in-memory adapters, with a clock the test moves.

`build_verifier(*registrations)` gives a `VerifierWorld`: the container `bootstrap` wires (the
same wiring as the server, with fakes put in by name) and every fake, so a test can look at the
SMS sent, the txns stored and the access log written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from kyvs.adapters.clock import FixedClock
from kyvs.adapters.memory.registry import MemoryRegistry
from kyvs.adapters.memory.rights import MemoryRightsStore
from kyvs.adapters.memory.sms_health import MemorySmsHealthLog
from kyvs.adapters.memory.sms_receipts import MemorySmsReceiptLog
from kyvs.adapters.memory.verification import (
    InlineDispatcher,
    MemoryAccessLog,
    MemoryBlockList,
    MemoryRateLimiter,
    MemoryRegistryReader,
    MemoryVerificationStore,
)
from kyvs.adapters.metrics import PrometheusMetrics
from kyvs.adapters.signing import KeyRing, MemorySigningKeyStore
from kyvs.adapters.sms.memory import MemorySms
from kyvs.bootstrap import Container, bootstrap
from kyvs.domain.clients import AbusePolicy, Client
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.otp import OtpPolicy, otp_digest
from kyvs.domain.people import Registration
from kyvs.domain.sms_health import HealthPolicy
from kyvs.domain.verification import VerificationTxn
from kyvs.ports import AccessEntry, SmsSender, VerificationStore
from kyvs.services.citizen_login import CitizenLogin
from kyvs.services.otp_engine import OtpEngine
from kyvs.services.sms_health import SmsHealth
from kyvs.services.verification import Verifier
from kyvs.settings import Settings

START = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
SECRET = b"unit-test-secret-not-for-production"
_OTP = re.compile(r"\b(\d{6,})\b")
# The sender of the anonymous citizen-login calls in service-level tests (a documentation address).
A_CLIENT = Client("198.51.100.7")


@dataclass
class VerifierWorld:
    """The container `bootstrap` wired over fakes, and the fakes, for a test to look at."""

    container: Container
    clock: FixedClock
    registry: MemoryRegistry
    txns: MemoryVerificationStore
    sms: MemorySms
    dispatcher: InlineDispatcher
    ring: KeyRing
    health_log: MemorySmsHealthLog
    blocks: MemoryBlockList
    limiter: MemoryRateLimiter

    @property
    def verifier(self) -> Verifier:
        """Provider verification, as the server builds it."""
        return self.container.verifier

    @property
    def login(self) -> CitizenLogin:
        """Citizen login, as the server builds it."""
        return self.container.citizen_login

    @property
    def engine(self) -> OtpEngine:
        """The OTP engine behind both."""
        return self.container.otp_engine

    @property
    def policy(self) -> OtpPolicy:
        """The OTP policy in force."""
        return self.container.otp_policy

    @property
    def access_log(self) -> list[AccessEntry]:
        """Every access-log entry, whichever way it was written (append or with a txn update)."""
        return self.txns.access

    def later(self, seconds: float) -> None:
        """Move the clock on."""
        self.clock.moment += dt.timedelta(seconds=seconds)

    def otp_sent_to(self, mobile: str) -> str:
        """The OTP in the latest SMS to `mobile` (fails the test when there is none)."""
        texts = [m.text for m in self.sms.to(MobileNumber.parse(mobile))]
        assert texts, f"no SMS to {mobile}"
        found = _OTP.search(texts[-1])
        assert found, texts[-1]
        return found.group(1)

    def digest_sent_to(self, mobile: str) -> str:
        """The SHA-256 hex of the latest OTP sent to `mobile`, as confirm takes it."""
        return otp_digest(self.otp_sent_to(mobile))


def build_verifier(
    *registrations: Registration,
    policy: OtpPolicy | None = None,
    wrap_store: Callable[[MemoryVerificationStore], VerificationStore] | None = None,
    now: dt.datetime = START,
    sender: SmsSender | None = None,
    circuit: HealthPolicy | None = None,
    metrics: PrometheusMetrics | None = None,
    abuse: AbusePolicy | None = None,
    **overrides: Any,
) -> VerifierWorld:
    """kyvs wired by `bootstrap`, as the server is, over an in-memory registry holding
    `registrations` and in-memory stores, carrier and clock.

    `wrap_store` puts a wrapper (a race simulator, say) between the engine and the store;
    `sender` replaces the in-memory SMS carrier (the HTTP gateway adapter, say); `overrides`
    go to `bootstrap` as they are (a hosted-session store, a provider directory...).
    """
    clock = FixedClock(now)
    registry = MemoryRegistry(registrations)
    txns = MemoryVerificationStore()
    sms = MemorySms()
    dispatcher = InlineDispatcher()
    ring = KeyRing(MemorySigningKeyStore(), clock=clock)
    health_log = MemorySmsHealthLog()
    blocks = MemoryBlockList()
    limiter = MemoryRateLimiter()
    settings = Settings(database_url="sqlite:///:memory:", secret_key=SECRET.decode())
    container = bootstrap(
        settings,
        clock=clock,
        registry_reader=MemoryRegistryReader(registry),
        verification_store=wrap_store(txns) if wrap_store else txns,
        rate_limiter=limiter,
        # One list for the log, so "requested" (appended) and "verified"/"locked" (written with
        # the txn update) read in the order they happened.
        access_log=MemoryAccessLog(txns.access),
        sms=sender or sms,
        dispatcher=dispatcher,
        key_ring=ring,
        block_list=blocks,
        otp_policy=policy or OtpPolicy(),
        sms_health=SmsHealth(health_log, clock, circuit or HealthPolicy()),
        metrics=metrics or PrometheusMetrics(),
        abuse_policy=abuse or AbusePolicy(),
        **{"sms_receipts": MemorySmsReceiptLog(), "rights_store": MemoryRightsStore(), **overrides},
    )
    return VerifierWorld(
        container, clock, registry, txns, sms, dispatcher, ring, health_log, blocks, limiter
    )


class RacingStore:
    """A store that runs `rival` just before a write, as if another request had got there first."""

    def __init__(self, inner: MemoryVerificationStore) -> None:
        self.inner = inner
        self.rival: Callable[[], Awaitable[None]] | None = None
        self.every_write = False

    async def create(self, txn: VerificationTxn) -> None:
        await self.inner.create(txn)

    async def get(self, txn_id: str) -> VerificationTxn | None:
        return await self.inner.get(txn_id)

    async def replace(
        self, txn: VerificationTxn, *, expected_version: int, access: AccessEntry | None = None
    ) -> bool:
        rival = self.rival
        if rival is not None:
            if not self.every_write:
                self.rival = None  # the rival's own write goes straight through
            await rival()
        return await self.inner.replace(txn, expected_version=expected_version, access=access)

    def bump_version(self, txn_id: str) -> Callable[[], Awaitable[None]]:
        """A rival that changes nothing but the stored txn's version."""

        async def bump() -> None:
            stored = self.inner.txns[txn_id]
            self.inner.txns[txn_id] = dataclasses.replace(stored, version=stored.version + 1)

        return bump
