"""Impressions the ranked feeds served, from the Redis stream the feed script writes into the
interaction log (PostgreSQL), where analytics and the re-ranker's training read them.

The serving path only appends one stream entry per page (inside the same script that picks the
page), so logging costs the request nothing extra. The worker drains the stream in batches through
a consumer group: entries are acknowledged after their rows commit, a crashed drain leaves them
pending for the next one to claim, and event ids are derived from (stream entry id, position), so
a batch written twice inserts nothing the second time.

Entry fields: u viewer id · s surface · v experiment variant · x the experiment's name · r ranking
version · o position of the page's first item · ids post ids (hex, comma separated) · src each
item's candidate source · ts served at (epoch ms).
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime
from typing import Any

from redis.exceptions import ResponseError

from commerce.core.db import Database
from commerce.core.redis import RedisStore
from commerce.interactions import service as interactions

GROUP = "interactions-log"
NAMESPACE = uuid.UUID("6f1d9a53-2c4b-4e8e-9a51-7b3f0c2d4e61")
SOURCES = {"c": "cf", "t": "trending", "f": "following", "n": "fresh", "p": "popular"}
STREAM_MAXLEN = 1_000_000


def stream_key(redis: RedisStore) -> str:
    return redis.key("feed", "impressions")


def rows_of(entry_id: str, fields: dict[str, str]) -> list[dict[str, Any]]:
    """The interaction rows of one stream entry (one served page)."""
    ids = [i for i in fields.get("ids", "").split(",") if i]
    sources = fields.get("src", "").split(",")
    user_id = uuid.UUID(fields["u"])
    offset = int(fields.get("o", "0"))
    served_at = datetime.fromtimestamp(int(fields["ts"]) / 1000, UTC)
    rows = []
    for n, post_hex in enumerate(ids):
        rows.append({
            "event_id": uuid.uuid5(NAMESPACE, f"{entry_id}:{n}"), "user_id": user_id, "event_type": "impression",
            "surface": fields.get("s") or None, "position": offset + n, "post_id": uuid.UUID(hex=post_hex),
            "properties": {"variant": fields.get("v", ""), "experiment": fields.get("x") or None,
                           "rank_version": int(fields.get("r") or 0),
                           "candidate_source": SOURCES.get(sources[n] if n < len(sources) else "", "unknown")},
            "occurred_at": served_at,
        })
    return rows


async def _ensure_group(redis: RedisStore) -> None:
    try:
        await redis.client.xgroup_create(stream_key(redis), GROUP, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


async def drain_once(db: Database, redis: RedisStore, *, batch: int = 500, consumer: str | None = None,
                     claim_idle_ms: int = 30_000) -> int:
    """Move up to `batch` stream entries into the interaction log; returns how many impressions were
    inserted. Entries a crashed drain left pending longer than `claim_idle_ms` are claimed first."""
    await _ensure_group(redis)
    name = consumer or f"{socket.gethostname()}-{os.getpid()}"
    key = stream_key(redis)
    claimed = await redis.client.xautoclaim(key, GROUP, name, min_idle_time=claim_idle_ms, start_id="0-0",
                                            count=batch, justid=True)
    entries = []
    if claimed:
        # JUSTID, then the bodies: Redis 7 drops pending entries that were trimmed from the stream, but
        # 6.2 (the embedded server) would hand them back as nil on every claim, never to be acknowledged.
        pipe = redis.client.pipeline(transaction=False)
        for entry_id in claimed:
            pipe.xrange(key, min=entry_id, max=entry_id)
        bodies = {entry_id: (found[0][1] if found else None)
                  for entry_id, found in zip(claimed, await pipe.execute(), strict=True)}
        gone = [i for i, fields in bodies.items() if not fields]
        if gone:
            await redis.client.xack(key, GROUP, *gone)
        entries = [(i, fields) for i, fields in bodies.items() if fields]
    if len(entries) < batch:
        fresh = await redis.client.xreadgroup(GROUP, name, {key: ">"}, count=batch - len(entries))
        for _, messages in fresh or []:
            entries += [(i, f) for i, f in messages if f]
    if not entries:
        return 0
    rows = [row for entry_id, fields in entries for row in rows_of(entry_id, fields)]
    async with db.session() as session:
        inserted = await interactions.append_served(session, rows=rows)
    await redis.client.xack(key, GROUP, *[i for i, _ in entries])
    return inserted
