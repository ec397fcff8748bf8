"""Seller stats, recomputed from the contexts that own the facts (catalog: products and ratings;
orders: orders and GMV) whenever an event says one of them changed.

Recomputing instead of adding deltas keeps the row exact under redelivery, reordering and replays,
and costs one aggregate per source over one seller's rows (both indexed by seller)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.catalog import service as catalog
from commerce.core.clock import utcnow
from commerce.orders import fulfilment
from commerce.sellers.models import Seller, SellerStats

PRODUCT_TOPICS = ("product.approved", "product.archived", "review.created")
ORDER_TOPICS = ("order.paid", "order.shipped", "order.completed", "order.cancelled", "order.refunded")
TOPICS = ("seller.approved", *PRODUCT_TOPICS, *ORDER_TOPICS)


async def ensure_stats_row(session: AsyncSession, *, seller_id: uuid.UUID) -> None:
    """Joins the caller's transaction."""
    await session.execute(insert(SellerStats).values(
        seller_id=seller_id, active_products=0, orders_paid=0, orders_to_ship=0, orders_completed=0,
        orders_cancelled=0, gmv=0, gmv_completed=0, rating_avg=None, rating_count=0, updated_at=utcnow(),
    ).on_conflict_do_nothing(index_elements=["seller_id"]))


async def refresh(session: AsyncSession, *, seller_id: uuid.UUID, products: bool = True,
                  orders: bool = True) -> bool:
    """Recompute one seller's figures in the caller's transaction. False (and nothing written) when
    the id is not a seller's — platform products and orders carry no seller."""
    if await session.scalar(select(Seller.user_id).where(Seller.user_id == seller_id)) is None:
        return False
    await ensure_stats_row(session, seller_id=seller_id)
    row = await session.scalar(select(SellerStats).where(SellerStats.seller_id == seller_id).with_for_update()
                               .execution_options(populate_existing=True))
    assert row is not None
    if products:
        row.active_products, row.rating_avg, row.rating_count = await catalog.seller_figures(
            session, seller_id=seller_id)
    if orders:
        figures = await fulfilment.seller_figures(session, seller_id=seller_id)
        row.orders_paid, row.orders_to_ship = figures.paid, figures.to_ship
        row.orders_completed, row.orders_cancelled = figures.completed, figures.cancelled
        row.gmv, row.gmv_completed = figures.gmv, figures.gmv_completed
    row.updated_at = utcnow()
    return True


async def refresh_all(session: AsyncSession, *, seller_ids: list[uuid.UUID]) -> int:
    """Recompute several sellers and commit (the demo generator; an operator after a backfill)."""
    done = 0
    for seller_id in sorted(set(seller_ids)):
        done += await refresh(session, seller_id=seller_id)
    await session.commit()
    return done
