"""Verification use cases: start (send an OTP), confirm (disclose by scope), resend, state.

The start path does the same work whether or not the name/mobile pair matched someone: the
same limits, the same registry read, the same name matching, one txn written, the same answer.
Only the SMS differs, and it is sent after the response, off the request path.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from kyvs.domain import otp as otps
from kyvs.domain.access import AccessCatalogue
from kyvs.domain.attestations import attestation_claims
from kyvs.domain.disclosure import disclosed_fields
from kyvs.domain.errors import (
    DomainError,
    InvalidInput,
    InvalidOtp,
    OtpExpired,
    PurposeNotAllowed,
    RateLimited,
    TooManyAttempts,
    TxnAlreadyUsed,
    TxnNotFound,
)
from kyvs.domain.limits import Limit
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.names import match_one
from kyvs.domain.people import clean_full_name
from kyvs.domain.providers import Provider
from kyvs.domain.rules import RuleSet
from kyvs.domain.sms_health import HealthPolicy
from kyvs.domain.status import status_of
from kyvs.domain.verification import (
    Delivery,
    TxnState,
    VerificationTxn,
    after_delivery,
    after_resend,
    after_right_otp,
    after_wrong_otp,
    resend_wait_s,
)
from kyvs.ports import (
    AccessEntry,
    AccessLog,
    BlockList,
    Clock,
    Dispatcher,
    RateLimiter,
    RegistryReader,
    Signer,
    SmsHealthLog,
    SmsMessage,
    SmsNotDelivered,
    SmsSender,
    VerificationMetrics,
    VerificationStore,
)
from kyvs.services.otp_limits import LimitGate, key_rate, mobile_limits, provider_limits
from kyvs.services.sms_health import ForgetfulSmsHealthLog, SmsHealth
from kyvs.services.sms_texts import verification_otp_sms

log = logging.getLogger("kyvs.verification")

_CAS_RETRIES = 5


class NoMetrics:
    """Reports nothing (the default)."""

    def verification_confirmed(self) -> None:
        """Nothing."""

    def otp_failed(self, reason: str) -> None:
        """Nothing."""

    def rate_limited(self, limit: str) -> None:
        """Nothing."""


_OTP_FAILURES: dict[type[DomainError], str] = {
    InvalidOtp: "wrong",
    OtpExpired: "expired",
    TooManyAttempts: "locked",
}


@dataclass(frozen=True, slots=True)
class Started:
    """The answer to a start: the same shape whether or not the pair matched."""

    txn_id: str
    expires_at: dt.datetime
    otp_length: int
    resend_after_s: int


@dataclass
class Verifier:
    """Everything verification needs, wired once by `bootstrap`."""

    registry: RegistryReader
    store: VerificationStore
    limiter: RateLimiter
    access_log: AccessLog
    sms: SmsSender
    dispatcher: Dispatcher
    signer: Signer
    rules: RuleSet
    access: AccessCatalogue
    policy: otps.OtpPolicy
    secret: bytes
    to_latin: Callable[[str], str]
    clock: Clock
    status_text: Callable[[int, str], str]  # (status code, language) -> localized text
    blocks: BlockList | None = None  # citizens' blocks of providers
    issuer: str = "kyvs"
    attestation_lifetime: dt.timedelta = dt.timedelta(days=1)
    metrics: VerificationMetrics = field(default_factory=NoMetrics)
    sms_health: SmsHealthLog = field(default_factory=ForgetfulSmsHealthLog)
    sms_circuit: HealthPolicy = field(default_factory=HealthPolicy)

    @cached_property
    def health(self) -> SmsHealth:
        """The SMS circuit breaker over `sms_health`."""
        return SmsHealth(self.sms_health, self.clock, self.sms_circuit)

    async def start(
        self, *, provider: Provider, full_name: str, mobile: str, purpose: str, language: str
    ) -> Started:
        """Check limits and create a txn; matching the name and sending the OTP happen after
        the response, so the answer and its timing never depend on the registry."""
        if purpose not in provider.purposes:
            allowed = ", ".join(sorted(provider.purposes))
            raise PurposeNotAllowed(f"Purpose {purpose!r} is not allowed; allowed: {allowed}.")
        number = MobileNumber.parse(mobile)
        typed_name = clean_full_name(full_name)
        await self.health.require_available()  # before any limit counts the request
        now = self.clock.now()
        mobile_key = otps.mobile_key(self.secret, number.national)
        await self.acquire([*provider_limits(provider), *self.mobile_limits(mobile_key)], now)
        txn_id = str(uuid.uuid4())
        # Until the background match finds the person, the txn holds the hash of an OTP nobody
        # will ever receive: an unmatched txn stays that way and fails like a wrong OTP.
        txn = VerificationTxn(
            txn_id=txn_id,
            provider_id=provider.provider_id,
            purpose=purpose,
            language=language,
            mobile_key=mobile_key,
            beneficiary_ref=None,
            otp_hash=otps.otp_hash(self.secret, txn_id, secrets.token_hex(32)),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=self.policy.lifetime_s),
            last_sent_at=now,
        )
        await self.store.create(txn)

        async def match_and_send() -> None:
            await self._match_and_send(provider, txn, typed_name, number)

        self.dispatcher.submit(match_and_send)
        return Started(txn_id, txn.expires_at, self.policy.length, self.policy.resend_after_s)

    async def _match_and_send(
        self, provider: Provider, txn: VerificationTxn, typed_name: str, number: MobileNumber
    ) -> None:
        people = await self.registry.names_on_mobile(number)
        ref = match_one(typed_name, people, self.to_latin)
        if ref is None:
            await self.health.echo()
            return
        if self.blocks is not None and await self.blocks.blocked(ref, provider.provider_id):
            await self.health.echo()  # a blocked provider gets exactly what an unmatched pair gets
            return
        otp = otps.new_otp(self.policy, secrets.randbelow)
        matched = replace(
            txn,
            beneficiary_ref=ref,
            otp_hash=otps.otp_hash(self.secret, txn.txn_id, otps.otp_digest(otp)),
            version=txn.version + 1,
        )
        if await self.store.replace(matched, expected_version=txn.version):
            await self._send(provider, matched, number, otp, outcome="requested")

    async def confirm(self, *, provider: Provider, txn_id: str, otp_digest: str) -> dict[str, Any]:
        """Check the OTP (given as its SHA-256 hex); on success disclose by scope and sign."""
        try:
            result = await self._confirm(provider, txn_id, otp_digest)
        except (InvalidOtp, OtpExpired, TooManyAttempts) as error:
            self.count_otp_failure(error)
            raise
        self.metrics.verification_confirmed()
        return result

    def count_otp_failure(self, error: InvalidOtp | OtpExpired | TooManyAttempts) -> None:
        """Report a refused confirmation (wrong, expired or locked) to monitoring."""
        self.metrics.otp_failed(
            next(reason for kind, reason in _OTP_FAILURES.items() if isinstance(error, kind))
        )

    async def _confirm(self, provider: Provider, txn_id: str, otp_digest: str) -> dict[str, Any]:
        txn = await self._owned(
            provider, txn_id
        )  # another provider's txn is absent, even to limits
        await self.acquire(key_rate(provider), self.clock.now())
        for attempt in range(_CAS_RETRIES):
            if attempt:  # a concurrent confirm changed it: read it again
                txn = await self._owned(provider, txn_id)
            now = self.clock.now()
            self.require_pending(txn, now)
            right = txn.beneficiary_ref is not None and otps.otp_matches(
                self.secret, txn.txn_id, otp_digest, txn.otp_hash
            )
            if right:
                result = await self._disclose(provider, txn, now)
                if result is not None:
                    return result
                continue
            wrong = after_wrong_otp(txn, self.policy)
            locked = wrong.txn.state is TxnState.LOCKED
            entry = (
                self._entry(provider, txn, "locked", now)
                if locked and txn.beneficiary_ref
                else None
            )
            if not await self.store.replace(wrong.txn, expected_version=txn.version, access=entry):
                continue
            if locked:
                raise TooManyAttempts("Too many wrong OTPs: start a new verification.")
            raise InvalidOtp(
                f"The OTP is not correct; {wrong.attempts_left} attempts left.",
                attempts_left=wrong.attempts_left,
            )
        raise TxnAlreadyUsed("This verification changed while confirming; check its state.")

    async def resend(
        self, *, provider: Provider, txn_id: str, mobile: str | None = None
    ) -> Started:
        """Send a fresh OTP (replacing the old one) after the cooldown, at most `max_resends`."""
        txn = await self._owned(provider, txn_id)
        now = self.clock.now()
        self.require_pending(txn, now)
        await self.health.require_available()
        if txn.resends >= self.policy.max_resends:
            self.metrics.rate_limited("too-many-resends")
            raise RateLimited(
                "No more resends for this verification: start a new one.",
                slug="too-many-resends",
                retry_after_s=max(int((txn.expires_at - now).total_seconds()), 1),
            )
        wait = resend_wait_s(txn, self.policy, now)
        if wait > 0:
            self.metrics.rate_limited("resend-too-soon")
            raise RateLimited(
                f"Wait {wait} seconds before resending.", slug="resend-too-soon", retry_after_s=wait
            )
        await self.acquire(self.mobile_limits(txn.mobile_key), now)
        otp = otps.new_otp(self.policy, secrets.randbelow)
        digest = otps.otp_digest(otp) if txn.beneficiary_ref else secrets.token_hex(32)
        updated = after_resend(
            txn, self.policy, now, otps.otp_hash(self.secret, txn.txn_id, digest)
        )
        if not await self.store.replace(updated, expected_version=txn.version):
            raise RateLimited(
                "A resend is already under way.", slug="resend-too-soon", retry_after_s=1
            )
        ref = txn.beneficiary_ref

        async def send_again() -> None:
            registration = await self.registry.registration(ref) if ref else None
            if registration is None:
                await self.health.echo()
                return
            mobile = registration.beneficiary.mobile
            await self._send(provider, updated, mobile, otp, outcome=None)

        self.dispatcher.submit(send_again)
        return Started(
            txn.txn_id, updated.expires_at, self.policy.length, self.policy.resend_after_s
        )

    async def state(self, *, provider: Provider, txn_id: str) -> tuple[VerificationTxn, TxnState]:
        """The txn and its state now (no personal data)."""
        txn = await self._owned(provider, txn_id)
        return txn, txn.state_at(self.clock.now())

    async def sms_failing(self, txn: VerificationTxn) -> bool:
        """Whether SMS delivery failed (for anyone) during the txn's life so far: the same for
        a matched and an unmatched txn, so it may be shown to the provider."""
        end = min(self.clock.now(), txn.expires_at)
        return await self.health.failing_during(txn.created_at, end)

    async def deliver(self, txn: VerificationTxn, message: SmsMessage) -> bool:
        """Hand the txn's OTP SMS to the carrier; record the outcome in the SMS health log and
        on the txn (`sent` or `undelivered`). False when the carrier did not take it."""
        started = self.clock.now()
        try:
            await self.sms.send(message)
        except SmsNotDelivered as error:
            # The txn id is not personal data; the number and the text never reach this log.
            log.warning("OTP SMS of txn %s not delivered: %s", txn.txn_id, error)
            if error.carrier_failing:
                await self.health.record(ok=False, started=started)
            await self._set_delivery(txn, Delivery.UNDELIVERED)
            return False
        await self.health.record(ok=True, started=started)
        await self._set_delivery(txn, Delivery.SENT)
        return True

    async def _set_delivery(self, sent: VerificationTxn, delivery: Delivery) -> None:
        """Mark the txn, unless a resend has replaced the OTP this SMS carried."""
        if sent.delivery is not delivery and await self.store.replace(
            after_delivery(sent, delivery), expected_version=sent.version
        ):
            return  # the usual case: nothing changed the txn since it was written
        for _ in range(_CAS_RETRIES):
            txn = await self.store.get(sent.txn_id)
            if txn is None or txn.last_sent_at != sent.last_sent_at or txn.delivery is delivery:
                return
            marked = after_delivery(txn, delivery)
            if await self.store.replace(marked, expected_version=txn.version):
                return

    async def verified_result(self, *, provider: Provider, txn_id: str) -> dict[str, Any]:
        """The stored result of a verified txn (the CoWIN facade's status call)."""
        txn = await self._owned(provider, txn_id)
        if txn.state is not TxnState.VERIFIED or txn.result is None:
            raise TxnNotFound("No verified result for this txn.")
        result: dict[str, Any] = json.loads(txn.result)
        return result

    # --- helpers -----------------------------------------------------------------------------

    async def _owned(self, provider: Provider, txn_id: str) -> VerificationTxn:
        txn = await self.store.get(txn_id) if _looks_like_txn_id(txn_id) else None
        if txn is None or txn.provider_id != provider.provider_id:
            raise TxnNotFound("No verification with that txn id.")
        return txn

    def require_pending(self, txn: VerificationTxn, now: dt.datetime) -> None:
        """Raise the problem for a txn that can no longer be confirmed."""
        state = txn.state_at(now)
        if state is TxnState.EXPIRED:
            raise OtpExpired("The OTP has expired: start a new verification.")
        if state is TxnState.LOCKED:
            raise TooManyAttempts("Too many wrong OTPs: start a new verification.")
        if state is TxnState.VERIFIED:
            raise TxnAlreadyUsed("This verification is already complete; an OTP works once.")

    async def _disclose(
        self, provider: Provider, txn: VerificationTxn, now: dt.datetime
    ) -> dict[str, Any] | None:
        assert txn.beneficiary_ref is not None  # noqa: S101 - only matched txns get here
        registration = await self.registry.registration(txn.beneficiary_ref)
        if registration is None:
            raise InvalidOtp(
                "The OTP is not correct.", attempts_left=txn.attempts_left(self.policy)
            )
        status = status_of(registration.doses, self.rules, now.date())
        fields = disclosed_fields(
            registration,
            status,
            provider.scopes,
            txn_id=txn.txn_id,
            verified_at=now,
            status_text=self.status_text(int(status.code), txn.language),
        )
        claims = attestation_claims(
            txn_id=txn.txn_id,
            provider_id=provider.provider_id,
            disclosed={k: v for k, v in fields.items() if k != "status_text"},
            issued_at=now,
            lifetime=self.attestation_lifetime,
            issuer=self.issuer,
        )
        result = {**fields, "attestation": self.signer.sign(claims)}
        verified = after_right_otp(txn, json.dumps(result, ensure_ascii=False))
        entry = self._entry(provider, txn, "verified", now)
        if not await self.store.replace(verified.txn, expected_version=txn.version, access=entry):
            return None
        return result

    def _entry(
        self, provider: Provider, txn: VerificationTxn, outcome: str, now: dt.datetime
    ) -> AccessEntry:
        assert txn.beneficiary_ref is not None  # noqa: S101 - access entries name a person
        scopes = provider.scopes if outcome == "verified" else frozenset()
        return AccessEntry(
            txn.beneficiary_ref,
            provider.provider_id,
            provider.name,
            txn.purpose,
            scopes,
            outcome,
            txn.txn_id,
            now,
        )

    async def _send(
        self,
        provider: Provider,
        txn: VerificationTxn,
        number: MobileNumber,
        otp: str,
        *,
        outcome: str | None,
    ) -> None:
        purpose = self.access.purposes[txn.purpose]
        message = verification_otp_sms(
            to=number,
            otp=otp,
            provider_name=provider.name,
            purpose_label=purpose.label,
            minutes=self.policy.lifetime_minutes,
            language=txn.language,
        )
        delivered = await self.deliver(txn, message)
        if outcome is not None:
            # The citizen learns that someone asked even when the SMS did not reach them.
            told = outcome if delivered else "undelivered"
            await self.access_log.record(self._entry(provider, txn, told, txn.created_at))

    def mobile_limits(self, mobile_key: str) -> list[Limit]:
        """The per-mobile OTP caps (per hour and per day, across all providers)."""
        return mobile_limits(self.policy, mobile_key)

    async def acquire(self, limits: list[Limit], now: dt.datetime) -> None:
        """Count one event against `limits`, or raise `RateLimited` naming the full one."""
        await self._limits.acquire(limits, now)

    @cached_property
    def _limits(self) -> LimitGate:
        return LimitGate(self.limiter, self.metrics)


def _looks_like_txn_id(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


def digest_of_plain_otp(otp: str) -> str:
    """The SHA-256 hex a plain OTP confirms with (the native API receives the plain OTP)."""
    if not (otp.isascii() and otp.isdigit()):
        raise InvalidInput("An OTP is made of digits.")
    return otps.otp_digest(otp)
