"""Provider verification on the OTP engine: match the name on the mobile, disclose by scope, sign.

The start path does the same work whether or not the name/mobile pair matched someone: the
same limits, the same registry read, the same name matching, one txn written, the same answer.
Only the SMS differs, and it is sent after the response, off the request path.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kyvs.domain.access import AccessCatalogue
from kyvs.domain.attestations import attestation_claims
from kyvs.domain.disclosure import disclosed_fields
from kyvs.domain.errors import PurposeNotAllowed, TxnNotFound
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.names import match_one
from kyvs.domain.people import clean_full_name
from kyvs.domain.providers import Provider
from kyvs.domain.rights import ConsentWithdrawn
from kyvs.domain.rules import RuleSet
from kyvs.domain.signing_keys import ATTESTATION
from kyvs.domain.status import status_of
from kyvs.domain.verification import TxnState, VerificationTxn
from kyvs.ports import (
    NOBODY,
    AccessEntry,
    AccessLog,
    BlockList,
    ConsentWithdrawals,
    RegistryReader,
    Signer,
    SmsMessage,
)
from kyvs.services.consent import ConsentClerk
from kyvs.services.otp_engine import (
    Finished,
    OtpEngine,
    OtpScreen,
    Started,
    digest_of_plain_otp,
)
from kyvs.services.otp_limits import key_rate, provider_limits
from kyvs.services.sms_texts import SmsTexts, example_sms_texts

__all__ = ["Started", "Verifier", "digest_of_plain_otp"]


# The access-log outcome a citizen reads as "Asked (the SMS did not reach you)": the carrier
# refused the OTP SMS, or its delivery report said it failed.
UNDELIVERED = "undelivered"


@dataclass
class Verifier:
    """Provider checks: the OTP engine plus matching, blocks, disclosure, signing and the
    citizen's access log. Wired once by `bootstrap`."""

    engine: OtpEngine
    registry: RegistryReader
    access_log: AccessLog
    signer: Signer
    rules: RuleSet
    access: AccessCatalogue
    to_latin: Callable[[str], str]
    status_text: Callable[[int, str], str]  # (status code, language) -> localized text
    blocks: BlockList
    consents: ConsentClerk
    texts: SmsTexts = field(default_factory=example_sms_texts)
    withdrawals: ConsentWithdrawals | None = None  # None: no consent can be withdrawn
    issuer: str = ATTESTATION.issuer
    attestation_lifetime: dt.timedelta = dt.timedelta(days=1)

    @property
    def otp_length(self) -> int:
        """Digits in an OTP."""
        return self.engine.policy.length

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

        async def match_and_send(txn: VerificationTxn) -> None:
            await self._match_and_send(provider, txn, typed_name, number)

        return await self.engine.open(
            owner=provider.provider_id,
            purpose=purpose,
            language=language,
            number=number,
            limits=provider_limits(provider),
            arm=match_and_send,
        )

    async def _match_and_send(
        self, provider: Provider, txn: VerificationTxn, typed_name: str, number: MobileNumber
    ) -> None:
        people = await self.registry.names_on_mobile(number)
        ref = match_one(typed_name, people, self.to_latin)
        if ref is None or await self.blocks.blocked(ref, provider.provider_id):
            # A blocked provider gets exactly what an unmatched pair gets.
            await self.engine.nobody_to_send_to()
            return
        sent = await self.engine.arm_and_send(
            txn, ref, lambda otp: self._sms(provider, txn, number, otp)
        )
        if sent is not None:
            armed, delivered = sent
            # The citizen learns that someone asked even when the SMS did not reach them.
            outcome = "requested" if delivered else UNDELIVERED
            await self.access_log.record(self._entry(provider, armed, outcome, txn.created_at))

    async def confirm(
        self,
        *,
        provider: Provider,
        txn_id: str,
        otp_digest: str,
        channel: str,
        bound_to: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Check the OTP (given as its SHA-256 hex); on success disclose by scope and sign,
        with `bound_to`'s claims (a hosted session's) in the attestation, and record the
        person's consent given through `channel` (one of `domain.consent.CHANNELS`)."""

        async def disclose(
            txn: VerificationTxn, now: dt.datetime
        ) -> Finished[dict[str, Any]] | None:
            return await self._disclose(provider, txn, now, channel, bound_to)

        def locked(txn: VerificationTxn, now: dt.datetime) -> AccessEntry | None:
            # Written for an unmatched txn too (naming nobody): a lock costs the same work.
            return self._entry(provider, txn, "locked", now)

        return await self.engine.confirm(
            owner=provider.provider_id,
            txn_id=txn_id,
            otp_digest=otp_digest,
            finish=disclose,
            locked_entry=locked,
            limits=key_rate(provider),
        )

    async def resend(self, *, provider: Provider, txn_id: str) -> Started:
        """Send a fresh OTP (replacing the old one) after the cooldown, at most `max_resends`;
        it is an SMS like a start's, so it counts against the key rate and the daily quota."""
        return await self.engine.resend(
            owner=provider.provider_id,
            txn_id=txn_id,
            compose=lambda txn, number, otp: self._sms(provider, txn, number, otp),
            limits=provider_limits(provider),
        )

    async def state(self, *, provider: Provider, txn_id: str) -> tuple[VerificationTxn, TxnState]:
        """The txn and its state now (no personal data)."""
        txn = await self.engine.owned(provider.provider_id, txn_id)
        return txn, self.engine.state(txn)

    async def screen(self, *, provider: Provider, txn_id: str) -> OtpScreen:
        """What the provider's OTP screen shows for a txn."""
        return await self.engine.screen(await self.engine.owned(provider.provider_id, txn_id))

    async def sms_failing(self, txn: VerificationTxn) -> bool:
        """Whether SMS delivery failed (for anyone) during the txn's life so far."""
        return await self.engine.sms_failing(txn)

    async def recent(self, provider: Provider, limit: int) -> list[VerificationTxn]:
        """The provider's latest txns, newest first (the console's list)."""
        return await self.engine.recent(provider.provider_id, limit)

    async def verified_result(self, *, provider: Provider, txn_id: str) -> dict[str, Any]:
        """The stored result of a verified txn (the CoWIN facade's status call);
        `ConsentWithdrawn` once the person withdrew their consent to it."""
        result = self.engine.stored_result(await self.engine.owned(provider.provider_id, txn_id))
        await self.refuse_withdrawn(txn_id)
        if result is None:
            raise TxnNotFound("No verified result for this txn.")
        return result

    async def refuse_withdrawn(self, txn_id: str) -> None:
        """Raise `ConsentWithdrawn` when the person withdrew the consent behind `txn_id`'s
        result: nothing kyvs holds of it is handed out again."""
        if self.withdrawals is not None and await self.withdrawals.withdrawn(txn_id):
            raise ConsentWithdrawn("The person withdrew their consent to this result.")

    async def _disclose(
        self,
        provider: Provider,
        txn: VerificationTxn,
        now: dt.datetime,
        channel: str,
        bound_to: Mapping[str, str] | None = None,
    ) -> Finished[dict[str, Any]] | None:
        assert txn.beneficiary_ref is not None  # noqa: S101 - only matched txns get here
        registration = await self.registry.registration(txn.beneficiary_ref)
        if registration is None:
            return None
        status = status_of(registration.doses, self.rules, now.date())
        fields = disclosed_fields(
            registration,
            status,
            provider.scopes,
            txn_id=txn.txn_id,
            verified_at=now,
            status_text=self.status_text(int(status.code), txn.language),
        )
        consent_id = self.consents.new_id()
        fields["consent_id"] = consent_id
        claims = attestation_claims(
            txn_id=txn.txn_id,
            provider_id=provider.provider_id,
            disclosed={k: v for k, v in fields.items() if k != "status_text"},
            issued_at=now,
            lifetime=self.attestation_lifetime,
            issuer=self.issuer,
            bound_to=bound_to,
        )
        result = {**fields, "attestation": self.signer.sign(claims)}
        consent = self.consents.sign(
            consent_id=consent_id,
            provider=provider,
            txn=txn,
            disclosed=fields,
            channel=channel,
            given_at=now,
            expires_at=now + self.attestation_lifetime,
        )
        entry = dataclasses.replace(
            self._entry(provider, txn, "verified", now),
            consent_id=consent_id,
            consent=consent.token,
        )
        return Finished(result, json.dumps(result, ensure_ascii=False), entry)

    def _entry(
        self, provider: Provider, txn: VerificationTxn, outcome: str, now: dt.datetime
    ) -> AccessEntry:
        return access_entry(provider, txn, outcome, now)

    def _sms(
        self, provider: Provider, txn: VerificationTxn, number: MobileNumber, otp: str
    ) -> SmsMessage:
        return self.texts.verification_otp(
            to=number,
            otp=otp,
            provider_name=provider.name,
            purpose=txn.purpose,
            language=txn.language,
        )


def access_entry(
    provider: Provider, txn: VerificationTxn, outcome: str, at: dt.datetime
) -> AccessEntry:
    """The citizen's access-log line for `provider`'s txn: the scopes disclosed only once
    verified; an unmatched txn names nobody."""
    scopes = provider.scopes if outcome == "verified" else frozenset()
    return AccessEntry(
        txn.beneficiary_ref or NOBODY,
        provider.provider_id,
        provider.name,
        txn.purpose,
        scopes,
        outcome,
        txn.txn_id,
        at,
    )
