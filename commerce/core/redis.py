"""Redis access with one key namespace per deployment, so tests, benchmarks and the app can share a
server without seeing each other's keys, streams or counters."""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis


class RedisStore:
    def __init__(self, url: str, namespace: str, *, max_connections: int = 64, wait_timeout_s: float = 5.0) -> None:
        self.url = url
        self.namespace = namespace
        # A blocking pool: under a burst, requests wait briefly for a connection instead of failing
        # with "Too many connections" (what the default pool does once it is exhausted).
        pool = BlockingConnectionPool.from_url(url, max_connections=max_connections, timeout=wait_timeout_s,
                                               decode_responses=True, health_check_interval=30)
        self.client: Redis = Redis(connection_pool=pool)
        self._max_connections, self._wait_timeout_s = max_connections, wait_timeout_s
        self._binary: Redis | None = None

    @property
    def binary(self) -> Redis:
        """A second client that returns bytes: feed cards and ranking lists are served as stored,
        never decoded into str and encoded again."""
        if self._binary is None:
            pool = BlockingConnectionPool.from_url(self.url, max_connections=self._max_connections,
                                                   timeout=self._wait_timeout_s, decode_responses=False,
                                                   health_check_interval=30)
            self._binary = Redis(connection_pool=pool)
        return self._binary

    def key(self, *parts: object) -> str:
        return ":".join([self.namespace, *(str(p) for p in parts)])

    async def ping(self) -> bool:
        return bool(await self.client.ping())

    async def close(self) -> None:
        for client in (self.client, self._binary):
            if client is not None:
                await client.aclose()
                await client.connection_pool.disconnect()
