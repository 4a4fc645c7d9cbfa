"""Citizen login by OTP to the registered mobile: the same limits and answers as verification.

The answer never says whether the mobile is registered: an unregistered mobile gets a txn whose
OTP nobody receives, exactly like an unmatched verification.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass, replace

from kyvs.domain import otp as otps
from kyvs.domain import tokens
from kyvs.domain.errors import (
    InvalidOtp,
    OtpExpired,
    RateLimited,
    SessionInvalid,
    TooManyAttempts,
    TxnNotFound,
)
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.verification import (
    TxnState,
    VerificationTxn,
    after_resend,
    after_right_otp,
    after_wrong_otp,
    resend_wait_s,
)
from kyvs.services.sms_texts import citizen_login_otp_sms
from kyvs.services.verification import Started, Verifier

CITIZEN = "citizen"
LOGIN_PURPOSE = "citizen-login"
TOKEN_KIND = "citizen-session"  # noqa: S105 - a token kind, not a secret
SESSION_S = 15 * 60
_CAS_RETRIES = 5


@dataclass(frozen=True, slots=True)
class CitizenSession:
    """A logged-in citizen: the token to send as `Authorization: Bearer`, and its expiry."""

    token: str
    expires_at: dt.datetime


@dataclass
class CitizenLogin:
    """Login by OTP, built on the verification engine's store, limits and SMS."""

    verifier: Verifier

    async def start(self, *, mobile: str, language: str) -> Started:
        """Send a login OTP if the mobile is registered; the same answer either way."""
        v = self.verifier
        number = MobileNumber.parse(mobile)
        await v.health.require_available()
        now = v.clock.now()
        mobile_key = otps.mobile_key(v.secret, number.national)
        await v.acquire(v.mobile_limits(mobile_key), now)
        txn_id = str(uuid.uuid4())
        txn = VerificationTxn(
            txn_id=txn_id,
            provider_id=CITIZEN,
            purpose=LOGIN_PURPOSE,
            language=language,
            mobile_key=mobile_key,
            beneficiary_ref=None,
            otp_hash=otps.otp_hash(v.secret, txn_id, secrets.token_hex(32)),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=v.policy.lifetime_s),
            last_sent_at=now,
        )
        await v.store.create(txn)

        async def find_and_send() -> None:
            await self._find_and_send(txn, number)

        v.dispatcher.submit(find_and_send)
        return Started(txn_id, txn.expires_at, v.policy.length, v.policy.resend_after_s)

    async def _find_and_send(self, txn: VerificationTxn, number: MobileNumber) -> None:
        """After the response: if anyone is registered on the mobile, arm the txn and send."""
        v = self.verifier
        people = await v.registry.names_on_mobile(number)
        if not people:
            await v.health.echo()
            return
        otp = otps.new_otp(v.policy, secrets.randbelow)
        armed = replace(
            txn,
            beneficiary_ref=people[0][0],  # any person on the mobile marks it registered
            otp_hash=otps.otp_hash(v.secret, txn.txn_id, otps.otp_digest(otp)),
            version=txn.version + 1,
        )
        if await v.store.replace(armed, expected_version=txn.version):
            minutes = v.policy.lifetime_minutes
            await v.deliver(
                armed,
                citizen_login_otp_sms(to=number, otp=otp, minutes=minutes, language=txn.language),
            )

    async def confirm(self, *, txn_id: str, otp_digest: str) -> CitizenSession:
        """A session token for the right OTP; a wrong one counts toward the txn's lock (and,
        like a verification's, in the OTP failure metrics that an operator alerts on)."""
        try:
            return await self._confirm(txn_id, otp_digest)
        except (InvalidOtp, OtpExpired, TooManyAttempts) as error:
            self.verifier.count_otp_failure(error)
            raise

    async def _confirm(self, txn_id: str, otp_digest: str) -> CitizenSession:
        v = self.verifier
        # A write that loses a race re-reads the txn: a wrong OTP must still count toward the lock
        # (or concurrent guesses would cost one attempt), and a right one must not answer
        # differently from a wrong one.
        for _ in range(_CAS_RETRIES):
            txn = await v.store.get(txn_id)
            if txn is None or txn.provider_id != CITIZEN:
                raise TxnNotFound("No login with that txn id.")
            now = v.clock.now()
            v.require_pending(txn, now)
            right = txn.beneficiary_ref is not None and otps.otp_matches(
                v.secret, txn.txn_id, otp_digest, txn.otp_hash
            )
            if right:
                verified = after_right_otp(txn, "{}").txn
                if await v.store.replace(verified, expected_version=txn.version):
                    return self._session(txn, now)
                continue
            wrong = after_wrong_otp(txn, v.policy)
            if not await v.store.replace(wrong.txn, expected_version=txn.version):
                continue
            if wrong.txn.state is TxnState.LOCKED:
                raise TooManyAttempts("Too many wrong OTPs: start again.")
            raise InvalidOtp(
                f"The OTP is not correct; {wrong.attempts_left} attempts left.",
                attempts_left=wrong.attempts_left,
            )
        raise TooManyAttempts("This login changed while confirming: start again.")

    def _session(self, txn: VerificationTxn, now: dt.datetime) -> CitizenSession:
        v = self.verifier
        expires = now + dt.timedelta(seconds=SESSION_S)
        token = tokens.issue(
            v.secret, kind=TOKEN_KIND, subject=txn.txn_id, expires_at_s=int(expires.timestamp())
        )
        return CitizenSession(token, expires)

    async def pending(self, txn_id: str) -> VerificationTxn:
        """A login txn that can still be confirmed (for the OTP screen)."""
        v = self.verifier
        txn = await v.store.get(txn_id)
        if txn is None or txn.provider_id != CITIZEN:
            raise TxnNotFound("No login with that txn id.")
        v.require_pending(txn, v.clock.now())
        return txn

    async def resend(self, txn_id: str) -> Started:
        """A fresh login OTP after the cooldown (at most `max_resends`), like verification."""
        v = self.verifier
        txn = await self.pending(txn_id)
        await v.health.require_available()
        now = v.clock.now()
        if txn.resends >= v.policy.max_resends:
            v.metrics.rate_limited("too-many-resends")
            raise RateLimited(
                "No more OTPs for this login: start again.",
                slug="too-many-resends",
                retry_after_s=60,
            )
        wait = resend_wait_s(txn, v.policy, now)
        if wait > 0:
            v.metrics.rate_limited("resend-too-soon")
            raise RateLimited(f"Wait {wait} seconds.", slug="resend-too-soon", retry_after_s=wait)
        await v.acquire(v.mobile_limits(txn.mobile_key), now)
        otp = otps.new_otp(v.policy, secrets.randbelow)
        digest = otps.otp_digest(otp) if txn.beneficiary_ref else secrets.token_hex(32)
        updated = after_resend(txn, v.policy, now, otps.otp_hash(v.secret, txn.txn_id, digest))
        if not await v.store.replace(updated, expected_version=txn.version):
            raise RateLimited(
                "A resend is already under way.", slug="resend-too-soon", retry_after_s=1
            )
        ref = txn.beneficiary_ref

        async def send_again() -> None:
            person = await v.registry.registration(ref) if ref else None
            if person is None:
                await v.health.echo()
                return
            minutes = v.policy.lifetime_minutes
            await v.deliver(
                updated,
                citizen_login_otp_sms(
                    to=person.beneficiary.mobile, otp=otp, minutes=minutes, language=txn.language
                ),
            )

        v.dispatcher.submit(send_again)
        return Started(txn.txn_id, updated.expires_at, v.policy.length, v.policy.resend_after_s)

    async def mobile_of(self, token: str) -> MobileNumber:
        """The registered mobile a session token stands for (`TxnNotFound` when invalid)."""
        v = self.verifier
        txn_id = tokens.read(
            v.secret, kind=TOKEN_KIND, token=token, now_s=v.clock.now().timestamp()
        )
        txn = await v.store.get(txn_id) if txn_id else None
        if txn is None or txn.state is not TxnState.VERIFIED or txn.beneficiary_ref is None:
            raise SessionInvalid("This session is not valid; log in again.")
        person = await v.registry.registration(txn.beneficiary_ref)
        if person is None:
            raise SessionInvalid("This session is not valid; log in again.")
        return person.beneficiary.mobile
