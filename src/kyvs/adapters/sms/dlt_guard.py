"""The last check before a carrier: never hand over a text that does not match its template.

Indian carriers drop an SMS whose text does not match the DLT template it names, so sending one
costs money and delivers nothing. A mismatch means a bug or a tampered registry: refuse, count
it (in `kyvs_sms_refused_total`, by reason: alerted) and log it without the text.
"""

from __future__ import annotations

import logging
from typing import Protocol

from kyvs.ports import SmsMessage, SmsNotDelivered, SmsReceipt, SmsSender

log = logging.getLogger(__name__)


class RefusalMetrics(Protocol):
    """What the guard reports."""

    def sms_refused_by_kyvs(self, reason: str) -> None:
        """One SMS kyvs would not send."""


class DltGuardedSms:
    """An `SmsSender` decorator: passes on only messages that match their DLT template.

    `require_template` refuses messages without one (a deployment in India); without it, such
    messages (the outbox, a gateway abroad) pass as they are.
    """

    def __init__(
        self, inner: SmsSender, metrics: RefusalMetrics, *, require_template: bool = True
    ) -> None:
        self.inner = inner
        self.metrics = metrics
        self.require_template = require_template

    async def send(self, message: SmsMessage) -> SmsReceipt | None:
        """Send `message` through the wrapped sender if its text matches its template."""
        template = message.dlt
        if template is None:
            if self.require_template:
                self._refuse(message, "no-template")
            return await self.inner.send(message)
        if not template.matches(message.text):
            self._refuse(message, "template-mismatch")
        return await self.inner.send(message)

    def _refuse(self, message: SmsMessage, reason: str) -> None:
        self.metrics.sms_refused_by_kyvs(reason)
        template_id = message.dlt.template_id if message.dlt is not None else "none"
        log.error(
            "SMS (%s, %s) refused before sending: %s (template %s)",
            message.category,
            message.language,
            reason,
            template_id,
        )
        raise SmsNotDelivered(f"refused before sending: {reason}", carrier_failing=False)
