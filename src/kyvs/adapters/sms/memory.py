"""An SMS sender that keeps messages in a list: the test double for services."""

from __future__ import annotations

from dataclasses import dataclass, field

from kyvs.domain.mobile import MobileNumber
from kyvs.ports import SmsMessage, SmsNotDelivered, SmsReceipt

GATEWAY = "memory"


@dataclass
class MemorySms:
    """Keeps every delivered message; `fail_times` makes the next sends fail first."""

    messages: list[SmsMessage] = field(default_factory=list)
    fail_times: int = 0
    attempts: int = 0

    async def send(self, message: SmsMessage) -> SmsReceipt:
        """Keep the message, or raise `SmsNotDelivered` while failures are still due; the
        receipt's id is `memory-<n>` for the n-th message kept."""
        self.attempts += 1
        if self.fail_times > 0:
            self.fail_times -= 1
            raise SmsNotDelivered("the in-memory carrier was told to fail")
        self.messages.append(message)
        return SmsReceipt(GATEWAY, f"{GATEWAY}-{len(self.messages)}")

    def to(self, mobile: MobileNumber) -> list[SmsMessage]:
        """The messages delivered to `mobile`, oldest first."""
        return [m for m in self.messages if m.to == mobile]

    @property
    def last(self) -> SmsMessage:
        """The latest delivered message (IndexError when none)."""
        return self.messages[-1]
