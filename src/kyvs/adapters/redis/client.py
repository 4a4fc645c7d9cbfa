"""One async Redis client from a URL: a single server, or a cluster by its startup nodes."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from redis.asyncio import Redis, RedisCluster
from redis.asyncio.cluster import ClusterNode
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff

CLUSTER_SCHEMES = {"redis+cluster": False, "rediss+cluster": True}  # scheme -> TLS
# The async cluster client raises (rather than waits) past this many connections per node.
CLUSTER_MAX_CONNECTIONS = 1_000
BACKOFF_BASE_S, BACKOFF_CAP_S = 0.05, 0.5


def make_redis(url: str, *, timeout_s: float = 2.0, retries: int = 2) -> Redis | RedisCluster:
    """`redis://…` or `rediss://…`: one server; `redis+cluster://[user:pass@]host:port[,host:port…]`
    (or `rediss+cluster://` for TLS): a Redis Cluster reached through those startup nodes.

    Replies are decoded as UTF-8 text. Nothing connects until the first command. Connecting
    and each reply wait at most `timeout_s`, and a command is retried `retries` times after a
    connection error: with Redis down a command fails within about
    `(retries + 1) * timeout_s`, instead of redis-py's default of 10 retries of 5 s each.
    """
    parts = urlsplit(url)
    backoff = ExponentialWithJitterBackoff(cap=BACKOFF_CAP_S, base=BACKOFF_BASE_S)
    bounds: dict[str, Any] = {
        "socket_timeout": timeout_s,
        "socket_connect_timeout": timeout_s,
        "retry": Retry(backoff, retries),
    }
    if parts.scheme not in CLUSTER_SCHEMES:
        return Redis.from_url(url, decode_responses=True, **bounds)
    userinfo, _, hosts = parts.netloc.rpartition("@")
    username, _, password = userinfo.partition(":")
    if parts.path.strip("/") not in ("", "0"):
        raise ValueError("a Redis Cluster has only database 0")
    return RedisCluster(
        startup_nodes=[_node(address) for address in hosts.split(",") if address],
        username=unquote(username) or None,
        password=unquote(password) or None,
        ssl=CLUSTER_SCHEMES[parts.scheme],
        decode_responses=True,
        max_connections=CLUSTER_MAX_CONNECTIONS,
        **bounds,
    )


def _node(address: str) -> ClusterNode:
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"a cluster node must be host:port, not {address!r}")
    return ClusterNode(host.strip("[]"), int(port))


def text(value: object) -> str:
    """A reply as text, whether or not the client decodes replies itself."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, str):
        return value
    raise TypeError(f"expected a string reply, got {type(value).__name__}")


async def ready(client: Redis | RedisCluster) -> None:
    """Make sure a cluster client knows its nodes before it sends anything.

    redis-py 8.1's async cluster client fails (AttributeError deep in `connect`) commands sent
    concurrently while it is still cold: it resolves command policies on the startup nodes
    before discovering the cluster. Initialising first avoids that; once done, it is a flag check.
    """
    if isinstance(client, RedisCluster):
        await client.initialize()
