"""Post cards cached in Redis for the ranked feeds.

The for-you and explore feeds pick their page inside one Redis script, so everything the script
needs about a candidate lives next to its pre-serialized card, in one hash per post:

    <ns>:card:<post hex>   HASH  j  the PostCard as JSON, viewer state false/false (the ranked feeds
                                    never serve posts the viewer liked or saved, see signals.py)
                                 a  author id (hex)      t  created_at in epoch ms
                                 p  tagged product ids (hex, comma separated; "" when none)
                          or     d  "1": the post is gone (deleted, hidden by moderation)

Cards are viewer-neutral, so one copy serves every reader. They are rendered from PostgreSQL by
`render`, which the worker runs for posts marked dirty (a new post, a like or comment changing the
counts, a deletion) and the serving path runs synchronously for cache misses. A TTL bounds how stale
a price or stock flag inside a card can get; the sold-out filter itself reads a separate set that
is refreshed every few seconds, so a card never makes a sold-out post servable.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.content import service as content
from commerce.core.redis import RedisStore

CARD_TTL_S = 15 * 60
TOMBSTONE_TTL_S = 24 * 3600
DIRTY_BATCH = 200


def card_key(redis: RedisStore, post_hex: str) -> str:
    return redis.key("card", post_hex)


def dirty_key(redis: RedisStore) -> str:
    return redis.key("cards", "dirty")


async def mark_dirty(redis: RedisStore, post_ids: Iterable[uuid.UUID | str]) -> None:
    members = [p.hex if isinstance(p, uuid.UUID) else p for p in post_ids]
    if members:
        await redis.client.sadd(dirty_key(redis), *members)


async def render(session: AsyncSession, redis: RedisStore, post_ids: Iterable[uuid.UUID]) -> dict[str, bytes]:
    """Render and store cards for `post_ids`; posts that are not servable get a tombstone. Returns the
    JSON of each rendered card by post hex (the serving path uses it for a cache miss at once)."""
    ids = list(dict.fromkeys(post_ids))
    if not ids:
        return {}
    cards = await content.post_cards(session, post_ids=ids, viewer_id=None, hidden_authors=set())
    pipe = redis.binary.pipeline(transaction=False)
    rendered: dict[str, bytes] = {}
    for post_id in ids:
        key = card_key(redis, post_id.hex)
        card = cards.get(post_id)
        if card is None:
            pipe.delete(key)
            pipe.hset(key, mapping={"d": "1"})
            pipe.expire(key, TOMBSTONE_TTL_S)
            continue
        body = orjson.dumps(card.model_dump(mode="json"))
        rendered[post_id.hex] = body
        products = ",".join(t.product_id.hex for t in card.product_tags)
        pipe.delete(key)
        pipe.hset(key, mapping={"j": body, "a": card.author.id.hex, "t": str(int(card.created_at.timestamp() * 1000)),
                                "p": products})
        pipe.expire(key, CARD_TTL_S)
    await pipe.execute()
    return rendered


async def refresh_dirty(session: AsyncSession, redis: RedisStore, *, limit: int = DIRTY_BATCH) -> int:
    """Re-render up to `limit` posts marked dirty. SPOP hands each id to one worker; a crash between
    the pop and the write loses only a cache refresh (the next miss or TTL brings it back)."""
    popped = await redis.client.spop(dirty_key(redis), limit)
    if not popped:
        return 0
    ids = []
    for member in popped:
        try:
            ids.append(uuid.UUID(hex=member))
        except ValueError:
            continue
    await render(session, redis, ids)
    return len(ids)
