"""Citizen self-service: the people on my mobile, who checked them, blocks, corrections, sharing.

Every call starts from a session token (mobile + OTP login); a citizen only ever reaches the
people registered on the mobile they proved they hold. Anything else reads as absent.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kyvs.domain.citizen import (
    Correction,
    CorrectionAction,
    NameOnCard,
    ShareLink,
    share_expiry,
    shown_name,
)
from kyvs.domain.doses import DoseKind, parse_date
from kyvs.domain.errors import BeneficiaryNotFound, InvalidInput
from kyvs.domain.otp_channel import OtpChannel
from kyvs.domain.people import Registration
from kyvs.domain.providers import ProviderNotFound
from kyvs.domain.rules import RuleSet
from kyvs.domain.signing_keys import SHARE_CLAIM
from kyvs.domain.status import Status, status_of
from kyvs.ports import (
    AccessEntry,
    Block,
    ChannelPreferences,
    CitizenStore,
    Clock,
    ProviderDirectory,
    RegistryReader,
    Signer,
)
from kyvs.services.citizen_login import CitizenLogin

SHARE_CLAIM_ISSUER = SHARE_CLAIM.issuer


class ShareLinkGone(BeneficiaryNotFound):
    """The share link does not exist, expired or was revoked."""

    slug = "share-link-not-found"
    title = "This status link is no longer valid"


@dataclass(frozen=True, slots=True)
class PersonStatus:
    """A person on the citizen's mobile, with their status today."""

    registration: Registration
    status: Status


@dataclass
class CitizenService:
    """The use cases behind `/me` and `/api/v1/citizen/*`."""

    login: CitizenLogin
    store: CitizenStore
    directory: ProviderDirectory
    registry: RegistryReader
    rules: RuleSet
    clock: Clock
    signer: Signer
    verify_claim: Callable[[str, dt.datetime], dict[str, Any] | None]  # None: not valid
    channels: ChannelPreferences | None = None  # None: this server offers no channel but SMS

    async def people(self, token: str) -> list[PersonStatus]:
        """Everyone on the logged-in mobile, with status, doses and precaution due date."""
        mobile = await self.login.mobile_of(token)
        today = self.clock.today()
        found = []
        for ref, _ in await self.registry.names_on_mobile(mobile):
            registration = await self.registry.registration(ref)
            if registration is not None:
                found.append(
                    PersonStatus(registration, status_of(registration.doses, self.rules, today))
                )
        return sorted(found, key=lambda p: p.registration.beneficiary.full_name)

    async def reference_ids(self, token: str) -> list[str]:
        """The reference ids of everyone on the logged-in mobile."""
        return await self._refs(token)

    async def _refs(self, token: str) -> list[str]:
        mobile = await self.login.mobile_of(token)
        return [ref for ref, _ in await self.registry.names_on_mobile(mobile)]

    async def _own(self, token: str, reference_id: str) -> str:
        refs = await self._refs(token)
        ref = reference_id.strip()
        if ref not in refs:
            raise BeneficiaryNotFound("No such person on your mobile.")
        return ref

    async def otp_channel(self, token: str) -> OtpChannel | None:
        """The channel the mobile's OTPs go by; None when the server offers only SMS."""
        mobile = await self.login.mobile_of(token)
        return None if self.channels is None else await self.channels.get(mobile)

    async def choose_otp_channel(self, token: str, channel: str) -> OtpChannel:
        """Send the mobile's OTPs by `channel` from now on (`InvalidInput` for an unknown
        channel, or WhatsApp on a server that does not offer it)."""
        mobile = await self.login.mobile_of(token)
        chosen = OtpChannel.parse(channel)
        if self.channels is None:
            if chosen is OtpChannel.SMS:
                return chosen
            raise InvalidInput("This server sends OTPs by SMS only.", reason_id="otp-channel")
        await self.channels.set(mobile, chosen)
        return chosen

    async def access_log(self, token: str, limit: int | None = 200) -> list[AccessEntry]:
        """Every check of the people on the mobile: who, why, what was disclosed, how it ended."""
        return await self.store.access_log_for(await self._refs(token), limit)

    async def block(self, token: str, *, provider_id: str, reference_id: str | None) -> list[Block]:
        """Block a provider for one person, or (no reference id) for everyone on the mobile."""
        if await self.directory.provider(provider_id) is None:
            raise ProviderNotFound("No provider with that id.")
        refs = [await self._own(token, reference_id)] if reference_id else await self._refs(token)
        now = self.clock.now()
        added = [Block(ref, provider_id, now) for ref in refs]
        for entry in added:
            await self.store.block(entry)
        return added

    async def unblock(self, token: str, *, provider_id: str, reference_id: str | None) -> None:
        """Lift a block."""
        refs = [await self._own(token, reference_id)] if reference_id else await self._refs(token)
        for ref in refs:
            await self.store.unblock(ref, provider_id)

    async def blocks(self, token: str) -> list[Block]:
        """The blocks of the people on the mobile."""
        return await self.store.blocks_for(await self._refs(token))

    async def raise_correction(
        self,
        token: str,
        *,
        reference_id: str,
        action: str,
        dose_number: int | None,
        vaccine: str | None,
        date: str | None,
        kind: str | None,
        note: str,
    ) -> Correction:
        """Ask an operator to fix a dose event; nothing changes until it is accepted."""
        ref = await self._own(token, reference_id)
        try:
            wanted = CorrectionAction(action)
        except ValueError:
            raise InvalidInput(
                "Action is add-dose, change-dose or remove-dose.", reason_id="correction-action"
            ) from None
        catalogue = self.rules.catalogue
        correction = Correction(
            correction_id=str(uuid.uuid4()),
            beneficiary_ref=ref,
            action=wanted,
            dose_number=dose_number,
            vaccine=catalogue.find(vaccine).code if vaccine else None,
            date=parse_date(date) if date else None,
            kind=DoseKind.parse(kind) if kind else None,
            note=note.strip(),
            created_at=self.clock.now(),
        )
        await self.store.add_correction(correction)
        return correction

    async def corrections(self, token: str) -> list[Correction]:
        """The corrections raised for the people on the mobile."""
        return await self.store.corrections_for(await self._refs(token))

    async def share(
        self, token: str, *, reference_id: str, days: int, name_on_card: str, language: str
    ) -> ShareLink:
        """A public status link (for a share card's QR): a signed claim that expires in `days`."""
        ref = await self._own(token, reference_id)
        try:
            mode = NameOnCard(name_on_card)
        except ValueError:
            raise InvalidInput(
                "Name on card is full, initials or hidden.", reason_id="name-on-card"
            ) from None
        registration = await self.registry.registration(ref)
        if registration is None:
            raise BeneficiaryNotFound("No such person on your mobile.")
        now = self.clock.now()
        expires = share_expiry(now, days)
        status = status_of(registration.doses, self.rules, now.date())
        link_id = secrets.token_urlsafe(16)
        claims = {
            "iss": SHARE_CLAIM_ISSUER,
            "jti": link_id,
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
            "kyvs_share": {
                "vaccination_status": int(status.code),
                "status": status.code.name,
                "precaution_dose": status.precaution,
                "name": shown_name(registration.beneficiary.full_name, mode),
                "as_of": now.date().isoformat(),
            },
        }
        link = ShareLink(
            link_id, ref, self.signer.sign(claims, kind=SHARE_CLAIM), language, now, expires
        )
        await self.store.add_share_link(link)
        return link

    async def share_links(self, token: str) -> list[ShareLink]:
        """The share links of the people on the mobile."""
        return await self.store.share_links_for(await self._refs(token))

    async def revoke_share(self, token: str, link_id: str) -> None:
        """Revoke a share link of a person on the mobile (its page then says it is invalid)."""
        link = await self.store.share_link(link_id)
        if link is None or link.beneficiary_ref not in await self._refs(token):
            raise ShareLinkGone("No such share link.")
        await self.store.revoke_share_link(link_id, at=self.clock.now())

    async def own_share_link(self, token: str, link_id: str) -> ShareLink:
        """A share link of a person on the mobile (for rendering its card)."""
        link = await self.store.share_link(link_id)
        if link is None or link.beneficiary_ref not in await self._refs(token):
            raise ShareLinkGone("No such share link.")
        return link

    async def public_share(self, link_id: str) -> tuple[ShareLink, dict[str, Any]]:
        """A live link and its verified claim; expired, revoked or unknown links are gone."""
        link = await self.store.share_link(link_id) if len(link_id) < 40 else None
        now = self.clock.now()
        if link is None or not link.live(now):
            raise ShareLinkGone("This status link has expired or was revoked.")
        claims = self.verify_claim(link.claim, now)
        if claims is None:
            raise ShareLinkGone("This status link could not be verified.")
        shared: dict[str, Any] = claims["kyvs_share"]
        return link, shared
