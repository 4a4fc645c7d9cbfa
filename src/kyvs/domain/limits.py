"""Rate limits as sliding windows (or fixed, for daily quotas): pure arithmetic, no storage."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `count` events per `window_s` for `key`.

    A sliding limit estimates the last `window_s` seconds from the current and previous fixed
    windows (the previous one weighted by how much of it still overlaps); a fixed limit (a daily
    quota) resets at each window boundary (UTC midnight for a day).
    """

    key: str
    count: int
    window_s: int
    sliding: bool = True
    reason: str = "rate-limited"

    def window_start(self, now_s: float) -> int:
        """The start of the fixed window holding `now_s` (epoch seconds)."""
        return int(now_s // self.window_s) * self.window_s


def estimated(limit: Limit, now_s: float, current: int, previous: int) -> float:
    """How many events the limit sees at `now_s`, given the two windows' counters."""
    if not limit.sliding:
        return float(current)
    elapsed = now_s - limit.window_start(now_s)
    return previous * (1 - elapsed / limit.window_s) + current


def retry_after_s(limit: Limit, now_s: float, current: int, previous: int) -> int:
    """Seconds until one more event fits under the limit (at least 1)."""
    start = limit.window_start(now_s)
    to_next_window = start + limit.window_s - now_s
    if not limit.sliding:
        return max(math.ceil(to_next_window), 1)
    w = limit.window_s
    room = limit.count - 1  # the estimate must drop to count - 1 before one more fits
    if current <= room and previous > 0:
        # previous * (1 - t / w) + current <= room  =>  t >= w * (1 - (room - current) / previous)
        needed = w * (1 - (room - current) / previous)
        return max(math.ceil(needed - (now_s - start)), 1)
    # The current window alone is full: wait for it to become the previous window and fade.
    fade = w * (1 - room / current) if current > 0 else 0.0
    return max(math.ceil(to_next_window + fade), 1)
