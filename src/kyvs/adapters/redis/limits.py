"""Rate-limit window counters in Redis, with the same semantics as `SqlRateLimiter`.

Each limit counts events in fixed windows under `kyvs:{lim:<key>}:<window_start>`; the hash tag
puts a limit's current and previous window in one cluster slot. A Lua script checks and counts
a group of limits all or nothing, atomically:

- on a single Redis, every limit of an acquire goes into one script call;
- on a Redis Cluster, the limits of one acquire usually live in different slots (provider key,
  mobile), so each limit runs its own script in order and, if a later one denies, the earlier
  increments are rolled back. A crash (or lost connection) in between leaves an earlier counter
  one too high until it expires: counts can only be over-counted, briefly, never under-counted,
  which errs on the safe side for abuse limits. For the same reason a concurrent acquire may
  see such a pending increment and be denied although, in the end, there was room.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis, RedisCluster

from kyvs.adapters.redis.client import ready
from kyvs.domain.limits import Limit, estimated, retry_after_s
from kyvs.ports import Denied

# KEYS: per limit, its current and previous window counter.
# ARGV: per limit, its count, the weight of the previous window, and the counter's TTL in ms.
# Returns {0} when every limit had room (all counted), else {i, current, previous} of the
# first full limit (nothing counted). `previous * weight + current` is the domain's estimate.
CHECK_AND_COUNT = """
local n = #KEYS / 2
local seen = {}
for i = 1, n do
  local current = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
  local previous = 0
  local weight = tonumber(ARGV[3 * i - 1])
  if weight ~= 0 then
    previous = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
  end
  if previous * weight + (current + 1) > tonumber(ARGV[3 * i - 2]) then
    return {i, current, previous}
  end
end
for i = 1, n do
  redis.call('INCR', KEYS[2 * i - 1])
  redis.call('PEXPIRE', KEYS[2 * i - 1], ARGV[3 * i])
end
return {0}
"""

# Undo one count (cluster rollback); never below zero, never on a counter that has expired.
UNCOUNT = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then
  return redis.call('DECR', KEYS[1])
end
return 0
"""


@dataclass(frozen=True, slots=True)
class _Window:
    """One limit's two counter keys and script arguments at `now_s`."""

    limit: Limit
    current_key: str
    previous_key: str
    weight: float  # what one event of the previous window counts for now (0: fixed)
    ttl_ms: int  # the current counter lives until its window is the previous one, then goes


class RedisRateLimiter:
    """Sliding (or fixed, for daily quotas) window limits in Redis; all limits or none."""

    def __init__(self, client: Redis | RedisCluster, *, prefix: str = "kyvs") -> None:
        self.client = client
        self.prefix = prefix
        self._check_and_count = client.register_script(CHECK_AND_COUNT)
        self._uncount = client.register_script(UNCOUNT)
        self._one_script = not isinstance(client, RedisCluster)

    def counter_key(self, limit: Limit, window_start: int) -> str:
        """The counter of `limit` for the window starting at `window_start`."""
        return f"{self.prefix}:{{lim:{limit.key}}}:{window_start}"

    async def acquire(self, limits: Sequence[Limit], *, now_s: float) -> Denied | None:
        """Count one event against every limit, or none of them if any limit is full."""
        await ready(self.client)
        windows = [self._window(limit, now_s) for limit in limits]
        if self._one_script or len(windows) <= 1:
            return await self._check(windows, now_s)
        counted: list[_Window] = []
        denied: Denied | None = None
        try:
            for window in windows:
                denied = await self._check([window], now_s)
                if denied is not None:
                    break
                counted.append(window)
        except BaseException:  # cancelled or disconnected half-way: undo what was counted
            await self._rollback(counted)
            raise
        if denied is not None:
            await self._rollback(counted)
        return denied

    async def full(self, limit: Limit, *, now_s: float) -> bool:
        """Whether one more event would be refused (reads the two windows, counts nothing)."""
        await ready(self.client)
        window = self._window(limit, now_s)
        current, previous = await self.client.mget([window.current_key, window.previous_key])
        before = int(previous or 0) if limit.sliding else 0
        return estimated(limit, now_s, int(current or 0) + 1, before) > limit.count

    def _window(self, limit: Limit, now_s: float) -> _Window:
        start = limit.window_start(now_s)
        # The domain's estimate with one previous event and no current ones is the weight
        # itself, so the script's `previous * weight + current` is exactly `estimated(...)`.
        weight = estimated(limit, now_s, 0, 1)
        ttl_s = start + 2 * limit.window_s - now_s
        return _Window(
            limit,
            self.counter_key(limit, start),
            self.counter_key(limit, start - limit.window_s),
            weight,
            max(math.ceil(ttl_s * 1000), 1),
        )

    async def _check(self, windows: Sequence[_Window], now_s: float) -> Denied | None:
        keys = [key for w in windows for key in (w.current_key, w.previous_key)]
        args = [value for w in windows for value in (w.limit.count, repr(w.weight), w.ttl_ms)]
        reply = await self._check_and_count(keys=keys, args=args)
        index = int(reply[0])
        if index == 0:
            return None
        limit = windows[index - 1].limit
        current, previous = int(reply[1]), int(reply[2])
        return Denied(limit, retry_after_s(limit, now_s, current, previous))

    async def _rollback(self, counted: Sequence[_Window]) -> None:
        for window in reversed(counted):
            await self._uncount(keys=[window.current_key])
