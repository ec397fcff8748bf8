"""The following feed: fan-out on write into Redis timelines, merge on read for big authors.

Writes: `post.created` pushes the post into every follower's timeline, unless the author has more
than `fanout_threshold` followers — pushing into 10⁵ timelines per post costs more than merging
that author's recent posts at read time. Reads: the viewer's timeline plus the big authors they
follow, merged newest first, then filtered against the current graph (so an unfollow, a block or a
deletion takes effect on the next read without touching any timeline). If Redis is down the same
merge runs on Postgres alone, and the feed still answers 200.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.content import service as content
from commerce.content.schemas import PostCard
from commerce.core.pagination import Page
from commerce.core.redis import RedisStore
from commerce.feed import timelines
from commerce.social import service as social
from commerce.users import service as users

log = logging.getLogger("lakoo.feed")

DEFAULT_FANOUT_THRESHOLD = 10_000
BACKFILL_POSTS = 20


@dataclass(frozen=True)
class FeedConfig:
    fanout_threshold: int = DEFAULT_FANOUT_THRESHOLD


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


async def fan_out(session: AsyncSession, redis: RedisStore, config: FeedConfig, *, post_id: uuid.UUID,
                  author_id: uuid.UUID, created_at: datetime) -> int:
    """Returns how many timelines received the post (0 for a big author: merged at read time)."""
    if await users.followers_count(session, user_id=author_id) > config.fanout_threshold:
        return 0
    pushed = 0
    async for batch in social.iter_follower_ids(session, user_id=author_id):
        pushed += await timelines.push(redis, user_ids=batch, post_id=post_id, score_ms=_ms(created_at))
    return pushed


async def backfill(session: AsyncSession, redis: RedisStore, config: FeedConfig, *, follower_id: uuid.UUID,
                   followee_id: uuid.UUID) -> None:
    """A new follow shows the followee's recent posts at once instead of only future ones. Big
    authors are skipped: their posts are merged at read time, never stored in timelines."""
    if await users.followers_count(session, user_id=followee_id) > config.fanout_threshold:
        return
    recent = await content.posts_by_authors(session, author_ids={followee_id}, before=None, limit=BACKFILL_POSTS)
    await timelines.push_many(redis, user_id=follower_id, posts={pid: _ms(at) for pid, at in recent})


async def following_feed(session: AsyncSession, redis: RedisStore, config: FeedConfig, *, viewer_id: uuid.UUID,
                         cursor: str | None, limit: int = 20) -> Page[PostCard]:
    after = content.parse_post_cursor(cursor)
    followees = await social.followee_ids(session, user_id=viewer_id)
    if not followees:
        return Page[PostCard](items=[], next_cursor=None)
    counts = await users.followers_counts(session, user_ids=followees)
    hidden = await social.hidden_user_ids(session, viewer_id=viewer_id)
    big = {uid for uid, n in counts.items() if n > config.fanout_threshold}
    want = limit + 1
    visible: list[tuple[datetime, uuid.UUID]] = []
    cards: dict[uuid.UUID, PostCard] = {}
    use_redis = True
    # Each round takes the next slice of both sources; rounds repeat only while entries get filtered
    # out (unfollowed, blocked, deleted) and the page is still short.
    for _ in range(5):
        candidates: set[uuid.UUID] = set()
        exhausted = True
        if use_redis:
            try:
                entries = await timelines.read(redis, user_id=viewer_id,
                                               max_score="+inf" if after is None else _ms(after[0]), count=want * 2)
                candidates |= {pid for pid, _ in entries}
                exhausted = len(entries) < want * 2
                merged_authors = big
            except RedisError:
                log.warning("redis unavailable; following feed served from postgres", exc_info=True)
                use_redis, merged_authors = False, followees
        else:
            merged_authors = followees
        from_db = await content.posts_by_authors(session, author_ids=merged_authors, before=after, limit=want * 2)
        candidates |= {pid for pid, _ in from_db}
        exhausted = exhausted and len(from_db) < want * 2
        refs = await content.post_refs(session, post_ids=list(candidates))
        ordered = sorted(
            ((at, pid) for pid, (author, at) in refs.items()
             if author in followees and (after is None or (at, pid) < after)),
            reverse=True,
        )
        if not ordered:
            break
        # Hydrate only as many as the page needs; filtered-out ones trigger another round.
        ordered = ordered[:want]
        round_cards = await content.post_cards(session, post_ids=[pid for _, pid in ordered], viewer_id=viewer_id,
                                               hidden_authors=hidden)
        cards.update(round_cards)
        visible += [(at, pid) for at, pid in ordered if pid in round_cards]
        if len(visible) >= want or exhausted:
            break
        after = ordered[-1]
    visible = sorted(set(visible), reverse=True)
    page = visible[:limit]
    next_cursor = content.post_cursor(page[-1][0], page[-1][1]) if len(visible) > limit else None
    return Page[PostCard](items=[cards[pid] for _, pid in page], next_cursor=next_cursor)
