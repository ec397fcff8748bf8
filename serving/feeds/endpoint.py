"""GET /api/feed/for-you and /api/feed/explore.

`serve` is the whole use case: it authenticates, buckets the viewer into an experiment variant,
asks the ranked feed for a page and falls back to PostgreSQL (200, never 500) when Redis is down or
nothing is ranked yet. Two entry points call it:

- `FeedEndpoint`, a plain ASGI app mounted in front of FastAPI's router. The feed is the app's
  hottest path and FastAPI's per-request machinery (request object, dependency solving, response
  validation and re-serialization of cards that are already JSON) would cost more than the feed
  itself; this keeps the middleware (request id, security headers, metrics, access log) and skips
  the rest.
- the FastAPI routes in serving/routers/feed.py, which document the endpoints in OpenAPI and serve
  them when `LAKOO_FEED_FAST_PATH=false`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson
from redis.exceptions import RedisError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.types import Receive, Scope, Send

from commerce.auth import service as auth
from commerce.auth.tokens import VERIFIED, AccessClaims
from commerce.content import service as content
from commerce.core.clock import utcnow
from commerce.core.errors import DomainError, Unauthenticated, ValidationFailed
from commerce.core.ids import uuid7
from commerce.feed import signals
from commerce.interactions import service as interactions
from serving import problems
from serving.feeds.ranked import Cursor, FeedRequest, InvalidFeedCursor
from serving.state import AppState

log = logging.getLogger("lakoo.feed")

MAX_LIMIT = 50
FALLBACK_PREFIX = "pg."


@dataclass(frozen=True)
class FeedParams:
    limit: int = 20
    cursor: str | None = None
    hashtag: str | None = None
    category: str | None = None


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed("Request failed validation", errors=[{"loc": ["query", field], "msg": message,
                                                                  "type": "value_error"}])


def parse_params(query_string: bytes, *, explore: bool) -> FeedParams:
    """The same bounds FastAPI's Query declarations state in the OpenAPI document."""
    query = dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
    allowed = {"limit", "cursor"} | ({"hashtag", "category"} if explore else set())
    for name in query:
        if name not in allowed:
            raise _invalid(name, "unknown query parameter")
    limit = 20
    if "limit" in query:
        if not query["limit"].isdigit() or not 1 <= int(query["limit"]) <= MAX_LIMIT:
            raise _invalid("limit", f"an integer from 1 to {MAX_LIMIT}")
        limit = int(query["limit"])
    cursor = query.get("cursor") or None
    if cursor is not None and len(cursor) > 500:
        raise _invalid("cursor", "at most 500 characters")
    hashtag = (query.get("hashtag") or "").lstrip("#").strip().lower() or None
    category = (query.get("category") or "").strip().lower() or None
    for name, value in (("hashtag", hashtag), ("category", category)):
        if value is not None and (len(value) > 100 or any(c in value for c in ", \n")):
            raise _invalid(name, "at most 100 characters, no spaces or commas")
    if hashtag and category:
        raise _invalid("category", "filter by a hashtag or a category, not both")
    return FeedParams(limit=limit, cursor=cursor, hashtag=hashtag, category=category)


def authenticate(headers: list[tuple[bytes, bytes]], state: AppState) -> AccessClaims:
    """The JWT part of auth.verify_access; the revocation lookup rides inside the feed script."""
    value = next((v for k, v in headers if k == b"authorization"), b"").decode("latin-1")
    scheme, _, token = value.partition(" ")
    if not value:
        raise Unauthenticated("Send an access token as `Authorization: Bearer <token>`")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated()
    config = state.auth
    return VERIFIED.decode(token.strip(), secret=config.secret, issuer=config.issuer, audience=config.audience)


async def serve(state: AppState, claims: AccessClaims, *, kind: str, params: FeedParams) -> bytes:
    viewer = claims.user_id
    explore = kind == "explore"
    experiment = state.experiment
    # Explore is in no experiment; for-you buckets every viewer, the fallback pages included, so an
    # impression's variant always says which lists the viewer was assigned to.
    variant = "control" if explore else experiment.variant(viewer)
    experiment_name = "" if explore else experiment.name

    def fallback() -> Awaitable[bytes]:
        return _fallback(state, viewer, kind=kind, params=params, variant=variant, experiment=experiment_name)

    if params.cursor and params.cursor.startswith(FALLBACK_PREFIX):
        return await fallback()
    trending = f"tag:{params.hashtag}" if params.hashtag else f"cat:{params.category}" if params.category else "global"
    request = FeedRequest(
        viewer_id=viewer, surface=kind, limit=params.limit, variant=variant, experiment=experiment_name,
        space=experiment.space(variant),
        cursor=Cursor.decode(params.cursor, kind if not explore else f"explore:{trending}"), trending=trending,
        personal=not explore, use_following=not explore, use_fresh=trending == "global",
        denylist_key=auth.denylist_key(state.redis, claims.jti))
    try:
        page = await state.ranked.page(request)
    except RedisError:
        log.warning("redis unavailable; %s served from postgres", kind, exc_info=True)
        return await fallback()
    if not page.count and params.cursor is None:
        # Nothing ranked, trending or fresh yet (a new deployment, a flushed Redis), or the viewer has
        # seen all of it: recency from PostgreSQL, minus what they saw, beats an empty screen.
        return await fallback()
    return page.body()


async def _seen(state: AppState, viewer: uuid.UUID) -> set[uuid.UUID] | None:
    """The viewer's recently served posts, or None when Redis cannot say."""
    try:
        members = await state.redis.client.zrange(signals.seen_key(state.redis, viewer), 0, -1)
    except RedisError:
        return None
    return {uuid.UUID(hex=m) for m in members}


async def _fallback(state: AppState, viewer: uuid.UUID, *, kind: str, params: FeedParams, variant: str,
                    experiment: str) -> bytes:
    """Newest posts from PostgreSQL, logged as impressions directly (the stream may be down too)."""
    position, inner = 0, None
    if params.cursor:
        head, _, inner = params.cursor[len(FALLBACK_PREFIX):].partition(".")
        if not head.isdigit() or not inner:
            raise InvalidFeedCursor()
        position = int(head)
    seen = await _seen(state, viewer)
    async with state.db.session() as session:
        page = await content.recent_posts(session, viewer_id=viewer, cursor=inner, limit=params.limit,
                                          hashtag=params.hashtag, category=params.category, exclude=seen or ())
        now = utcnow()
        await interactions.append_served(session, rows=[{
            "event_id": uuid7(), "user_id": viewer, "event_type": "impression", "surface": kind,
            "position": position + n, "post_id": card.id, "occurred_at": now,
            "properties": {"variant": variant, "experiment": experiment or None, "rank_version": 0,
                           "candidate_source": "popular"},
        } for n, card in enumerate(page.items)])
    if seen is not None and page.items:
        try:
            await signals.mark_seen(state.redis, user_id=viewer, post_ids=[card.id for card in page.items])
        except RedisError:
            pass
    next_cursor = f"{FALLBACK_PREFIX}{position + len(page.items)}.{page.next_cursor}" if page.next_cursor else None
    body: dict[str, Any] = {"items": [card.model_dump(mode="json") for card in page.items], "next_cursor": next_cursor,
                            "variant": variant, "source": "fallback"}
    return orjson.dumps(body)


class FeedEndpoint:
    """The ASGI fast path for one feed (see the module docstring)."""

    def __init__(self, kind: str, path: str) -> None:
        self.kind = kind
        self.path = path  # read by the metrics middleware as the route template

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = self
        if scope["method"] not in ("GET", "HEAD"):
            response = problems.problem(405, "method_not_allowed", "Method Not Allowed", instance=self.path,
                                        headers={"Allow": "GET"})
            await response(scope, receive, send)
            return
        state: AppState = scope["app"].state.lakoo
        try:
            claims = authenticate(scope["headers"], state)
            params = parse_params(scope["query_string"], explore=self.kind == "explore")
            body = await serve(state, claims, kind=self.kind, params=params)
        except DomainError as exc:
            await problems.domain_problem(exc, self.path)(scope, receive, send)
            return
        except (RedisError, OperationalError, PoolTimeout) as exc:  # both stores failing at once
            log.warning("store unavailable", extra={"path": self.path, "error": type(exc).__name__})
            await problems.problem(503, "store_unavailable", "A data store is busy or unreachable; retry shortly",
                                   instance=self.path, headers={"Retry-After": "1"})(scope, receive, send)
            return
        except Exception:  # noqa: BLE001 - the fast path answers problem+json like every other route
            log.exception("unhandled error", extra={"path": self.path})
            await problems.problem(500, "internal_error", "An unexpected error occurred; it has been logged",
                                   instance=self.path)(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})

