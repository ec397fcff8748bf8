"""`product.popularity`: what `sort=popularity` orders by, recomputed from recent engagement.

popularity = round(10 × Σ weight × 0.5^(age / 7 days)) over the last 30 days of product views (1),
product-tag clicks on posts (2), add-to-carts (4) and purchases (8), each person counting once a day
per kind of touch (see interactions/engagement.py). So a fresh view is worth 10 points, a purchase
80, and both lose half their weight every week.

Why this shape: a buy says more than a look, so the weights climb along the funnel; the decay lets
this week's favourites overtake last season's instead of all-time totals freezing the order; the
30-day window (4 half-lives, where a touch is down to 6% of its weight) bounds the scan; counting
people instead of events keeps one enthusiastic (or scripted) client from buying a rank.

A worker job recomputes every score from the log rather than folding events in as they arrive: a
missed or doubled run changes nothing, late events (the log accepts them up to 7 days late) count
as soon as they land, and the formula can change without a backfill.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.catalog.models import Product
from commerce.core.clock import utcnow
from commerce.interactions import engagement

WEIGHTS = {"product_view": 1.0, "product_tag_click": 2.0, "add_to_cart": 4.0, "purchase": 8.0}
HALF_LIFE = timedelta(days=7)
WINDOW = timedelta(days=30)
POINTS = 10
BATCH = 500


async def refresh_popularity(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Bring every product's popularity up to NOW; returns how many changed. Writes only rows whose
    value moved, in batches that each lock their rows in id order and commit, so product edits and
    rating updates wait at most one short batch and never deadlock with this."""
    now = now or utcnow()
    scores = await engagement.product_engagement(session, weights=WEIGHTS, since=now - WINDOW, until=now,
                                                 half_life=HALF_LIFE)
    wanted = {product_id: round(POINTS * score) for product_id, score in scores.items()}
    rows = await session.execute(text(
        "SELECT id, popularity FROM catalog.product WHERE popularity <> 0 OR id = ANY(CAST(:ids AS uuid[]))"),
        {"ids": list(wanted)})
    current: dict[uuid.UUID, int] = {row.id: row.popularity for row in rows}
    changed = sorted((pid, wanted.get(pid, 0)) for pid, points in current.items() if points != wanted.get(pid, 0))
    await session.commit()  # end the read before the writes take their locks
    for start in range(0, len(changed), BATCH):
        batch = changed[start:start + BATCH]
        ids: list[uuid.UUID] = [pid for pid, _ in batch]
        await session.execute(select(Product.id).where(Product.id.in_(ids)).order_by(Product.id).with_for_update())
        await session.execute(text(
            "UPDATE catalog.product AS p SET popularity = d.points "
            "FROM unnest(CAST(:ids AS uuid[]), CAST(:points AS bigint[])) AS d(id, points) WHERE p.id = d.id"),
            {"ids": ids, "points": [points for _, points in batch]})
        await session.commit()
    return len(changed)
