"""Following timelines in Redis: one sorted set per user, member = post id (hex), score = the post's
creation time in ms. Capped so a timeline's memory is bounded whatever the follow graph does."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from commerce.core.redis import RedisStore

TIMELINE_CAP = 1000


def timeline_key(redis: RedisStore, user_id: uuid.UUID) -> str:
    return redis.key("timeline", user_id.hex)


async def push(redis: RedisStore, *, user_ids: Iterable[uuid.UUID], post_id: uuid.UUID, score_ms: int,
               cap: int = TIMELINE_CAP) -> int:
    """One pipeline round trip for a whole batch of followers; idempotent (ZADD of the same member)."""
    pipe = redis.client.pipeline(transaction=False)
    count = 0
    for user_id in user_ids:
        key = timeline_key(redis, user_id)
        pipe.zadd(key, {post_id.hex: score_ms})
        pipe.zremrangebyrank(key, 0, -cap - 1)  # drop the oldest beyond the cap
        count += 1
    if count:
        await pipe.execute()
    return count


async def push_many(redis: RedisStore, *, user_id: uuid.UUID, posts: dict[uuid.UUID, int],
                    cap: int = TIMELINE_CAP) -> None:
    if not posts:
        return
    key = timeline_key(redis, user_id)
    pipe = redis.client.pipeline(transaction=False)
    pipe.zadd(key, {post_id.hex: score for post_id, score in posts.items()})
    pipe.zremrangebyrank(key, 0, -cap - 1)
    await pipe.execute()


async def read(redis: RedisStore, *, user_id: uuid.UUID, max_score: float | str,
               count: int) -> list[tuple[uuid.UUID, int]]:
    entries = await redis.client.zrevrangebyscore(timeline_key(redis, user_id), max_score, "-inf", start=0,
                                                  num=count, withscores=True)
    return [(uuid.UUID(hex=member), int(score)) for member, score in entries]
