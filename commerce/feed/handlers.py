"""Feed consumers: fan-out of new posts, backfill on follow."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core.eventbus import Event, Handler
from commerce.core.redis import RedisStore
from commerce.feed import service as feed


def make_handlers(config: feed.FeedConfig) -> list[Handler]:
    async def on_post_created(session: AsyncSession, redis: RedisStore, event: Event) -> None:
        await feed.fan_out(session, redis, config, post_id=uuid.UUID(event.payload["post_id"]),
                           author_id=uuid.UUID(event.payload["author_id"]),
                           created_at=datetime.fromisoformat(event.payload["created_at"]))

    async def on_user_followed(session: AsyncSession, redis: RedisStore, event: Event) -> None:
        await feed.backfill(session, redis, config, follower_id=uuid.UUID(event.payload["follower_id"]),
                            followee_id=uuid.UUID(event.payload["followee_id"]))

    return [
        Handler(name="feed.fan-out", topics=("post.created",), fn=on_post_created),
        Handler(name="feed.backfill", topics=("user.followed",), fn=on_user_followed),
    ]
