"""The people's phones in the end-to-end tests: the demo SMS outbox, read in the test process
through the same reader `kyvs sms outbox` uses (a CLI process per poll costs a second each;
`tests/e2e/test_readme_first_hour.py` and `tests/integration/test_sms_outbox.py` test the
command itself)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from kyvs.adapters.sms.outbox import OutboxReader
from kyvs.adapters.sql.engine import make_engine
from kyvs.domain.mobile import MobileNumber
from kyvs.ports import OutboxEntry

OTP = re.compile(r"\b[0-9]{6}\b")
WAIT_S = 10


@dataclass
class Phones:
    """Every phone of one deployment: what reached each mobile, newest first."""

    database_url: str
    handed_out: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._engine = make_engine(self.database_url)
        self._reader = OutboxReader(self._engine)

    def messages(self, mobile: str, last: int = 200) -> list[OutboxEntry]:
        """The newest `last` SMS to `mobile`, newest first."""
        return self._reader.latest(last, mobile=MobileNumber.parse(mobile))

    def count(self, mobile: str) -> int:
        """How many SMS reached `mobile` so far."""
        return len(self.messages(mobile, last=10_000))

    def otp_after(self, mobile: str, seen: int) -> str:
        """The OTP of the newest SMS to `mobile` once more than `seen` have arrived (an SMS
        leaves after the response that caused it, so wait for it)."""
        return otp_in(self.arrived_after(mobile, seen)[0].text)

    def arrived_after(self, mobile: str, seen: int) -> list[OutboxEntry]:
        """Every SMS to `mobile`, newest first, once more than `seen` have arrived."""
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            messages = self.messages(mobile, last=10_000)
            if len(messages) > seen:
                return messages
            time.sleep(0.05)
        raise AssertionError(f"no new SMS reached {mobile} in {WAIT_S} s")

    def newest_otp(self, mobile: str) -> str:
        """The OTP of the newest SMS to `mobile`, waiting for one this object has not handed
        out before."""
        messages = self.arrived_after(mobile, self.handed_out.get(mobile, 0))
        self.handed_out[mobile] = len(messages)
        return otp_in(messages[0].text)

    def close(self) -> None:
        """Let go of the database."""
        self._engine.dispose()


def otp_in(text: str) -> str:
    """The six-digit OTP an SMS carries."""
    found = OTP.search(text)
    assert found, f"no OTP in the SMS: {text}"
    return found.group(0)
