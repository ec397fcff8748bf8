"""The per-viewer and global sets the ranked feeds filter with, kept in Redis by the worker.

    <ns>:seen:<user hex>      ZSET  post hex → ms served; written by the feed script itself
    <ns>:seenskip:<user hex>  HASH  how far into each ranked list everything was seen (page.lua)
    <ns>:engaged:<user hex>   SET   posts the user liked or saved (never served back to them)
    <ns>:hidden:<user hex>    SET   users hidden from the user by a block, in either direction
    <ns>:soldout              SET   active products with no variant in stock
    <ns>:fresh                ZSET  post hex → created ms, every post of the last FRESH_WINDOW

They are derived data: each can be rebuilt from PostgreSQL (`rebuild_hidden`, `refresh_soldout`),
and the consumers that maintain them are idempotent, so a redelivered event changes nothing.
Filters apply on the next read after the worker has seen the event, typically well under a second.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from commerce.catalog import service as catalog
from commerce.core.redis import RedisStore
from commerce.social import service as social

ENGAGED_TTL_S = 90 * 86_400
SEEN_WINDOW_MS = 3 * 86_400_000  # what "recently seen" means for the ranked feeds
FRESH_WINDOW_MS = 72 * 3600 * 1000
FRESH_CAP = 20_000


def seen_key(redis: RedisStore, user_id: uuid.UUID) -> str:
    return redis.key("seen", user_id.hex)


def engaged_key(redis: RedisStore, user_id: uuid.UUID) -> str:
    return redis.key("engaged", user_id.hex)


def hidden_key(redis: RedisStore, user_id: uuid.UUID) -> str:
    return redis.key("hidden", user_id.hex)


def soldout_key(redis: RedisStore) -> str:
    return redis.key("soldout")


def fresh_key(redis: RedisStore) -> str:
    return redis.key("fresh")


async def mark_seen(redis: RedisStore, *, user_id: uuid.UUID, post_ids: list[uuid.UUID],
                    window_ms: int = SEEN_WINDOW_MS) -> None:
    """What the feed script does for the pages it serves, for pages served from PostgreSQL."""
    now_ms = int(time.time() * 1000)
    key = seen_key(redis, user_id)
    pipe = redis.client.pipeline(transaction=False)
    pipe.zadd(key, {p.hex: now_ms for p in post_ids})
    pipe.zremrangebyscore(key, "-inf", now_ms - window_ms)
    pipe.pexpire(key, window_ms)
    await pipe.execute()


async def engaged(redis: RedisStore, *, user_id: uuid.UUID, post_id: uuid.UUID) -> None:
    key = engaged_key(redis, user_id)
    pipe = redis.client.pipeline(transaction=False)
    pipe.sadd(key, post_id.hex)
    pipe.expire(key, ENGAGED_TTL_S)
    await pipe.execute()


async def rebuild_hidden(session: AsyncSession, redis: RedisStore, *, user_ids: list[uuid.UUID]) -> None:
    """Recomputed from the block table rather than patched: an unblock must not unhide a pair that
    is still blocked the other way round."""
    pipe = redis.client.pipeline(transaction=True)
    for user_id in user_ids:
        hidden = await social.hidden_user_ids(session, viewer_id=user_id)
        key = hidden_key(redis, user_id)
        pipe.delete(key)
        if hidden:
            pipe.sadd(key, *(h.hex for h in hidden))
    await pipe.execute()


async def add_fresh(redis: RedisStore, *, post_id: uuid.UUID, created_at: datetime) -> None:
    created_ms = int(created_at.timestamp() * 1000)
    key = fresh_key(redis)
    pipe = redis.client.pipeline(transaction=False)
    pipe.zadd(key, {post_id.hex: created_ms})
    pipe.zremrangebyscore(key, "-inf", created_ms - FRESH_WINDOW_MS)
    pipe.zremrangebyrank(key, 0, -FRESH_CAP - 1)
    await pipe.execute()


async def remove_fresh(redis: RedisStore, *, post_id: uuid.UUID) -> None:
    await redis.client.zrem(fresh_key(redis), post_id.hex)


async def refresh_soldout(session: AsyncSession, redis: RedisStore) -> int:
    """Replace the sold-out set in one step (build a temporary key, then RENAME over the old one), so
    a reader sees either the previous set or the new one, never a half-built one."""
    ids = await catalog.sold_out_product_ids(session)
    key = soldout_key(redis)
    if not ids:
        await redis.client.delete(key)
        return 0
    temp = redis.key("soldout", "building", uuid.uuid4().hex)
    pipe = redis.client.pipeline(transaction=True)
    members = [i.hex for i in ids]
    for start in range(0, len(members), 5000):
        pipe.sadd(temp, *members[start:start + 5000])
    pipe.rename(temp, key)
    await pipe.execute()
    return len(ids)
