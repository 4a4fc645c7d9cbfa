"""Delivery reports: a gateway's later word on an OTP SMS it took, recorded where it matters.

The txn's delivery becomes `delivered` or `failed`; a failure of the route or the template
(DLT scrubbing, an operator error) counts toward the SMS circuit breaker, as it would fail
everyone's SMS; a failure of the number (switched off, unknown) does not, since it would move
the circuit for a registered pair only. The citizen's access log says the SMS of that check
did not reach them. Providers see none of this: a matched and an unmatched pair look alike.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Protocol

from kyvs.domain.verification import Delivery, VerificationTxn
from kyvs.ports import AccessLog, DeliveryReport, ProviderDirectory, SmsReceiptLog
from kyvs.request_context import log_reference
from kyvs.services.citizen_login import CITIZEN
from kyvs.services.otp_engine import OtpEngine
from kyvs.services.verification import UNDELIVERED, access_entry

log = logging.getLogger(__name__)


def report_token(secret: bytes, gateway: str) -> str:
    """The secret path segment of `gateway`'s report URL (gateways call a URL; few can sign)."""
    digest = hmac.new(secret, b"kyvs/sms-report/" + gateway.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def token_matches(secret: bytes, gateway: str, token: str) -> bool:
    """Whether `token` is `gateway`'s (in constant time)."""
    return hmac.compare_digest(report_token(secret, gateway).encode(), token.encode())


class ReportMetrics(Protocol):
    """What the reports count."""

    def delivery_reported(self, *, gateway: str, state: str) -> None:
        """One report from `gateway` said `state` (delivered, failed, unknown)."""


@dataclass
class DeliveryReports:
    """Records the delivery reports gateways send to kyvs."""

    engine: OtpEngine
    receipts: SmsReceiptLog
    access_log: AccessLog
    providers: ProviderDirectory
    metrics: ReportMetrics

    async def record(self, report: DeliveryReport) -> str:
        """Record one report; what it was taken as: `delivered`, `failed` or `unknown` (a
        message kyvs does not know, forgot, or whose OTP a resend has replaced)."""
        sent = await self.receipts.find(report.gateway, report.message_id)
        delivery = Delivery.DELIVERED if report.delivered else Delivery.FAILED
        txn = await self.engine.reported(sent, delivery) if sent is not None else None
        state = "unknown" if txn is None else str(delivery)
        self.metrics.delivery_reported(gateway=report.gateway, state=state)
        if txn is None or report.delivered:
            return state
        log.warning(
            "OTP SMS of txn %s not delivered (%s report: %s)",
            log_reference(txn.txn_id),
            report.gateway,
            report.detail or "failed",
        )
        if report.carrier_failing:
            await self.engine.health.record(ok=False, started=self.engine.now())
        await self._tell_the_citizen(txn)
        return state

    async def _tell_the_citizen(self, txn: VerificationTxn) -> None:
        if txn.provider_id == CITIZEN or txn.beneficiary_ref is None:
            return  # a citizen's own login: they are looking at the OTP screen
        provider = await self.providers.provider(txn.provider_id)
        if provider is None:
            return
        await self.access_log.record(access_entry(provider, txn, UNDELIVERED, self.engine.now()))
