"""The ranked feeds (for-you, explore): which version and list to read, one Redis script per page,
and the PostgreSQL fallback when Redis or the ranking is unavailable.

Stage by stage (the home-mixer shape): candidate sources — the viewer's ranked list (CF candidates
re-scored by the learned ranker in the retrain flow), trending, fresh posts of followed authors and
fresh posts of everyone — then filters (seen, engaged, deleted, own, blocked, sold out), author
diversity, fresh-post blending and cursor pagination, all inside `page.lua`, so a page costs one
round trip whatever the filters throw away. Cards come pre-serialized from the card cache and leave
as bytes.

A cursor pins the ranking version it started on: pages keep reading the same lists (the previous
version outlives a swap by an hour) and positions stay consistent. A cursor whose version has
expired restarts on the live one; the seen-filter keeps it from repeating what was shown.
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from redis.exceptions import NoScriptError

from commerce.auth.errors import InvalidToken
from commerce.core.errors import ValidationFailed
from commerce.core.redis import RedisStore
from commerce.feed.signals import SEEN_WINDOW_MS
from ranking.publish import bucket_of, keys, trending_prefix

log = logging.getLogger("lakoo.feed.ranked")

SCRIPT = (Path(__file__).with_name("page.lua")).read_text()
FRESH_WINDOW_MS = 72 * 3_600_000
AUTHOR_CAP = 2
POINTER_TTL_S = 2.0

RenderCards = Callable[[list[uuid.UUID]], Awaitable[None]]


class InvalidFeedCursor(ValidationFailed):
    code = "invalid_cursor"
    title = "The cursor is not one this feed issued"


@dataclass(frozen=True)
class Version:
    number: int
    manifest: dict[str, Any]

    def space(self, name: str) -> dict[str, Any] | None:
        return (self.manifest.get("spaces") or {}).get(name)


class RankingPointer:
    """The live ranking version under `prefix`, read at most every POINTER_TTL_S per process (a GET
    of the pointer; the manifest is read once per version), so the hot path adds no round trip for it.

    The page script reads item ids at fixed offsets of a space's item table (37 bytes: a canonical
    UUID and a newline), so a space whose table is not laid out that way is dropped, loudly, and the
    feed falls back to its other sources rather than serving garbage."""

    def __init__(self, redis: RedisStore, ttl_s: float = POINTER_TTL_S, *, prefix: str | None = None) -> None:
        self.redis = redis
        self.ttl_s = ttl_s
        self.prefix = prefix or redis.namespace
        self._current: tuple[float, Version | None] = (0.0, None)
        self._manifests: dict[int, Version] = {}

    async def current(self) -> Version | None:
        checked_at, version = self._current
        if self.ttl_s > 0 and time.monotonic() - checked_at < self.ttl_s:
            return version
        raw = await self.redis.binary.get(keys.current(self.prefix))
        version = await self.get(int(raw)) if raw else None
        self._current = (time.monotonic(), version)
        return version

    async def get(self, number: int) -> Version | None:
        if self.ttl_s > 0 and number in self._manifests:  # 0 turns caching off (tests flush Redis)
            return self._manifests[number]
        raw = await self.redis.binary.get(keys.manifest(self.prefix, number))
        if raw is None:
            return None
        manifest = orjson.loads(raw)
        for name, info in list((manifest.get("spaces") or {}).items()):
            width = await self.redis.binary.strlen(keys.items(self.prefix, number, name))
            if width != max(0, int(info.get("items", 0)) * 37 - 1):
                log.error("ranking space %s of version %s is not a fixed-width uuid table; ignored", name, number)
                del manifest["spaces"][name]
        version = Version(number, manifest)
        if len(self._manifests) > 8:
            self._manifests.pop(min(self._manifests))
        self._manifests[number] = version
        return version


@dataclass
class Cursor:
    """Where a feed stopped: offsets in the ranked and trending lists, the timestamps reached in the
    following and fresh sets, the next position, and what it belongs to."""

    scope: str
    version: int = 0
    tv: int = 0  # the trending version, when trending came from its own pointer
    c: int = 0
    t: int = 0
    f: str = ""
    n: str = ""
    position: int = 0

    def encode(self) -> str:
        raw = orjson.dumps([self.scope, self.version, self.tv, self.c, self.t, self.f, self.n, self.position])
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str | None, scope: str) -> Cursor:
        if not text:
            return cls(scope=scope)
        try:
            data = orjson.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            got_scope, version, tv, c, t, f, n, position = data
            ok = (got_scope == scope and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                                             for v in (version, tv, c, t, position))
                  and all(isinstance(v, str) and (v == "" or v.replace(".", "", 1).isdigit()) for v in (f, n)))
        except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
            ok = False
        if not ok:
            raise InvalidFeedCursor()
        return cls(scope=scope, version=version, tv=tv, c=c, t=t, f=f, n=n, position=position)


@dataclass
class FeedRequest:
    viewer_id: uuid.UUID
    surface: str  # for_you | explore
    limit: int
    cursor: Cursor
    variant: str = "control"
    experiment: str = ""  # the experiment the variant is of; "" when the surface is in none
    space: str = "post"
    trending: str = "global"
    personal: bool = True  # read the viewer's ranked candidates
    use_following: bool = True
    use_fresh: bool = True
    denylist_key: str = ""  # the access token's revocation key, checked inside the script


@dataclass
class FeedPage:
    cards: bytes  # the cached card JSONs of the page, comma-separated, as the script joined them
    next_cursor: str | None
    variant: str
    version: int
    source: str = "ranked"
    stats: dict[str, Any] = field(default_factory=dict)  # the script's meta: its cursor state, `served`, ...

    @property
    def count(self) -> int:
        """Cards on the page: `cards` is one joined string, so the script says how many."""
        return int(self.stats["served"])

    def body(self) -> bytes:
        """The response JSON, assembled from the cached card bytes without parsing them."""
        cursor = orjson.dumps(self.next_cursor)
        return (b'{"items":[' + self.cards + b'],"next_cursor":' + cursor + b',"variant":'
                + orjson.dumps(self.variant) + b',"source":' + orjson.dumps(self.source) + b"}")


class RankedFeeds:
    """Per-process: the script's SHA, the version pointer, and how to render missing cards."""

    def __init__(self, redis: RedisStore, render_cards: RenderCards, *, pointer_ttl_s: float = POINTER_TTL_S) -> None:
        self.redis = redis
        self.pointer = RankingPointer(redis, pointer_ttl_s)
        # Trending is refreshed far more often than the models are retrained, under its own pointer.
        self.trending_pointer = RankingPointer(redis, pointer_ttl_s, prefix=trending_prefix(redis.namespace))
        self.render_cards = render_cards
        self._sha: bytes | str | None = None

    async def _run(self, args: list[Any]) -> list[bytes]:
        client = self.redis.binary
        if self._sha is None:
            self._sha = await client.script_load(SCRIPT)
        try:
            return await client.evalsha(self._sha, 0, *args)
        except NoScriptError:  # Redis restarted or flushed its script cache
            self._sha = await client.script_load(SCRIPT)
            return await client.evalsha(self._sha, 0, *args)

    async def _pinned(self, pointer: RankingPointer, number: int) -> Version | None:
        """The version a cursor started on, if it still exists (it outlives a swap by an hour)."""
        pinned = await pointer.get(number)
        if pinned is not None and await self.redis.binary.exists(keys.manifest(pointer.prefix, number)):
            return pinned
        return None

    async def _versions(self, cursor: Cursor) -> tuple[Version | None, Version | None]:
        """(ranking version, separate trending version or None: trending then comes from the ranking one)."""
        version = await self._pinned(self.pointer, cursor.version) if cursor.version else None
        if version is None:
            if cursor.version:
                cursor.c = 0  # the version expired: restart its list on the live one
            version = await self.pointer.current()
        trend = await self._pinned(self.trending_pointer, cursor.tv) if cursor.tv else None
        if trend is None:
            if cursor.tv:
                cursor.t = 0
            trend = await self.trending_pointer.current()
        return version, trend

    async def page(self, request: FeedRequest) -> FeedPage:
        cursor = request.cursor
        version, trend_version = await self._versions(cursor)
        ns = self.redis.namespace
        cand_key = items_key = trend_key = trend_items_key = ""
        if version is not None:
            space_name = request.space if version.space(request.space) else "post"
            space = version.space(space_name)
            if space is not None:
                items_key = keys.items(ns, version.number, space_name)
                if request.personal and space.get("users"):
                    cand_key = keys.candidates(ns, version.number, space_name,
                                               bucket_of(str(request.viewer_id), int(space.get("buckets", 1))))
                if trend_version is None:
                    trend_key, trend_items_key = keys.trending(ns, version.number, space_name), items_key
        if trend_version is not None and trend_version.space("post") is not None:
            prefix = self.trending_pointer.prefix
            trend_key = keys.trending(prefix, trend_version.number, "post")
            trend_items_key = keys.items(prefix, trend_version.number, "post")
        now_ms = int(time.time() * 1000)
        args = [ns, request.viewer_id.hex, str(request.viewer_id), cand_key, str(request.viewer_id), items_key,
                trend_key, request.trending, cursor.c, cursor.t, cursor.f, cursor.n, request.limit, now_ms,
                request.variant, version.number if version else 0, request.surface, AUTHOR_CAP, SEEN_WINDOW_MS,
                now_ms - FRESH_WINDOW_MS, int(request.use_following), int(request.use_fresh), cursor.position,
                1, 1, 1, request.denylist_key, trend_items_key, request.experiment]
        result = await self._run(args)
        if result and result[0] == b"REVOKED":
            raise InvalidToken()
        if result and result[0] == b"MISS":
            await self.render_cards([uuid.UUID(hex=m.decode()) for m in result[1:]])
            args[23] = 0  # strict off: whatever is still missing is skipped and queued for the worker
            result = await self._run(args)
        meta = orjson.loads(result[0])
        next_cursor = None
        if not meta["exhausted"]:
            next_cursor = Cursor(scope=cursor.scope, version=version.number if version else 0,
                                 tv=trend_version.number if trend_version else 0, c=meta["c"],
                                 t=meta["t"], f=str(meta["f"]), n=str(meta["n"]),
                                 position=cursor.position + int(meta["served"])).encode()
        return FeedPage(cards=result[1], next_cursor=next_cursor, variant=request.variant,
                        version=version.number if version else 0, stats=meta)
