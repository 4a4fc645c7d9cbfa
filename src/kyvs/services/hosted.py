"""The hosted website flow: a provider's server opens a session, the person's browser runs it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from kyvs.domain.errors import PurposeNotAllowed, TxnAlreadyUsed
from kyvs.domain.hosted import (
    SESSION_LIFETIME,
    HostedSession,
    HostedSessionGone,
    check_nonce,
    check_return_url,
)
from kyvs.domain.providers import Provider
from kyvs.ports import HostedSessionStore, ProviderDirectory
from kyvs.services.verification import Started, Verifier, digest_of_plain_otp


@dataclass(frozen=True, slots=True)
class HostedView:
    """A session as its browser sees it; `shows_result` only on the first view of the result."""

    session: HostedSession
    provider: Provider
    shows_result: bool = False


@dataclass
class HostedFlow:
    """Hosted sessions on top of the verification engine."""

    store: HostedSessionStore
    directory: ProviderDirectory
    verifier: Verifier

    async def create(
        self,
        *,
        provider: Provider,
        return_url: str,
        purpose: str,
        language: str,
        nonce: str | None = None,
    ) -> HostedSession:
        """Open a session for one check; the return URL must be allow-listed exactly, and the
        provider's `nonce` (echoed in the attestation) is 1 to 128 URL-safe characters."""
        if purpose not in provider.purposes:
            raise PurposeNotAllowed(f"Purpose {purpose!r} is not allowed for this provider.")
        now = self.verifier.engine.now()
        session = HostedSession(
            session_id=str(uuid.uuid4()),
            provider_id=provider.provider_id,
            return_url=check_return_url(return_url, provider.return_urls),
            purpose=purpose,
            language=language,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
            nonce=check_nonce(nonce),
        )
        await self.store.create(session)
        return session

    async def open(self, session_id: str, *, browser: str) -> tuple[HostedSession, Provider]:
        """A live session and its provider, or `HostedSessionGone` (also for a browser other
        than the one the session is bound to: it learns nothing more than for no session)."""
        session = await self.store.get(session_id) if _is_uuid(session_id) else None
        if (
            session is None
            or session.expired(self.verifier.engine.now())
            or not session.belongs_to(browser)
        ):
            raise HostedSessionGone("This check has expired or does not exist; start again.")
        provider = await self.directory.provider(session.provider_id)
        if provider is None or not provider.active:
            raise HostedSessionGone("This provider can no longer run checks.")
        return session, provider

    async def view(self, session_id: str, *, browser: str) -> HostedView:
        """The session for its browser's page; a finished one shows its result once."""
        session, provider = await self.open(session_id, browser=browser)
        if session.result is None or session.result_shown_at is not None:
            return HostedView(session, provider)
        await self._save(session, session.result_shown(self.verifier.engine.now()))
        return HostedView(session, provider, shows_result=True)

    async def _unfinished(self, session_id: str, browser: str) -> tuple[HostedSession, Provider]:
        session, provider = await self.open(session_id, browser=browser)
        if session.result is not None:
            raise TxnAlreadyUsed("This check is complete; its result cannot change.")
        return session, provider

    async def submit_details(
        self, session_id: str, *, browser: str, full_name: str, mobile: str
    ) -> Started:
        """Start the verification for the person's name and mobile; an OTP is on its way.

        Only from the details step, at most `MAX_STARTS` times; the first start binds the
        session to `browser` (the secret in its cookie)."""
        session, provider = await self._unfinished(session_id, browser)
        session.check_can_start()
        # Two racing submits may both start a txn; the compare-and-set keeps one, so the
        # count of starts stays exact.
        started = await self.verifier.start(
            provider=provider,
            full_name=full_name,
            mobile=mobile,
            purpose=session.purpose,
            language=session.language,
        )
        await self._save(session, session.with_txn(started.txn_id, browser))
        return started

    async def submit_otp(self, session_id: str, *, browser: str, otp: str) -> dict[str, Any]:
        """Confirm the OTP; on success the session keeps the signed result, whose claims name
        the session (and the provider's nonce)."""
        session, provider = await self._unfinished(session_id, browser)
        if session.txn_id is None:
            raise HostedSessionGone("Enter your name and mobile first.")
        result = await self.verifier.confirm(
            provider=provider,
            txn_id=session.txn_id,
            otp_digest=digest_of_plain_otp(otp),
            channel="hosted",
            bound_to=session.claims,
        )
        await self._save(session, session.with_result(result["attestation"]))
        return result

    async def resend(self, session_id: str, *, browser: str) -> Started:
        """Send a fresh OTP for the session's verification."""
        session, provider = await self._unfinished(session_id, browser)
        if session.txn_id is None:
            raise HostedSessionGone("Enter your name and mobile first.")
        return await self.verifier.resend(provider=provider, txn_id=session.txn_id)

    async def restart(self, session_id: str, *, browser: str) -> None:
        """Go back to the details screen (a typo in the name or mobile)."""
        session, _ = await self._unfinished(session_id, browser)
        await self._save(session, session.restarted())

    async def result_for(self, provider: Provider, session_id: str) -> HostedSession:
        """The provider's own session (its server fetches the result); others' are absent, and
        one whose consent the person withdrew is `ConsentWithdrawn`."""
        session = await self.store.get(session_id) if _is_uuid(session_id) else None
        if session is None or session.provider_id != provider.provider_id:
            raise HostedSessionGone("No hosted session with that id.")
        if session.txn_id is not None:
            await self.verifier.refuse_withdrawn(session.txn_id)
        return session

    async def _save(self, old: HostedSession, new: HostedSession) -> None:
        if not await self.store.replace(new, expected_version=old.version):
            raise TxnAlreadyUsed("This check changed in another window; reload the page.")


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False
