"""Event consumers owned by the users context."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core.eventbus import Event, Handler
from commerce.core.redis import RedisStore

STATS_TTL_S = 400 * 24 * 3600


def registrations_key(redis: RedisStore, day: str) -> str:
    return redis.key("stats", "registrations", day)


async def count_registration(session: AsyncSession, redis: RedisStore, event: Event) -> None:
    """Live per-day sign-ups for operators (the warehouse recomputes the KPI from Postgres).

    A set of user ids rather than a counter: the Redis write sits outside the Postgres transaction
    that records the event as processed, so it must be idempotent on its own."""
    key = registrations_key(redis, event.occurred_at.date().isoformat())
    await redis.client.sadd(key, event.payload["user_id"])
    await redis.client.expire(key, STATS_TTL_S)


HANDLERS = [Handler(name="users.registration-stats", topics=("user.registered",), fn=count_registration)]
