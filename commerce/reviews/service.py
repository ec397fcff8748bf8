"""Reviews: only the buyer of a delivered item may review it, once. The product's rating average and
count are recomputed from the reviews table in the same transaction, with the product row locked so
concurrent reviews of one product queue instead of losing each other, and the transaction also
publishes `review.created` (the seller's shop rating follows from it)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.catalog import service as catalog
from commerce.core import outbox
from commerce.core.clock import utcnow
from commerce.core.errors import Conflict, ValidationFailed
from commerce.core.ids import uuid7
from commerce.core.pagination import Page, decode_time_id, next_time_id_cursor
from commerce.orders import service as orders
from commerce.orders.states import REVIEWABLE
from commerce.reviews.models import Review
from commerce.reviews.schemas import ReviewIn, ReviewOut
from commerce.users import service as users


class AlreadyReviewed(Conflict):
    code = "already_reviewed"
    title = "You already reviewed this item"


class NotDeliveredYet(ValidationFailed):
    code = "order_not_delivered"
    title = "Items can be reviewed once they are delivered"


async def create_review(session: AsyncSession, *, buyer_id: uuid.UUID, data: ReviewIn) -> ReviewOut:
    product_id, status = await orders.reviewable_item(session, order_item_id=data.order_item_id, buyer_id=buyer_id)
    if status not in REVIEWABLE:
        raise NotDeliveredYet()
    # Held until commit: the aggregate below then counts every review committed before this one.
    await catalog.lock_for_rating(session, product_id=product_id)
    if await session.scalar(select(Review.id).where(Review.order_item_id == data.order_item_id)):
        raise AlreadyReviewed()
    review = Review(id=uuid7(), order_item_id=data.order_item_id, product_id=product_id, buyer_id=buyer_id,
                    rating=data.rating, text=data.text, photos=[p.model_dump(mode="json") for p in data.photos],
                    created_at=utcnow())
    session.add(review)
    await session.flush()
    average, count = (await session.execute(
        select(func.avg(Review.rating), func.count()).where(Review.product_id == product_id))).one()
    await catalog.set_rating(session, product_id=product_id, average=average, count=count)
    seller_id = (await catalog.product_sellers(session, product_ids=[product_id])).get(product_id)
    outbox.publish(session, "review.created", {
        "review_id": str(review.id), "product_id": str(product_id), "buyer_id": str(buyer_id),
        "seller_id": str(seller_id) if seller_id else None, "rating": review.rating,
        "created_at": review.created_at.isoformat()})
    try:
        await session.commit()
    except IntegrityError as exc:  # a concurrent duplicate
        await session.rollback()
        raise AlreadyReviewed() from exc
    return (await _out(session, [review]))[0]


async def _out(session: AsyncSession, reviews: list[Review]) -> list[ReviewOut]:
    authors = await users.author_cards(session, user_ids={r.buyer_id for r in reviews})
    return [ReviewOut(id=r.id, product_id=r.product_id, author=authors[r.buyer_id], rating=r.rating, text=r.text,
                      photos=r.photos, created_at=r.created_at) for r in reviews if r.buyer_id in authors]


async def product_reviews(session: AsyncSession, *, product_id: uuid.UUID, cursor: str | None,
                          limit: int = 20) -> Page[ReviewOut]:
    query = select(Review).where(Review.product_id == product_id)
    after = decode_time_id(cursor)
    if after is not None:
        query = query.where(tuple_(Review.created_at, Review.id) < after)
    rows = list(await session.scalars(query.order_by(Review.created_at.desc(), Review.id.desc()).limit(limit + 1)))
    next_cursor = next_time_id_cursor(rows, limit, key=lambda row: (row.created_at, row.id))
    return Page[ReviewOut](items=await _out(session, rows[:limit]), next_cursor=next_cursor)
