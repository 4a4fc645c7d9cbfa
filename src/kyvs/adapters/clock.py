"""The system clock, behind the `Clock` port so tests can fix the date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


class SystemClock:
    """Reads the real time, in UTC."""

    def now(self) -> dt.datetime:
        """The current time, timezone-aware UTC."""
        return dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        """Today's date in UTC."""
        return self.now().date()


@dataclass
class FixedClock:
    """A clock stopped at one moment (tests, and replaying past checks)."""

    moment: dt.datetime

    def now(self) -> dt.datetime:
        """The fixed moment."""
        return self.moment

    def today(self) -> dt.date:
        """The fixed moment's date."""
        return self.moment.date()
