"""Engagement per product, read from the interaction log for the catalog's popularity.

A read model other contexts call, kept apart from service.py (which writes the log) the way
catalog/lookups.py is kept apart from catalog's use cases; it reads only this context's table.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# One row per (product, event type, person, UTC day): a person counts once a day per kind of touch
# however many events the app sends, so a client replaying views with new event ids (or a bot) cannot
# buy a product its rank. The latest touch of the day carries the group's age.
_ENGAGEMENT = text("""
    SELECT t.product_id,
           sum(w.weight * power(CAST(0.5 AS float8),
                                CAST(extract(epoch FROM (:until - t.at)) AS float8) / :half_life_s)) AS score
    FROM (
        SELECT product_id, event_type, max(occurred_at) AS at
        FROM interactions.interaction
        WHERE product_id IS NOT NULL AND event_type = ANY(CAST(:types AS text[]))
          AND occurred_at >= :since AND occurred_at <= :until
        GROUP BY product_id, event_type, user_id, CAST(occurred_at AT TIME ZONE 'UTC' AS date)
    ) AS t
    JOIN unnest(CAST(:types AS text[]), CAST(:weights AS float8[])) AS w(event_type, weight)
      ON w.event_type = t.event_type
    GROUP BY t.product_id
""")


async def product_engagement(session: AsyncSession, *, weights: Mapping[str, float], since: datetime,
                             until: datetime, half_life: timedelta) -> dict[uuid.UUID, float]:
    """{product_id: Σ weight × 0.5^(age / half_life)} over the distinct touches of each kind in
    WEIGHTS that occurred in [since, until]. Products with no such touch are absent."""
    if not weights:
        return {}
    types = list(weights)
    rows = await session.execute(_ENGAGEMENT, {
        "types": types, "weights": [float(weights[t]) for t in types], "since": since, "until": until,
        "half_life_s": half_life.total_seconds()})
    return {row.product_id: float(row.score) for row in rows}
