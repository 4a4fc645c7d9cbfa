"""The CoWIN facade's status tokens: confirming a KYC-VS OTP gives a short-lived bearer token
that the status call exchanges for the stored, scope-filtered result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kyvs.domain import tokens
from kyvs.domain.errors import TxnNotFound
from kyvs.domain.providers import Provider
from kyvs.ports import ProviderDirectory
from kyvs.services.otp_engine import OtpEngine
from kyvs.services.verification import Verifier

STATUS_TOKEN_KIND = "cowin-status"  # noqa: S105 - a token kind, not a secret
STATUS_TOKEN_S = 15 * 60


@dataclass
class CowinStatus:
    """Confirm-then-status, CoWIN's way, on the verifier."""

    verifier: Verifier
    engine: OtpEngine
    directory: ProviderDirectory
    secret: bytes

    async def confirm(self, *, provider: Provider, txn_id: str, otp_digest: str) -> str:
        """Confirm the OTP; the bearer token for the status call (valid 15 minutes)."""
        result = await self.verifier.confirm(
            provider=provider, txn_id=txn_id, otp_digest=otp_digest, channel="cowin"
        )
        expires = int(self.engine.now().timestamp()) + STATUS_TOKEN_S
        return tokens.issue(
            self.secret, kind=STATUS_TOKEN_KIND, subject=result["txn_id"], expires_at_s=expires
        )

    async def status(self, bearer: str) -> dict[str, Any] | None:
        """The verified result a token stands for, or None (invalid, expired, not verified)."""
        now_s = self.engine.now().timestamp()
        txn_id = tokens.read(self.secret, kind=STATUS_TOKEN_KIND, token=bearer, now_s=now_s)
        txn = await self.engine.find(txn_id) if txn_id else None
        provider = await self.directory.provider(txn.provider_id) if txn else None
        if txn is None or provider is None:
            return None
        try:
            return await self.verifier.verified_result(provider=provider, txn_id=txn.txn_id)
        except TxnNotFound:
            return None
