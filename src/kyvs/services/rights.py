"""A citizen's rights over what kyvs holds (domain/rights.py): the export of everything, the
erasure of what kyvs may erase, the withdrawal of a standing consent, and grievances.

Every call starts from a citizen session token and reaches only the people on its mobile;
anything else reads as absent (`consent-not-found`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from kyvs.domain.citizen import Correction, ShareLink
from kyvs.domain.consent import ConsentRecord
from kyvs.domain.mobile import MobileNumber
from kyvs.domain.otp_channel import OtpChannel
from kyvs.domain.rights import (
    ConsentNotFound,
    Grievance,
    GrievanceSubject,
    Withdrawal,
    clean_text,
    standing,
    stored_consent,
)
from kyvs.ports import (
    AccessEntry,
    Block,
    ChannelPreferences,
    CitizenStore,
    Clock,
    HostedSessionStore,
    RightsStore,
    VerificationStore,
)
from kyvs.services.citizen import CitizenService, PersonStatus
from kyvs.services.citizen_login import CitizenLogin

VERIFIED = "verified"


@dataclass(frozen=True, slots=True)
class LoggedAccess:
    """An access-log line with its consent record (disclosures) and withdrawal, if any."""

    entry: AccessEntry
    consent: ConsentRecord | None = None
    withdrawn_at: dt.datetime | None = None

    def stands(self, now: dt.datetime) -> bool:
        """A disclosure whose consent has neither expired nor been withdrawn."""
        return self.consent is not None and standing(
            self.consent.expires_at, now, self.withdrawn_at is not None
        )


@dataclass(frozen=True, slots=True)
class StandingConsents:
    """What the people on the mobile still let others use: live share links, and disclosures
    whose consent has not expired."""

    share_links: list[ShareLink]
    disclosures: list[LoggedAccess]


@dataclass(frozen=True, slots=True)
class ErasureReport:
    """What one erasure erased (counts; a repeat erases nothing) and whether blocks were lifted
    (False: kept, as they protect the people on the mobile)."""

    share_links: int
    otp_channel: bool
    verification_results: int
    hosted_results: int
    consents_withdrawn: int
    blocks_lifted: int | None


@dataclass(frozen=True, slots=True)
class Export:
    """Everything kyvs holds about the people on a mobile."""

    generated_at: dt.datetime
    people: list[PersonStatus]
    access: list[LoggedAccess]
    blocks: list[Block]
    share_links: list[ShareLink]
    corrections: list[Correction]
    grievances: list[Grievance]
    otp_channel: OtpChannel | None


@dataclass
class CitizenRights:
    """The use cases behind the rights calls of `/me` and `/api/v1/citizen/*`."""

    citizens: CitizenService
    login: CitizenLogin
    store: CitizenStore
    rights: RightsStore
    channels: ChannelPreferences  # erasure forgets a choice even where WhatsApp is now off
    verifications: VerificationStore
    hosted: HostedSessionStore
    clock: Clock
    mobile_key: Callable[[MobileNumber], str]

    async def access_log(self, token: str, limit: int | None = None) -> list[LoggedAccess]:
        """Every line of the access log of the people on the mobile (newest first, all of them
        unless `limit`), each disclosure with its consent record and withdrawal."""
        refs = await self.citizens.reference_ids(token)
        withdrawn = {w.consent_id: w.withdrawn_at for w in await self.rights.withdrawals_for(refs)}
        return [
            LoggedAccess(
                entry,
                stored_consent(entry.consent) if entry.consent else None,
                withdrawn.get(entry.consent_id) if entry.consent_id else None,
            )
            for entry in await self.store.access_log_for(refs, limit)
        ]

    async def consents(self, token: str) -> StandingConsents:
        """The consents still standing: live share links, and unexpired, unwithdrawn
        disclosures."""
        now = self.clock.now()
        links = [link for link in await self.citizens.share_links(token) if link.live(now)]
        return StandingConsents(links, [a for a in await self.access_log(token) if a.stands(now)])

    async def withdraw(self, token: str, consent_id: str) -> Withdrawal:
        """Withdraw the consent behind one disclosure of someone on the mobile: the provider's
        later fetches of the result are refused. A repeat keeps the first time;
        `ConsentNotFound` for a consent of anyone else."""
        found = await self._disclosure(token, consent_id.strip())
        withdrawal = _withdrawal(found, found.withdrawn_at or self.clock.now())
        await self.rights.withdraw(withdrawal)
        return withdrawal

    async def _disclosure(self, token: str, consent_id: str) -> LoggedAccess:
        for logged in await self.access_log(token):
            if consent_id and logged.entry.consent_id == consent_id:
                return logged
        raise ConsentNotFound("No such consent for the people on your mobile.")

    async def erase(self, token: str, *, lift_blocks: bool = False) -> ErasureReport:
        """Erase now what kyvs may erase at the person's request: share links, the OTP channel
        choice, the stored results of their verifications and hosted sessions (their standing
        consents are withdrawn with them), and blocks only when `lift_blocks`."""
        refs = await self.citizens.reference_ids(token)
        mobile = await self.login.mobile_of(token)
        now = self.clock.now()
        logged = await self.access_log(token)
        withdrawn = 0
        for access in logged:
            if access.stands(now):
                await self.rights.withdraw(_withdrawal(access, now))
                withdrawn += 1
        txn_ids = {a.entry.txn_id for a in logged if a.entry.outcome == VERIFIED}
        return ErasureReport(
            share_links=await self.store.delete_share_links(refs),
            otp_channel=await self.channels.forget(mobile),
            verification_results=await self._erase_results(txn_ids, set(refs)),
            hosted_results=await self.hosted.erase_results(txn_ids, at=now) if txn_ids else 0,
            consents_withdrawn=withdrawn,
            blocks_lifted=await self.store.unblock_all(refs) if lift_blocks else None,
        )

    async def _erase_results(self, txn_ids: set[str], refs: set[str]) -> int:
        erased = 0
        for txn_id in sorted(txn_ids):
            txn = await self.verifications.get(txn_id)
            if txn is None or txn.result is None or txn.beneficiary_ref not in refs:
                continue
            blank = dataclasses.replace(txn, result=None, version=txn.version + 1)
            erased += await self.verifications.replace(blank, expected_version=txn.version)
        return erased

    async def file_grievance(
        self, token: str, *, subject: str, text: str, reference: str | None
    ) -> Grievance:
        """File a grievance for the mobile, due in 90 days; `reference`, when given, is a
        consent id or txn id of its access log (`ConsentNotFound` otherwise)."""
        mobile = await self.login.mobile_of(token)
        kind, body = GrievanceSubject.parse(subject), clean_text(text)
        about = (reference or "").strip() or None
        if about is not None:
            entries = [a.entry for a in await self.access_log(token)]
            if not any(about in (e.consent_id, e.txn_id) for e in entries):
                raise ConsentNotFound("No such consent or check for the people on your mobile.")
        grievance = Grievance(
            grievance_id=str(uuid.uuid4()),
            mobile_key=self.mobile_key(mobile),
            mobile_masked=mobile.masked,
            subject=kind,
            text=body,
            reference=about,
            filed_at=self.clock.now(),
        )
        await self.rights.add_grievance(grievance)
        return grievance

    async def grievances(self, token: str) -> list[Grievance]:
        """The grievances filed for the mobile, newest first, with their answers."""
        return await self.rights.grievances_for(self.mobile_key(await self.login.mobile_of(token)))

    async def export(self, token: str) -> Export:
        """Everything kyvs holds about the people on the mobile, every access-log line
        included (no limit)."""
        citizens = self.citizens
        return Export(
            generated_at=self.clock.now(),
            people=await citizens.people(token),
            access=await self.access_log(token),
            blocks=await citizens.blocks(token),
            share_links=await citizens.share_links(token),
            corrections=await citizens.corrections(token),
            grievances=await self.grievances(token),
            otp_channel=await citizens.otp_channel(token),
        )


def _withdrawal(access: LoggedAccess, at: dt.datetime) -> Withdrawal:
    entry = access.entry
    assert entry.consent_id is not None  # noqa: S101 - only disclosures are withdrawn
    return Withdrawal(entry.consent_id, entry.beneficiary_ref, entry.txn_id, at)
