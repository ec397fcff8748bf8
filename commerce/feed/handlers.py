"""Feed consumers and jobs: fan-out of new posts, backfill on follow, and the Redis state the ranked
feeds read (card cache, fresh posts, engaged/hidden sets, sold-out products, impression log)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core.db import Database
from commerce.core.eventbus import Event, Handler
from commerce.core.redis import RedisStore
from commerce.core.settings import Settings
from commerce.feed import cards, impressions, signals
from commerce.feed import service as feed

CARD_TOPICS = ("post.created", "post.updated", "post.deleted", "post.liked", "post.commented", "post.saved")


def make_handlers(config: feed.FeedConfig) -> list[Handler]:
    async def on_post_created(session: AsyncSession, redis: RedisStore, event: Event) -> None:
        await feed.fan_out(session, redis, config, post_id=uuid.UUID(event.payload["post_id"]),
                           author_id=uuid.UUID(event.payload["author_id"]),
                           created_at=datetime.fromisoformat(event.payload["created_at"]))

    async def on_user_followed(session: AsyncSession, redis: RedisStore, event: Event) -> None:
        await feed.backfill(session, redis, config, follower_id=uuid.UUID(event.payload["follower_id"]),
                            followee_id=uuid.UUID(event.payload["followee_id"]))

    async def on_post_changed(session: AsyncSession, redis: RedisStore, event: Event) -> None:
        post_id = uuid.UUID(event.payload["post_id"])
        if event.topic == "post.created":
            created_at = datetime.fromisoformat(event.payload["created_at"])
            await signals.add_fresh(redis, post_id=post_id, created_at=created_at)
        elif event.topic == "post.deleted":
            await signals.remove_fresh(redis, post_id=post_id)
        await cards.mark_dirty(redis, [post_id])

    async def on_engaged(session: AsyncSession, redis: RedisStore, event: Event) -> None:
        await signals.engaged(redis, user_id=uuid.UUID(event.payload["user_id"]),
                              post_id=uuid.UUID(event.payload["post_id"]))

    async def on_block_changed(session: AsyncSession, redis: RedisStore, event: Event) -> None:
        await signals.rebuild_hidden(session, redis, user_ids=[uuid.UUID(event.payload["blocker_id"]),
                                                               uuid.UUID(event.payload["blocked_id"])])

    return [
        Handler(name="feed.fan-out", topics=("post.created",), fn=on_post_created),
        Handler(name="feed.backfill", topics=("user.followed",), fn=on_user_followed),
        Handler(name="feed.cards", topics=CARD_TOPICS, fn=on_post_changed),
        Handler(name="feed.engaged", topics=("post.liked", "post.saved"), fn=on_engaged),
        Handler(name="feed.hidden", topics=("user.blocked", "user.unblocked"), fn=on_block_changed),
    ]


async def refresh_cards_job(db: Database, redis: RedisStore, settings: Settings) -> int:
    done = 0
    async with db.session() as session:
        while (rendered := await cards.refresh_dirty(session, redis)) > 0:
            done += rendered
    return done


async def refresh_soldout_job(db: Database, redis: RedisStore, settings: Settings) -> int:
    async with db.session() as session:
        await signals.refresh_soldout(session, redis)
    return 0  # a routine refresh, not worth a log line


async def drain_impressions_job(db: Database, redis: RedisStore, settings: Settings) -> int:
    done = 0
    while (moved := await impressions.drain_once(db, redis)) > 0:
        done += moved
    return done
