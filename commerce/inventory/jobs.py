"""Periodic inventory housekeeping, run by the worker (serving/workers/runner.py schedules it)."""

from __future__ import annotations

from commerce.core.db import Database
from commerce.core.redis import RedisStore
from commerce.core.settings import Settings
from commerce.inventory import service as inventory

BATCH = 500
# Bounds one run after an outage; whatever is left waits for the next tick.
MAX_BATCHES = 20


async def release_expired_job(db: Database, redis: RedisStore, settings: Settings) -> int:
    """Put lapsed holds back on the shelf. Each batch is its own short transaction, so a backlog
    never holds stock locks for long."""
    done = 0
    for _ in range(MAX_BATCHES):
        async with db.session() as session:
            expired = await inventory.release_expired(session, limit=BATCH)
        done += len(expired)
        if len(expired) < BATCH:
            break
    return done
