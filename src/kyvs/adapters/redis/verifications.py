"""Verification txns in Redis (or Redis Cluster), compare-and-set on `version` by Lua script.

Keys (`kyvs` is the default prefix; the `{…}` hash tag keeps one txn's keys in one slot):
- `kyvs:{txn:<id>}:txn`: HASH, one field per txn attribute (an absent field is None);
- `kyvs:{txn:<id>}:access`: LIST of access entries swapped in but not yet in the SQL log;
- `kyvs:{prov:<id>}:recent`: ZSET of a provider's newest txn ids, scored by creation time;
- `kyvs:{access-pending:<n>}`: ZSET of txn ids whose access entries may still be pending
  (16 buckets, so no one cluster slot takes them all), scored by the entry's time.

Every TTL is relative to the txn's own times, never to a wall clock: a txn lives for its OTP
lifetime (`expires_at - last_sent_at`) plus a day from each write, which is at least until
`expires_at` + 1 day, since every write happens at or after `last_sent_at`. A verified result
thus stays a day for the CoWIN status call, then the txn disappears on its own.

The access log lives in SQL, so it cannot share Redis's atomic step. Instead the entry goes
into the txn's `access` list *in the same Lua script* as the swap (a transactional outbox),
then to the SQL log, then out of the list. A crash or a database error between leaves the
entry in Redis, and `replay_access()` records it later: every disclosure is delivered at least
once (a crash between the SQL commit and the list cleanup, or two workers replaying at once,
deliver it twice), the access log keeps one entry per txn and outcome, so each is logged
exactly once, and a lost race never logs anything.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import zlib
from dataclasses import fields
from typing import Any

from redis.asyncio import Redis, RedisCluster

from kyvs.adapters.redis.client import ready, text
from kyvs.domain.verification import Delivery, TxnState, VerificationTxn
from kyvs.ports import AccessEntry, AccessLog
from kyvs.request_context import log_reference

log = logging.getLogger("kyvs.redis")

GRACE = dt.timedelta(days=1)
RECENT_KEPT = 200
PENDING_BUCKETS = 16
REPLAY_AFTER = dt.timedelta(minutes=5)  # an entry younger than this may still be on its way
REPLAY_BATCH = 1_000  # txns per bucket and run; the next run takes the rest
_TIMES = ("created_at", "expires_at", "last_sent_at")
_INTS = ("attempts", "resends", "version")
_OPTIONAL = ("beneficiary_ref", "result")
_FIELDS = frozenset(f.name for f in fields(VerificationTxn))

# KEYS: txn. ARGV: TTL in ms, then field/value pairs. 1: created; 0: the txn id exists.
CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
"""

# KEYS: txn, its pending access list. ARGV: expected version, TTL in ms, the access entry
# ('' for none), then field/value pairs. 1: swapped (and the entry queued); 0: lost the race.
SWAP = """
if redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if ARGV[3] ~= '' then
  redis.call('RPUSH', KEYS[2], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return 1
"""

# KEYS: a provider's recent set. ARGV: score, txn id, how many to keep, TTL in ms.
REMEMBER = """
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[3]) - 1)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
"""

# KEYS: a pending access list. ARGV: one entry now in the SQL log. Returns what is left.
SETTLE = """
redis.call('LREM', KEYS[1], 1, ARGV[1])
return redis.call('LLEN', KEYS[1])
"""


class TxnExists(Exception):
    """`create` was given a txn id that is already stored."""


class RedisVerificationStore:
    """Txns as Redis hashes; the access entries of swaps go to `access_log` (SQL)."""

    def __init__(
        self, client: Redis | RedisCluster, *, access_log: AccessLog, prefix: str = "kyvs"
    ) -> None:
        self.client = client
        self.access_log = access_log
        self.prefix = prefix
        self._create = client.register_script(CREATE)
        self._swap = client.register_script(SWAP)
        self._remember = client.register_script(REMEMBER)
        self._settle = client.register_script(SETTLE)

    def txn_key(self, txn_id: str) -> str:
        """The hash holding one txn."""
        return f"{self.prefix}:{{txn:{txn_id}}}:txn"

    def access_key(self, txn_id: str) -> str:
        """The list of a txn's access entries not yet in the SQL log."""
        return f"{self.prefix}:{{txn:{txn_id}}}:access"

    def recent_key(self, provider_id: str) -> str:
        """The sorted set of a provider's newest txn ids."""
        return f"{self.prefix}:{{prov:{provider_id}}}:recent"

    def pending_key(self, txn_id: str) -> str:
        """The bucket of the pending-access index that a txn belongs to."""
        return self.bucket_key(zlib.crc32(txn_id.encode()) % PENDING_BUCKETS)

    def bucket_key(self, bucket: int) -> str:
        """One bucket of the pending-access index (txn ids scored by their entry's time)."""
        return f"{self.prefix}:{{access-pending:{bucket}}}"

    async def create(self, txn: VerificationTxn) -> None:
        """Store a new txn (raises `TxnExists` if the id is taken) and list it as recent."""
        await ready(self.client)
        ttl = _ttl_ms(txn)
        created = await self._create(keys=[self.txn_key(txn.txn_id)], args=[ttl, *_flat(txn)])
        # A retry after a lost reply finds its own first attempt's txn: that is a success.
        if not created and await self.get(txn.txn_id) != txn:
            raise TxnExists(txn.txn_id)
        # A separate call (another slot): a crash here only hides the txn from `recent`.
        await self._remember(
            keys=[self.recent_key(txn.provider_id)],
            args=[txn.created_at.timestamp(), txn.txn_id, RECENT_KEPT, ttl],
        )

    async def get(self, txn_id: str) -> VerificationTxn | None:
        """A txn by id (None once it has expired)."""
        await ready(self.client)
        stored = await self.client.hgetall(self.txn_key(txn_id))
        return _to_txn(stored) if stored else None

    async def recent(self, provider_id: str, limit: int) -> list[VerificationTxn]:
        """A provider's latest txns, newest first (at most the newest 200 are kept)."""
        await ready(self.client)
        if limit <= 0:
            return []
        ids = await self.client.zrevrange(self.recent_key(provider_id), 0, limit - 1)
        if not ids:
            return []
        async with self.client.pipeline(transaction=False) as pipe:
            for txn_id in ids:
                pipe.hgetall(self.txn_key(text(txn_id)))
            found: list[dict[bytes | str, bytes | str]] = await pipe.execute()
        return [_to_txn(stored) for stored in found if stored]

    async def replace(
        self, txn: VerificationTxn, *, expected_version: int, access: AccessEntry | None = None
    ) -> bool:
        """Compare-and-set the txn; with `access`, queue the entry in the same script, then
        record it in the access log. True once swapped, even if the log was unreachable: the
        entry then waits in Redis for `replay_access()`."""
        await ready(self.client)
        entry = "" if access is None else _entry_json(access)
        if access is not None:
            # Indexed before the swap, so a crash right after the swap still finds it.
            score = access.at.timestamp()
            await self.client.zadd(self.pending_key(txn.txn_id), {txn.txn_id: score})
        keys = [self.txn_key(txn.txn_id), self.access_key(txn.txn_id)]
        args: list[str | int] = [expected_version, _ttl_ms(txn), entry, *_flat(txn)]
        if not await self._swap(keys=keys, args=args):
            return False  # the index entry, if any, is cleared by the next `replay_access()`
        if access is not None:
            await self._deliver(txn.txn_id, access, entry)
        return True

    async def replay_access(
        self, *, now: dt.datetime, older_than: dt.timedelta = REPLAY_AFTER
    ) -> int:
        """Record access entries that a crashed or failed `replace` left in Redis; how many.

        Every worker runs it: two replays of one entry record it once (the log is
        idempotent per txn and outcome). An entry left unreplayed for a day expires with its
        txn."""
        await ready(self.client)
        cutoff = (now - older_than).timestamp()
        replayed = 0
        for bucket in range(PENDING_BUCKETS):
            index = self.bucket_key(bucket)
            due = await self.client.zrangebyscore(index, "-inf", cutoff, start=0, num=REPLAY_BATCH)
            for txn_id in map(text, due):
                for entry in map(text, await self.client.lrange(self.access_key(txn_id), 0, -1)):
                    await self.access_log.record(_entry_from_json(entry))
                    replayed += 1
                    await self._settled(txn_id, entry)
                if not await self.client.exists(self.access_key(txn_id)):
                    await self.client.zrem(index, txn_id)
        return replayed

    async def _deliver(self, txn_id: str, access: AccessEntry, entry: str) -> None:
        """Record a swapped-in entry now; if the log fails, it stays queued for replay."""
        try:
            await self.access_log.record(access)
        except Exception:  # the swap stands: the entry is safe in Redis until replayed
            log.warning(
                "access entry of txn %s kept for replay", log_reference(txn_id), exc_info=True
            )
            return
        try:
            await self._settled(txn_id, entry)
        except Exception:  # logged already; the replay delivers it again, and the log keeps one
            log.warning(
                "access entry of txn %s logged, left in Redis", log_reference(txn_id), exc_info=True
            )

    async def _settled(self, txn_id: str, entry: str) -> None:
        """`entry` is in the SQL log: take it out of Redis, and the txn out of the index."""
        if not await self._settle(keys=[self.access_key(txn_id)], args=[entry]):
            await self.client.zrem(self.pending_key(txn_id), txn_id)


def _ttl_ms(txn: VerificationTxn) -> int:
    lifetime = max(txn.expires_at - txn.last_sent_at, dt.timedelta(0))
    return int((lifetime + GRACE).total_seconds() * 1000)


def _flat(txn: VerificationTxn) -> list[str]:
    """The txn as hash field/value pairs; None attributes are left out."""
    pairs: list[str] = []
    for name in _FIELDS:
        value = getattr(txn, name)
        if value is None:
            continue
        if isinstance(value, dt.datetime):
            value = value.astimezone(dt.UTC).isoformat()
        pairs += [name, str(value)]
    return pairs


def _to_txn(stored: dict[bytes | str, bytes | str]) -> VerificationTxn:
    values: dict[str, Any] = {text(k): text(v) for k, v in stored.items()}
    values = {k: v for k, v in values.items() if k in _FIELDS}
    for name in _TIMES:
        values[name] = dt.datetime.fromisoformat(values[name])
    for name in _INTS:
        values[name] = int(values[name])
    for name in _OPTIONAL:
        values.setdefault(name, None)
    values["state"] = TxnState(values["state"])
    # A txn written before delivery was tracked reads as queued.
    values["delivery"] = Delivery(values.get("delivery", Delivery.QUEUED))
    return VerificationTxn(**values)


def _entry_json(entry: AccessEntry) -> str:
    return json.dumps(
        {
            "beneficiary_ref": entry.beneficiary_ref,
            "provider_id": entry.provider_id,
            "provider_name": entry.provider_name,
            "purpose": entry.purpose,
            "scopes": sorted(entry.scopes),
            "outcome": entry.outcome,
            "txn_id": entry.txn_id,
            "at": entry.at.astimezone(dt.UTC).isoformat(),
            "consent_id": entry.consent_id,
            "consent": entry.consent,
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def _entry_from_json(raw: str) -> AccessEntry:
    values = json.loads(raw)
    values["scopes"] = frozenset(values["scopes"])
    values["at"] = dt.datetime.fromisoformat(values["at"])
    return AccessEntry(**values)
