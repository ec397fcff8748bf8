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
from datetime import UTC, datetime, timedelta

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
MAX_ROUNDS = 5
MAX_SCAN = timelines.TIMELINE_CAP
_LOWEST_ID = uuid.UUID(int=0)

PostKey = tuple[datetime, uuid.UUID]


@dataclass(frozen=True)
class FeedConfig:
    fanout_threshold: int = DEFAULT_FANOUT_THRESHOLD


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _above_score(score: int) -> PostKey:
    """A key such that every timeline entry at or above it scores more than `score`. Scores are whole
    milliseconds and a read may be cut off inside one of them, but it has seen all of the later ones,
    so the next read may start there. Needs only that `_ms` never decreases, float rounding or not."""
    at = datetime.fromtimestamp((score + 1) / 1000, tz=UTC)
    if _ms(at) <= score:  # float rounding on an exact millisecond
        at += timedelta(milliseconds=1)
    return at, _LOWEST_ID


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
    scan = want * 2
    visible: list[PostKey] = []
    cards: dict[uuid.UUID, PostCard] = {}
    use_redis = True
    # Each round scans the next slice of both sources, down to a frontier above which both have been
    # read completely, so the merge never skips an entry of the slower source. Rounds repeat while
    # entries get filtered out (unfollowed, blocked, deleted) and the page is still short; a stretch
    # with nothing left to show (a prolific author just unfollowed) moves the scan past it, and the
    # slice doubles each round so even a full timeline is crossed within the cap.
    for _ in range(MAX_ROUNDS):
        candidates: set[uuid.UUID] = set()
        frontier: PostKey | None = None  # None: everything below `after` has been read
        if use_redis:
            try:
                entries = await timelines.read(redis, user_id=viewer_id,
                                               max_score="+inf" if after is None else _ms(after[0]), count=scan)
                candidates |= {pid for pid, _ in entries}
                if len(entries) == scan:
                    frontier = _above_score(min(score for _, score in entries))
                merged_authors = big
            except RedisError:
                log.warning("redis unavailable; following feed served from postgres", exc_info=True)
                use_redis, merged_authors = False, followees
        else:
            merged_authors = followees
        from_db = await content.posts_by_authors(session, author_ids=merged_authors, before=after, limit=scan)
        candidates |= {pid for pid, _ in from_db}
        if len(from_db) == scan:
            oldest = min((at, pid) for pid, at in from_db)
            frontier = oldest if frontier is None else max(frontier, oldest)
        if after is not None and frontier is not None and frontier >= after:
            # One millisecond of the timeline holds more entries than the slice: read a bigger one.
            scan = min(scan * 2, MAX_SCAN)
            continue
        refs = await content.post_refs(session, post_ids=list(candidates))
        ordered = sorted(
            ((at, pid) for pid, (author, at) in refs.items()
             if author in followees and (after is None or (at, pid) < after)
             and (frontier is None or (at, pid) >= frontier)),
            reverse=True,
        )
        # Hydrate only as many as the page needs; filtered-out ones trigger another round.
        need = want - len(visible)
        batch = ordered[:need]
        if batch:
            round_cards = await content.post_cards(session, post_ids=[pid for _, pid in batch],
                                                   viewer_id=viewer_id, hidden_authors=hidden)
            cards.update(round_cards)
            visible += [(at, pid) for at, pid in batch if pid in round_cards]
        after = batch[-1] if len(ordered) > need else frontier
        if len(visible) >= want or after is None:
            break
        scan = min(scan * 2, MAX_SCAN)
    else:
        # The round cap stopped a page that is still short: hand back where the scan stopped, so
        # the client carries on from there instead of taking the feed for finished.
        page = sorted(visible, reverse=True)[:limit]
        return Page[PostCard](items=[cards[pid] for _, pid in page],
                              next_cursor=None if after is None else content.post_cursor(*after))
    visible = sorted(set(visible), reverse=True)
    page = visible[:limit]
    next_cursor = content.post_cursor(page[-1][0], page[-1][1]) if len(visible) > limit else None
    return Page[PostCard](items=[cards[pid] for _, pid in page], next_cursor=next_cursor)
