"""Citizen login on the OTP engine: the same answers as a provider's verification, with a
budget of its own per mobile and the anonymous routes' guard (`services/login_guard.py`), so
that nobody asking for login OTPs can use up what providers' checks of that person need.

The answer never says whether the mobile is registered: an unregistered mobile gets a txn whose
OTP nobody receives, exactly like an unmatched verification.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kyvs.domain import tokens
from kyvs.domain.clients import Client
from kyvs.domain.errors import SessionInvalid, TxnNotFound
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.otp import OtpBudget
from kyvs.domain.verification import TxnState, VerificationTxn
from kyvs.ports import RegistryReader, SmsMessage
from kyvs.services.login_guard import LoginGuard
from kyvs.services.otp_engine import Finished, OtpEngine, OtpScreen, Started
from kyvs.services.sms_texts import SmsTexts, example_sms_texts

CITIZEN = "citizen"
LOGIN_PURPOSE = "citizen-login"
TOKEN_KIND = "citizen-session"  # noqa: S105 - a token kind, not a secret
SESSION_S = 15 * 60
BUDGET = OtpBudget.CITIZEN_LOGIN


@dataclass(frozen=True, slots=True)
class CitizenSession:
    """A logged-in citizen: the token to send as `Authorization: Bearer`, and its expiry."""

    token: str
    expires_at: dt.datetime


@dataclass
class CitizenLogin:
    """Login by OTP to the registered mobile; a session token for the right OTP."""

    engine: OtpEngine
    registry: RegistryReader
    secret: bytes
    guard: LoginGuard
    texts: SmsTexts = field(default_factory=example_sms_texts)

    async def start(self, *, mobile: str, language: str, client: Client) -> Started:
        """Send a login OTP if the mobile is registered; the same answer either way."""
        number = MobileNumber.parse(mobile)
        await self.engine.require_sms()  # a refused request counts against no limit
        limits = await self.guard.admit_start(
            client, self.engine.mobile_key(number), self.engine.now()
        )

        async def find_and_send(txn: VerificationTxn) -> None:
            people = await self.registry.names_on_mobile(number)
            if not people:
                await self.engine.nobody_to_send_to()
                return
            # Any person on the mobile marks it registered (the session covers all of them).
            await self.engine.arm_and_send(
                txn, people[0][0], lambda otp: self._sms(txn, number, otp)
            )

        return await self.engine.open(
            owner=CITIZEN,
            purpose=LOGIN_PURPOSE,
            language=language,
            number=number,
            limits=limits,
            arm=find_and_send,
            budget=BUDGET,
        )

    async def confirm(self, *, txn_id: str, otp_digest: str, client: Client) -> CitizenSession:
        """A session token for the right OTP; a wrong one counts toward the txn's lock (and,
        like a verification's, in the OTP failure metrics that an operator alerts on)."""

        async def session(txn: VerificationTxn, now: dt.datetime) -> Finished[CitizenSession]:
            expires = now + dt.timedelta(seconds=SESSION_S)
            token = tokens.issue(
                self.secret,
                kind=TOKEN_KIND,
                subject=txn.txn_id,
                expires_at_s=int(expires.timestamp()),
            )
            return Finished(CitizenSession(token, expires), "{}")

        limits = await self.guard.admit_check(client, self.engine.now())
        return await self.engine.confirm(
            owner=CITIZEN,
            txn_id=txn_id,
            otp_digest=otp_digest,
            finish=session,
            limits=limits,
            budget=BUDGET,
        )

    async def pending(self, txn_id: str) -> VerificationTxn:
        """A login txn that can still be confirmed (for the OTP screen)."""
        return await self.engine.pending(CITIZEN, txn_id)

    async def screen(self, txn_id: str) -> OtpScreen:
        """What the login's OTP screen shows."""
        return await self.engine.screen(await self.pending(txn_id))

    async def resend(self, txn_id: str, client: Client) -> Started:
        """A fresh login OTP after the cooldown (at most `max_resends`), like verification;
        it counts against the client's hard limits like a start."""
        return await self.engine.resend(
            owner=CITIZEN,
            txn_id=txn_id,
            compose=self._sms,
            budget=BUDGET,
            limits=self.guard.hard_limits(client),
        )

    async def mobile_of(self, token: str) -> MobileNumber:
        """The registered mobile a session token stands for (`SessionInvalid` when invalid)."""
        txn_id = tokens.read(
            self.secret, kind=TOKEN_KIND, token=token, now_s=self.engine.now().timestamp()
        )
        try:
            txn = await self.engine.owned(CITIZEN, txn_id) if txn_id else None
        except TxnNotFound:
            txn = None
        if txn is None or txn.state is not TxnState.VERIFIED or txn.beneficiary_ref is None:
            raise SessionInvalid("This session is not valid; log in again.")
        person = await self.registry.registration(txn.beneficiary_ref)
        if person is None:
            raise SessionInvalid("This session is not valid; log in again.")
        return person.beneficiary.mobile

    def _sms(self, txn: VerificationTxn, number: MobileNumber, otp: str) -> SmsMessage:
        return self.texts.citizen_login_otp(to=number, otp=otp, language=txn.language)
