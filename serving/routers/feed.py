"""Feeds. The following feed is here; for-you and explore arrive with ranking."""

from __future__ import annotations

from fastapi import APIRouter

from commerce.content.schemas import PostCard
from commerce.core.pagination import Page
from commerce.feed import service as feed
from serving.deps import CurrentUser, Cursor, FeedConfigDep, Limit, RedisDep, SessionDep
from serving.routers.auth import PROBLEM

router = APIRouter(prefix="/api/feed", tags=["feed"])


@router.get("/following", response_model=Page[PostCard], responses={401: PROBLEM, 422: PROBLEM})
async def following(me: CurrentUser, session: SessionDep, redis: RedisDep, config: FeedConfigDep,
                    cursor: Cursor = None, limit: Limit = 20) -> Page[PostCard]:
    """Newest first from the people you follow, as hydrated post cards; stable cursor pagination."""
    return await feed.following_feed(session, redis, config, viewer_id=me.user_id, cursor=cursor, limit=limit)
