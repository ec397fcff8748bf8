"""Periodic catalog housekeeping, run by the worker (serving/workers/runner.py schedules it)."""

from __future__ import annotations

from commerce.catalog.popularity import refresh_popularity
from commerce.core.db import Database
from commerce.core.redis import RedisStore
from commerce.core.settings import Settings

# Scores move slowly (a 7-day half-life), so a few minutes' lag costs nothing, and the recompute
# scans 30 days of the interaction log.
POPULARITY_INTERVAL_S = 600


async def refresh_popularity_job(db: Database, redis: RedisStore, settings: Settings) -> int:
    async with db.session() as session:
        return await refresh_popularity(session)
