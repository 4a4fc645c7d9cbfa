"""The SMS health log in Redis (or Redis Cluster), shared by every worker.

Keys (one `{sms-health}` hash tag, so one cluster slot and one atomic script):
- `kyvs:{sms-health}:state`: HASH of the latest success and the latest real outcome;
- `kyvs:{sms-health}:failures`: ZSET of failures scored by their time (epoch seconds).
Both expire `keep` after the last write, and failures older than `keep` are trimmed on write.
"""

from __future__ import annotations

import datetime as dt
import uuid

from redis.asyncio import Redis, RedisCluster

from kyvs.adapters.redis.client import ready, text
from kyvs.domain.sms_health import HealthView, SmsOutcome

KEEP = dt.timedelta(hours=1)

# KEYS: state, failures. ARGV: at (epoch s), ok (1/0), echo (1/0), duration (s), a unique
# member, the trim cutoff (epoch s), the TTL in ms.
RECORD = """
if ARGV[2] == '1' then
  local last = tonumber(redis.call('HGET', KEYS[1], 'success_at') or '0')
  if tonumber(ARGV[1]) > last then redis.call('HSET', KEYS[1], 'success_at', ARGV[1]) end
else
  redis.call('ZADD', KEYS[2], ARGV[1], ARGV[5])
end
if ARGV[3] == '0' then
  local last = tonumber(redis.call('HGET', KEYS[1], 'real_at') or '0')
  if tonumber(ARGV[1]) >= last then
    redis.call('HSET', KEYS[1], 'real_at', ARGV[1], 'real_ok', ARGV[2], 'real_s', ARGV[4])
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[7])
redis.call('PEXPIRE', KEYS[2], ARGV[7])
"""


class RedisSmsHealthLog:
    """Outcomes in Redis: the latest success and real outcome in a hash, failures in a ZSET."""

    def __init__(
        self, client: Redis | RedisCluster, *, prefix: str = "kyvs", keep: dt.timedelta = KEEP
    ) -> None:
        self.client = client
        self.keep = keep
        self.state_key = f"{prefix}:{{sms-health}}:state"
        self.failures_key = f"{prefix}:{{sms-health}}:failures"
        self._record = client.register_script(RECORD)

    async def record(self, outcome: SmsOutcome) -> None:
        """Keep one outcome (one script: atomic, one slot)."""
        await ready(self.client)
        at = outcome.at.timestamp()
        await self._record(
            keys=[self.state_key, self.failures_key],
            args=[
                repr(at),
                int(outcome.ok),
                int(outcome.echo),
                repr(outcome.duration_s),
                f"{at!r}:{uuid.uuid4().hex}",
                repr(at - self.keep.total_seconds()),
                int(self.keep.total_seconds() * 1000),
            ],
        )

    async def view(self, *, since: dt.datetime, limit: int) -> HealthView:
        """The latest success and real outcome, and the newest `limit` failures since `since`."""
        await ready(self.client)
        state = {text(k): text(v) for k, v in (await self.client.hgetall(self.state_key)).items()}
        # Members are "<epoch s>:<unique hex>": their time reads back without the float score.
        found = await self.client.zrevrangebyscore(
            self.failures_key, "+inf", since.timestamp(), start=0, num=limit
        )
        real = None
        if "real_at" in state:
            real = SmsOutcome(
                _moment(float(state["real_at"])),
                state["real_ok"] == "1",
                False,
                float(state["real_s"]),
            )
        return HealthView(
            last_success_at=_moment(float(state["success_at"])) if "success_at" in state else None,
            last_real=real,
            failures=tuple(_moment(float(text(m).split(":")[0])) for m in found),
        )

    async def failed_between(self, start: dt.datetime, end: dt.datetime) -> bool:
        """True when a failure was recorded from `start` to `end`."""
        await ready(self.client)
        found = await self.client.zcount(self.failures_key, start.timestamp(), end.timestamp())
        return int(found) > 0


def _moment(epoch_s: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch_s, dt.UTC)
