"""Seller-side fulfilment: the seller's order list and the steps between "paid" and "shipped".

    paid ──accept──▶ processing (accepted_at) ──pack──▶ processing (packed_at) ──ship──▶ shipped
      └───────────────── cancel with a reason (refund in full, stock back) ─────┘

Every function takes the seller's user id and only ever finds that seller's orders: someone else's
order is a 404, exactly like one that does not exist. Shipping and cancelling reuse the order
service's own use cases (the admin `/ship` and the buyer's cancel), so there is one code path that
creates shipments, refunds payments and publishes `order.shipped` / `order.cancelled`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core import outbox
from commerce.core.clock import utcnow
from commerce.core.pagination import Page, decode_time_id, next_time_id_cursor
from commerce.orders import service as orders
from commerce.orders.errors import CourierMismatch, InvalidOrderTransition, OrderNotFound
from commerce.orders.models import Order, OrderStatusChange
from commerce.orders.schemas import SellerOrderDetail, SellerOrderOut
from commerce.orders.service import _event, _items, _move, _order_out


@dataclass(frozen=True)
class SellerOrderFigures:
    """What the seller's stats show about orders. GMV = order totals of paid orders minus refunds."""

    paid: int
    to_ship: int
    completed: int
    cancelled: int
    gmv: int
    gmv_completed: int


async def _seller_order(session: AsyncSession, seller_id: uuid.UUID, order_id: uuid.UUID, *,
                        lock: bool = False) -> Order:
    query = select(Order).where(Order.id == order_id, Order.seller_id == seller_id)
    if lock:
        query = query.with_for_update()
    order = await session.scalar(query)
    if order is None:
        raise OrderNotFound()
    return order


async def _detail(session: AsyncSession, order: Order) -> SellerOrderDetail:
    detail = await orders.get_order(session, order_id=order.id, buyer_id=None)
    return SellerOrderDetail(**detail.model_dump(), accepted_at=order.accepted_at, packed_at=order.packed_at)


async def list_orders(session: AsyncSession, *, seller_id: uuid.UUID, statuses: Sequence[str] | None = None,
                      cursor: str | None = None, limit: int = 20) -> Page[SellerOrderOut]:
    """Newest first; `statuses` narrows to those (e.g. paid + processing: the to-do list)."""
    query = select(Order).where(Order.seller_id == seller_id)
    if statuses:
        query = query.where(Order.status.in_(list(statuses)))
    after = decode_time_id(cursor)
    if after is not None:
        query = query.where(tuple_(Order.created_at, Order.id) < after)
    rows = list(await session.scalars(query.order_by(Order.created_at.desc(), Order.id.desc()).limit(limit + 1)))
    page = rows[:limit]
    items = await _items(session, [o.id for o in page])
    return Page[SellerOrderOut](
        items=[SellerOrderOut(**_order_out(o, items[o.id]).model_dump(), accepted_at=o.accepted_at,
                              packed_at=o.packed_at) for o in page],
        next_cursor=next_time_id_cursor(rows, limit, key=lambda o: (o.created_at, o.id)))


async def get_order(session: AsyncSession, *, seller_id: uuid.UUID, order_id: uuid.UUID) -> SellerOrderDetail:
    """With the status timeline and, once shipped, the courier's tracking."""
    return await _detail(session, await _seller_order(session, seller_id, order_id))


async def accept(session: AsyncSession, *, seller_id: uuid.UUID, order_id: uuid.UUID) -> SellerOrderDetail:
    """paid → processing: the seller commits to fulfil the order."""
    order = await _seller_order(session, seller_id, order_id, lock=True)
    if order.status != "paid":
        raise InvalidOrderTransition(f"only paid orders can be accepted; this one is {order.status}")
    _move(session, order, "processing", "accepted by the seller")
    order.accepted_at = utcnow()
    outbox.publish(session, "order.accepted", _event(order, accepted_at=order.accepted_at.isoformat()))
    await session.commit()
    return await _detail(session, order)


async def pack(session: AsyncSession, *, seller_id: uuid.UUID, order_id: uuid.UUID) -> SellerOrderDetail:
    """The parcel is packed and waits for the courier. A step inside `processing`, recorded in the
    timeline for the buyer, not a status of its own."""
    order = await _seller_order(session, seller_id, order_id, lock=True)
    if order.status != "processing":
        raise InvalidOrderTransition(f"accept the order before packing it; it is {order.status}")
    if order.packed_at is not None:
        raise InvalidOrderTransition("the order is already packed")
    now = utcnow()
    order.packed_at = now
    session.add(OrderStatusChange(order_id=order.id, from_status="processing", to_status="processing",
                                  note="packed, waiting for the courier", at=now))
    outbox.publish(session, "order.packed", _event(order, packed_at=now.isoformat()))
    await session.commit()
    return await _detail(session, order)


async def ship(session: AsyncSession, *, seller_id: uuid.UUID, order_id: uuid.UUID, courier: str | None,
               tracking_number: str | None) -> SellerOrderDetail:
    """processing → shipped with the buyer's courier and a tracking number: creates the shipment and
    publishes `order.shipped` (with seller, buyer, courier and tracking number). Shipping an
    accepted but unpacked order records the packing at the same moment."""
    order = await _seller_order(session, seller_id, order_id, lock=True)
    if order.status != "processing":
        raise InvalidOrderTransition(f"accept the order before shipping it; it is {order.status}")
    if courier is not None and courier != order.courier:
        raise CourierMismatch(f"the buyer chose {order.courier} {order.courier_service}",
                              order_courier=order.courier)
    if order.packed_at is None:
        order.packed_at = utcnow()
    await orders.ship(session, order_id=order.id, tracking_number=tracking_number)
    return await _detail(session, order)


async def cancel(session: AsyncSession, *, seller_id: uuid.UUID, order_id: uuid.UUID, reason: str,
                 payment_secret: str) -> SellerOrderDetail:
    """Before shipping only. A paid order is refunded in full through the same path as the buyer's
    own cancellation, and `order.cancelled` says the seller did it and why."""
    order = await _seller_order(session, seller_id, order_id, lock=True)
    await orders.cancel(session, order_id=order.id, buyer_id=None, reason=reason, payment_secret=payment_secret,
                        cancelled_by="seller")
    return await _detail(session, order)


async def seller_figures(session: AsyncSession, *, seller_id: uuid.UUID) -> SellerOrderFigures:
    """One aggregate over the seller's orders (index `ix_order_seller_created`)."""
    paid = Order.paid_at.is_not(None)
    kept = Order.total - Order.refunded_amount
    row = (await session.execute(select(
        func.count().filter(paid),
        func.count().filter(Order.status.in_(("paid", "processing"))),
        func.count().filter(Order.completed_at.is_not(None)),
        func.count().filter(paid, Order.status == "cancelled"),
        func.coalesce(func.sum(kept).filter(paid), 0),
        func.coalesce(func.sum(kept).filter(Order.completed_at.is_not(None)), 0),
    ).where(Order.seller_id == seller_id))).one()
    return SellerOrderFigures(*(int(value) for value in row))
