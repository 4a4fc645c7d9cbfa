"""An SMS receipt log in a dict: the test double, and the store of a single process."""

from __future__ import annotations

from dataclasses import dataclass, field

from kyvs.ports import SentSms


@dataclass
class MemorySmsReceiptLog:
    """Keeps every receipt, by gateway and the gateway's id."""

    sent: dict[tuple[str, str], SentSms] = field(default_factory=dict)

    async def keep(self, sent: SentSms) -> None:
        """Remember the message (the first of a duplicated id stays)."""
        self.sent.setdefault((sent.gateway, sent.message_id), sent)

    async def find(self, gateway: str, message_id: str) -> SentSms | None:
        """The message, or None."""
        return self.sent.get((gateway, message_id))
