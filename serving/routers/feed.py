"""Feeds: following (newest first from the people you follow), for-you and explore (ranked).

The for-you and explore routes here document the endpoints; with `LAKOO_FEED_FAST_PATH` on (the
default) requests are answered by serving/feeds/endpoint.py's ASGI fast path mounted ahead of these,
which runs the same `serve` use case."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from commerce.content.schemas import PostCard
from commerce.core.pagination import Page
from commerce.feed import service as feed
from serving.deps import CurrentUser, Cursor, FeedConfigDep, Limit, RedisDep, SessionDep, State
from serving.feeds.endpoint import MAX_LIMIT, parse_params, serve
from serving.routers.auth import PROBLEM

router = APIRouter(prefix="/api/feed", tags=["feed"])
ERRORS = {401: PROBLEM, 422: PROBLEM, 503: PROBLEM}


class RankedPage(BaseModel):
    items: list[PostCard]
    next_cursor: str | None
    variant: str
    source: Literal["ranked", "fallback"]


@router.get("/following", response_model=Page[PostCard], responses={401: PROBLEM, 422: PROBLEM})
async def following(me: CurrentUser, session: SessionDep, redis: RedisDep, config: FeedConfigDep,
                    cursor: Cursor = None, limit: Limit = 20) -> Page[PostCard]:
    """Newest first from the people you follow, as hydrated post cards; stable cursor pagination."""
    return await feed.following_feed(session, redis, config, viewer_id=me.user_id, cursor=cursor, limit=limit)


FeedLimit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]


@router.get("/for-you", response_model=RankedPage, responses=ERRORS)
async def for_you(request: Request, me: CurrentUser, state: State, cursor: Cursor = None,
                  limit: FeedLimit = 20) -> Response:
    """Posts ranked for you: your collaborative-filtering candidates re-scored by the learned ranker,
    blended with fresh posts of the people you follow and of everyone; never your own posts, posts
    you recently saw, liked or saved, blocked authors, deleted posts or posts whose tagged products
    are all sold out; at most 2 posts per author on a page. Every item served is logged as an
    impression (surface `for_you`, position, experiment `variant`). When Redis or the ranking is
    unavailable the newest posts come from PostgreSQL (`source: fallback`)."""
    params = parse_params(request.url.query.encode(), explore=False)
    return Response(await serve(state, me, kind="for_you", params=params), media_type="application/json")


@router.get("/explore", response_model=RankedPage, responses=ERRORS)
async def explore(request: Request, me: CurrentUser, state: State, cursor: Cursor = None, limit: FeedLimit = 20,
                  hashtag: Annotated[str | None, Query(max_length=100, description="trending in a hashtag")] = None,
                  category: Annotated[str | None, Query(max_length=100, description="trending in a category "
                                                                                    "(its slug)")] = None,
                  ) -> Response:
    """Trending posts (time-decayed engagement velocity), overall or in one hashtag or category, with the
    same filters as for-you; logged as impressions with surface `explore`."""
    params = parse_params(request.url.query.encode(), explore=True)
    return Response(await serve(state, me, kind="explore", params=params), media_type="application/json")
