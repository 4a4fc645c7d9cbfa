"""`make_redis` picks a single client or a cluster client from the URL, without connecting."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis, RedisCluster

from kyvs.adapters.redis.client import make_redis, text

pytestmark = pytest.mark.anyio


async def test_a_redis_url_gives_one_client_on_its_database():
    client = make_redis("redis://127.0.0.1:6390/3")
    try:
        assert isinstance(client, Redis)
        assert client.connection_pool.connection_kwargs["db"] == 3
    finally:
        await client.aclose()


async def test_a_cluster_url_lists_its_startup_nodes_and_credentials():
    client = make_redis("redis+cluster://kyvs:p%40ss@10.0.0.1:7000,10.0.0.2:7001,[::1]:7002")
    try:
        assert isinstance(client, RedisCluster)
        nodes = [(node.host, node.port) for node in client.startup_nodes]
        assert nodes == [("10.0.0.1", 7000), ("10.0.0.2", 7001), ("::1", 7002)]
        assert client.connection_kwargs["username"] == "kyvs"
        assert client.connection_kwargs["password"] == "p@ss"
    finally:
        await client.aclose()


@pytest.mark.parametrize(
    "url", ["redis+cluster://10.0.0.1:7000/2", "redis+cluster://10.0.0.1", "redis+cluster://:7000"]
)
def test_a_cluster_url_refuses_a_database_or_a_node_without_port(url):
    with pytest.raises(ValueError, match=r"database 0|host:port"):
        make_redis(url)


def test_replies_read_as_text_whether_or_not_decoded():
    assert text(b"prv_a") == text("prv_a") == "prv_a"
    with pytest.raises(TypeError):
        text(3)
