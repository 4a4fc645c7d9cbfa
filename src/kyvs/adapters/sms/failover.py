"""An ordered list of SMS gateways: a failing one hands the message to the next.

Each gateway has a circuit of its own in this process: after `failures_to_open` failures in a
row it is skipped for `open_s` seconds, then tried again by the next message. A message goes on
to the next gateway only when the one before surely did not take it (timeouts before sending,
connection errors, 5xx, refused credentials, a DLT rejection, an open circuit). When a gateway
may have taken it (a timeout after the request was sent) it goes nowhere else, so a person never
gets one OTP twice from two routes; a number a gateway refuses would be refused by every one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from kyvs.ports import SmsMessage, SmsNotDelivered, SmsReceipt, SmsSender

log = logging.getLogger(__name__)


class GatewayMetrics(Protocol):
    """What the failover reports, per gateway."""

    def gateway_failed(self, gateway: str) -> None:
        """One send failed at (or skipped) `gateway`."""

    def gateway_handed_over(self, gateway: str) -> None:
        """One message went on to the next gateway after `gateway`."""


@dataclass
class GatewayCircuit:
    """One gateway's recent failures in this process."""

    failures_to_open: int
    open_s: float
    failures: int = 0
    open_until: float = 0.0

    def is_open(self, now: float) -> bool:
        """Whether the gateway is skipped now."""
        return now < self.open_until

    def failed(self, now: float) -> None:
        """Count a failure; open the circuit at `failures_to_open` in a row."""
        self.failures += 1
        if self.failures >= self.failures_to_open:
            self.open_until = now + self.open_s

    def succeeded(self) -> None:
        """Close the circuit."""
        self.failures = 0
        self.open_until = 0.0


class FailoverSms:
    """An `SmsSender` over named gateways, tried in order."""

    def __init__(
        self,
        gateways: Sequence[tuple[str, SmsSender]],
        *,
        metrics: GatewayMetrics | None = None,
        failures_to_open: int = 3,
        open_s: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        names = [name for name, _ in gateways]
        if not gateways or len(set(names)) != len(names):
            raise ValueError("at least one gateway, each name once")
        self.gateways = tuple(gateways)
        self.metrics = metrics
        self.circuits = {name: GatewayCircuit(failures_to_open, open_s) for name in names}
        self._monotonic = monotonic

    async def send(self, message: SmsMessage) -> SmsReceipt:
        """Send through the first gateway that takes the message; raise the last failure."""
        last: SmsNotDelivered | None = None
        for position, (name, sender) in enumerate(self.gateways):
            circuit = self.circuits[name]
            if circuit.is_open(self._monotonic()):
                self._failed(name)
                last = SmsNotDelivered(f"the {name} SMS gateway is failing (circuit open)")
            else:
                try:
                    receipt = await sender.send(message)
                except SmsNotDelivered as error:
                    if error.carrier_failing:
                        circuit.failed(self._monotonic())
                        self._failed(name)
                    if not error.carrier_failing or error.maybe_taken:
                        raise
                    last = error
                else:
                    circuit.succeeded()
                    return SmsReceipt(name, receipt.message_id if receipt else None)
            if position + 1 < len(self.gateways):
                if self.metrics is not None:
                    self.metrics.gateway_handed_over(name)
                log.warning("SMS (%s) handed over from gateway %s", message.category, name)
        raise last or SmsNotDelivered("no SMS gateway")

    def _failed(self, name: str) -> None:
        if self.metrics is not None:
            self.metrics.gateway_failed(name)
