"""The OTP-transaction engine: one home for every rule of an OTP's life.

Open (limits, then an unarmed txn), arm (a real OTP once the mobile's owner is known), deliver,
confirm (attempts, lock, single use, races), resend (cooldown, count, fresh lifetime), expiry.
Provider verification and citizen login are built on it and add only their own parts: what is
matched, what is disclosed, what is signed, what is logged for the citizen.

Every txn is opened the same way whether or not anyone will receive its OTP: until `arm`, it
holds the hash of an OTP nobody was sent, so an unmatched txn fails exactly like a wrong OTP.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from kyvs.domain import otp as otps
from kyvs.domain.errors import (
    DomainError,
    InvalidInput,
    InvalidOtp,
    OtpExpired,
    RateLimited,
    TooManyAttempts,
    TxnAlreadyUsed,
    TxnNotFound,
)
from kyvs.domain.limits import Limit
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.otp import OtpBudget
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
    Clock,
    Dispatcher,
    RegistryReader,
    SentSms,
    SmsMessage,
    SmsNotDelivered,
    SmsReceiptLog,
    SmsSender,
    VerificationMetrics,
    VerificationStore,
)
from kyvs.request_context import log_reference
from kyvs.services.otp_limits import LimitGate, check_cap, mobile_limits
from kyvs.services.sms_health import SmsHealth

log = logging.getLogger("kyvs.otp")

CAS_RETRIES = 5
R = TypeVar("R")

_OTP_FAILURES: dict[type[DomainError], str] = {
    InvalidOtp: "wrong",
    OtpExpired: "expired",
    TooManyAttempts: "locked",
}

# (the txn as it will be after the resend, the number, the new OTP) -> the SMS to send.
ComposeSms = Callable[[VerificationTxn, MobileNumber, str], SmsMessage]


@dataclass(frozen=True, slots=True)
class Started:
    """The answer to a start or resend: the same shape whether or not anyone gets the OTP."""

    txn_id: str
    expires_at: dt.datetime
    otp_length: int
    resend_after_s: int


@dataclass(frozen=True, slots=True)
class Finished(Generic[R]):
    """What a right OTP produces: the caller's result, what the txn keeps of it (JSON), and
    the access-log entry written with the txn update (or None)."""

    result: R
    stored_result: str
    access: AccessEntry | None = None


@dataclass(frozen=True, slots=True)
class OtpScreen:
    """What every OTP screen shows: how many digits, when resend opens, when the OTP expires,
    and whether SMS delivery is failing (the same for a matched and an unmatched txn)."""

    txn_id: str
    otp_length: int
    resend_at: dt.datetime
    expires_at: dt.datetime
    resends_left: int
    attempts_left: int
    sms_failing: bool


class NoMetrics:
    """Reports nothing (the default)."""

    def verification_confirmed(self) -> None:
        """Nothing."""

    def otp_failed(self, reason: str) -> None:
        """Nothing."""

    def rate_limited(self, limit: str) -> None:
        """Nothing."""


@dataclass
class OtpEngine:
    """The lifecycle of OTP txns, wired once by `bootstrap`; its collaborators stay inside."""

    store: VerificationStore
    gate: LimitGate
    registry: RegistryReader
    sms: SmsSender
    health: SmsHealth
    dispatcher: Dispatcher
    policy: otps.OtpPolicy
    secret: bytes
    clock: Clock
    metrics: VerificationMetrics
    wrong_otps: Limit | None = None  # every wrong OTP counts here (the global circuit)
    receipts: SmsReceiptLog | None = None  # what gateways took, for their delivery reports

    def now(self) -> dt.datetime:
        """The engine's clock (the one every rule is measured by)."""
        return self.clock.now()

    def mobile_key(self, number: MobileNumber) -> str:
        """The keyed hash a txn and the per-mobile limits know a mobile by."""
        return otps.mobile_key(self.secret, number.national)

    async def open(
        self,
        *,
        owner: str,
        purpose: str,
        language: str,
        number: MobileNumber,
        limits: Sequence[Limit],
        arm: Callable[[VerificationTxn], Awaitable[None]],
        budget: OtpBudget = OtpBudget.VERIFICATION,
    ) -> Started:
        """Count the request against `limits` and the mobile's caps in `budget`, store an
        unarmed txn and run `arm(txn)` after the response (it finds the person and calls
        `arm_and_send`)."""
        await self.health.require_available()  # before any limit counts the request
        now = self.now()
        mobile_key = self.mobile_key(number)
        caps = mobile_limits(self.policy, mobile_key, budget)
        await self.gate.acquire([*limits, *caps], now)
        txn_id = str(uuid.uuid4())
        txn = VerificationTxn(
            txn_id=txn_id,
            provider_id=owner,
            purpose=purpose,
            language=language,
            mobile_key=mobile_key,
            beneficiary_ref=None,
            otp_hash=self._hash(txn_id, None),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=self.policy.lifetime_s),
            last_sent_at=now,
        )
        await self.store.create(txn)

        async def armed() -> None:
            await arm(txn)

        self.dispatcher.submit(armed)
        return self._started(txn)

    async def require_sms(self) -> None:
        """Refuse (`SmsUnavailable`) while SMS delivery is failing: call it before counting a
        request against any limit, as `open` does."""
        await self.health.require_available()

    async def nobody_to_send_to(self) -> None:
        """An unmatched (or blocked) txn: do what a send does to the SMS health log, so the
        circuit breaker and its timing never tell the two apart."""
        await self.health.echo()

    async def arm_and_send(
        self,
        txn: VerificationTxn,
        beneficiary_ref: str,
        compose: Callable[[str], SmsMessage],
    ) -> tuple[VerificationTxn, bool] | None:
        """Give `txn` a real OTP for `beneficiary_ref` and send `compose(otp)`. The armed txn
        and whether the carrier took the SMS, or None when the txn changed meanwhile."""
        otp = otps.new_otp(self.policy, secrets.randbelow)
        armed = replace(
            txn,
            beneficiary_ref=beneficiary_ref,
            otp_hash=self._hash(txn.txn_id, otp),
            version=txn.version + 1,
        )
        if not await self.store.replace(armed, expected_version=txn.version):
            return None
        return armed, await self.deliver(armed, compose(otp))

    async def find(self, txn_id: str) -> VerificationTxn | None:
        """Any txn by id, for a caller that proved the right to it otherwise (a signed token)."""
        return await self.store.get(txn_id) if _looks_like_txn_id(txn_id) else None

    async def owned(self, owner: str, txn_id: str) -> VerificationTxn:
        """The txn `owner` opened; anyone else's (or a malformed id) is absent, even to limits."""
        txn = await self.find(txn_id)
        if txn is None or txn.provider_id != owner:
            raise TxnNotFound("No verification with that txn id.")
        return txn

    async def pending(self, owner: str, txn_id: str) -> VerificationTxn:
        """`owner`'s txn, if its OTP can still be confirmed (else the problem saying why)."""
        txn = await self.owned(owner, txn_id)
        self.require_pending(txn, self.now())
        return txn

    def require_pending(self, txn: VerificationTxn, now: dt.datetime) -> None:
        """Raise the problem for a txn that can no longer be confirmed."""
        state = txn.state_at(now)
        if state is TxnState.EXPIRED:
            raise OtpExpired("The OTP has expired: start again.")
        if state is TxnState.LOCKED:
            raise TooManyAttempts("Too many wrong OTPs: start again.")
        if state is TxnState.VERIFIED:
            raise TxnAlreadyUsed("This OTP was already used; an OTP works once.")

    async def confirm(
        self,
        *,
        owner: str,
        txn_id: str,
        otp_digest: str,
        finish: Callable[[VerificationTxn, dt.datetime], Awaitable[Finished[R] | None]],
        locked_entry: Callable[[VerificationTxn, dt.datetime], AccessEntry | None] = (
            lambda txn, now: None
        ),
        limits: Sequence[Limit] = (),
        budget: OtpBudget = OtpBudget.VERIFICATION,
    ) -> R:
        """Check the OTP (its SHA-256 hex). A right one runs `finish` (None: the person is
        gone, answered as a wrong OTP) and marks the txn verified, once; a wrong one counts
        toward the lock. Every check counts against `limits` and the mobile's daily checks in
        `budget`. Failures are counted in the metrics an operator alerts on."""
        try:
            result = await self._confirm(
                owner=owner,
                txn_id=txn_id,
                otp_digest=otp_digest,
                finish=finish,
                locked_entry=locked_entry,
                limits=limits,
                budget=budget,
            )
        except (InvalidOtp, OtpExpired, TooManyAttempts) as error:
            self.metrics.otp_failed(
                next(reason for kind, reason in _OTP_FAILURES.items() if isinstance(error, kind))
            )
            raise
        self.metrics.verification_confirmed()
        return result

    async def _confirm(
        self,
        *,
        owner: str,
        txn_id: str,
        otp_digest: str,
        finish: Callable[[VerificationTxn, dt.datetime], Awaitable[Finished[R] | None]],
        locked_entry: Callable[[VerificationTxn, dt.datetime], AccessEntry | None],
        limits: Sequence[Limit],
        budget: OtpBudget,
    ) -> R:
        txn = await self.owned(owner, txn_id)
        self.require_pending(txn, self.now())  # a used or locked txn costs no check
        # The same count for a matched and an unmatched txn: both hold a mobile key.
        cap = check_cap(self.policy, txn.mobile_key, budget)
        await self.gate.acquire([*limits, cap], self.now())
        # A write that loses a race re-reads the txn: a wrong OTP must still count toward the
        # lock (or concurrent guesses would cost one attempt), and a right one must not answer
        # differently from a wrong one.
        for attempt in range(CAS_RETRIES):
            if attempt:
                txn = await self.owned(owner, txn_id)
            now = self.now()
            self.require_pending(txn, now)
            if txn.beneficiary_ref is not None and otps.otp_matches(
                self.secret, txn.txn_id, otp_digest, txn.otp_hash
            ):
                finished = await finish(txn, now)
                if finished is None:
                    raise InvalidOtp(
                        "The OTP is not correct.", attempts_left=txn.attempts_left(self.policy)
                    )
                verified = after_right_otp(txn, finished.stored_result).txn
                if await self.store.replace(
                    verified, expected_version=txn.version, access=finished.access
                ):
                    return finished.result
                continue
            wrong = after_wrong_otp(txn, self.policy)
            locked = wrong.txn.state is TxnState.LOCKED
            entry = locked_entry(txn, now) if locked else None
            if not await self.store.replace(wrong.txn, expected_version=txn.version, access=entry):
                continue
            await self._count_wrong_otp()
            if locked:
                raise TooManyAttempts("Too many wrong OTPs: start again.")
            raise InvalidOtp(
                f"The OTP is not correct; {wrong.attempts_left} attempts left.",
                attempts_left=wrong.attempts_left,
            )
        # Every read lost its write to another request: the txn is neither locked nor used, so
        # say what happened (409, look at its state) rather than claim a lock.
        raise TxnAlreadyUsed("This txn changed while its OTP was checked; check its state.")

    async def resend(
        self,
        *,
        owner: str,
        txn_id: str,
        compose: ComposeSms,
        budget: OtpBudget = OtpBudget.VERIFICATION,
        limits: Sequence[Limit] = (),
    ) -> Started:
        """A fresh OTP replacing the old one, after the cooldown, at most `max_resends` times;
        it counts against `limits` and the mobile's caps in `budget`, and gets a fresh
        lifetime."""
        txn = await self.pending(owner, txn_id)
        now = self.now()
        await self.health.require_available()
        if txn.resends >= self.policy.max_resends:
            self.metrics.rate_limited("too-many-resends")
            # The OTP already sent still works until the txn expires; after that, start again.
            raise RateLimited(
                "No more OTPs for this txn: use the last one, or start again when it expires.",
                slug="too-many-resends",
                retry_after_s=max(int((txn.expires_at - now).total_seconds()), 1),
            )
        wait = resend_wait_s(txn, self.policy, now)
        if wait > 0:
            self.metrics.rate_limited("resend-too-soon")
            raise RateLimited(
                f"Wait {wait} seconds before resending.", slug="resend-too-soon", retry_after_s=wait
            )
        caps = mobile_limits(self.policy, txn.mobile_key, budget)
        await self.gate.acquire([*limits, *caps], now)
        otp = otps.new_otp(self.policy, secrets.randbelow)
        ref = txn.beneficiary_ref
        updated = after_resend(txn, self.policy, now, self._hash(txn.txn_id, otp if ref else None))
        if not await self.store.replace(updated, expected_version=txn.version):
            raise RateLimited(
                "A resend is already under way.", slug="resend-too-soon", retry_after_s=1
            )

        async def send_again() -> None:
            registration = await self.registry.registration(ref) if ref else None
            if registration is None:
                await self.nobody_to_send_to()
                return
            number = registration.beneficiary.mobile
            await self.deliver(updated, compose(updated, number, otp))

        self.dispatcher.submit(send_again)
        return self._started(updated)

    async def deliver(self, txn: VerificationTxn, message: SmsMessage) -> bool:
        """Hand the txn's OTP SMS to the carrier; record the outcome in the SMS health log and
        on the txn (`sent` or `undelivered`). False when the carrier did not take it."""
        started = self.now()
        if not message.reference:  # the client reference gateways take: random, per send
            message = replace(message, reference=secrets.token_hex(8))
        try:
            receipt = await self.sms.send(message)
        except SmsNotDelivered as error:
            # Neither the number, nor the text, nor the txn id (it opens the txn) reach this log.
            log.warning("OTP SMS of txn %s not delivered: %s", log_reference(txn.txn_id), error)
            if error.carrier_failing:
                await self.health.record(ok=False, started=started)
            await self._set_delivery(txn, Delivery.UNDELIVERED)
            return False
        await self.health.record(ok=True, started=started)
        await self._set_delivery(txn, Delivery.SENT)
        # After `sent` is written, so that a report, however quick, never finds it `queued`.
        if receipt is not None and receipt.message_id and self.receipts is not None:
            sent = SentSms(receipt.gateway, receipt.message_id, txn.txn_id, txn.last_sent_at)
            await self.receipts.keep(sent)
        return True

    async def reported(self, sent: SentSms, delivery: Delivery) -> VerificationTxn | None:
        """Record a delivery report on the txn whose OTP `sent` carried; the txn as it is now,
        or None when it is gone or a resend has replaced that OTP (nothing recorded)."""
        txn = await self.store.get(sent.txn_id)
        if txn is None or txn.last_sent_at != sent.sent_at:
            return None
        await self._set_delivery(txn, delivery)
        return txn

    async def sms_failing(self, txn: VerificationTxn) -> bool:
        """Whether SMS delivery failed (for anyone) during the txn's life so far: the same for
        a matched and an unmatched txn, so it may be shown to whoever opened it."""
        end = min(self.now(), txn.expires_at)
        return await self.health.failing_during(txn.created_at, end)

    async def screen(self, txn: VerificationTxn) -> OtpScreen:
        """What the OTP screen of `txn` shows (pages and API alike)."""
        return OtpScreen(
            txn_id=txn.txn_id,
            otp_length=self.policy.length,
            resend_at=txn.last_sent_at + dt.timedelta(seconds=self.policy.resend_after_s),
            expires_at=txn.expires_at,
            resends_left=max(self.policy.max_resends - txn.resends, 0),
            attempts_left=txn.attempts_left(self.policy),
            sms_failing=await self.sms_failing(txn),
        )

    async def recent(self, owner: str, limit: int) -> list[VerificationTxn]:
        """`owner`'s latest txns, newest first."""
        return await self.store.recent(owner, limit)

    def state(self, txn: VerificationTxn) -> TxnState:
        """The txn's state now (a pending txn past its expiry is expired)."""
        return txn.state_at(self.now())

    def stored_result(self, txn: VerificationTxn) -> dict[str, Any] | None:
        """The result a verified txn keeps, or None."""
        if txn.state is not TxnState.VERIFIED or txn.result is None:
            return None
        result: dict[str, Any] = json.loads(txn.result)
        return result

    def clean_otp(self, typed: str) -> str | None:
        """The OTP's digits as a person typed them (spaces, dashes, other scripts' digits
        dropped or read), or None when they are not exactly `policy.length` digits."""
        digits = "".join(str(int(ch)) for ch in typed if ch.isdecimal())
        return digits if len(digits) == self.policy.length else None

    async def _count_wrong_otp(self) -> None:
        """One more wrong OTP in the global count (its limit full is the circuit open)."""
        if self.wrong_otps is not None:
            await self.gate.count([self.wrong_otps], self.now())

    def _started(self, txn: VerificationTxn) -> Started:
        return Started(txn.txn_id, txn.expires_at, self.policy.length, self.policy.resend_after_s)

    def _hash(self, txn_id: str, otp: str | None) -> str:
        """The stored hash of `otp`, or of a random value nobody knows (an unarmed txn)."""
        digest = otps.otp_digest(otp) if otp is not None else secrets.token_hex(32)
        return otps.otp_hash(self.secret, txn_id, digest)

    async def _set_delivery(self, sent: VerificationTxn, delivery: Delivery) -> None:
        """Mark the txn, unless a resend has replaced the OTP this SMS carried."""
        if sent.delivery is not delivery and await self.store.replace(
            after_delivery(sent, delivery), expected_version=sent.version
        ):
            return  # the usual case: nothing changed the txn since it was written
        for _ in range(CAS_RETRIES):
            txn = await self.store.get(sent.txn_id)
            if txn is None or txn.last_sent_at != sent.last_sent_at or txn.delivery is delivery:
                return
            if await self.store.replace(
                after_delivery(txn, delivery), expected_version=txn.version
            ):
                return


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
