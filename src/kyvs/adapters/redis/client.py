"""One async Redis client from a URL: a single server, or a cluster by its startup nodes."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from redis.asyncio import Redis, RedisCluster
from redis.asyncio.cluster import ClusterNode

CLUSTER_SCHEMES = {"redis+cluster": False, "rediss+cluster": True}  # scheme -> TLS
# The async cluster client raises (rather than waits) past this many connections per node.
CLUSTER_MAX_CONNECTIONS = 1_000


def make_redis(url: str) -> Redis | RedisCluster:
    """`redis://…` or `rediss://…`: one server; `redis+cluster://[user:pass@]host:port[,host:port…]`
    (or `rediss+cluster://` for TLS): a Redis Cluster reached through those startup nodes.

    Replies are decoded as UTF-8 text. Nothing connects until the first command.
    """
    parts = urlsplit(url)
    if parts.scheme not in CLUSTER_SCHEMES:
        return Redis.from_url(url, decode_responses=True)
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
