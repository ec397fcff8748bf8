"""Redis access with one key namespace per deployment, so tests, benchmarks and the app can share a
server without seeing each other's keys, streams or counters."""

from __future__ import annotations

from redis.asyncio import Redis


class RedisStore:
    def __init__(self, url: str, namespace: str) -> None:
        self.url = url
        self.namespace = namespace
        self.client: Redis = Redis.from_url(url, decode_responses=True, health_check_interval=30)

    def key(self, *parts: object) -> str:
        return ":".join([self.namespace, *(str(p) for p in parts)])

    async def ping(self) -> bool:
        return bool(await self.client.ping())

    async def close(self) -> None:
        await self.client.aclose()
