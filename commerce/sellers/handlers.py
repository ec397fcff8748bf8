"""The sellers context's consumer: keeps `seller_stats` current from catalog, review and order
events. The event bus records the event as processed in the same transaction as the refresh."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core.eventbus import Event, Handler
from commerce.core.redis import RedisStore
from commerce.sellers import stats
from commerce.sellers.stats import ORDER_TOPICS, PRODUCT_TOPICS


async def refresh_stats(session: AsyncSession, redis: RedisStore, event: Event) -> None:
    seller_id = event.payload.get("seller_id")
    if not seller_id:
        return  # a platform product or order: no shop to update
    await stats.refresh(session, seller_id=uuid.UUID(seller_id), products=event.topic not in ORDER_TOPICS,
                        orders=event.topic not in PRODUCT_TOPICS)


HANDLERS = [Handler(name="sellers.stats", topics=stats.TOPICS, fn=refresh_stats)]
