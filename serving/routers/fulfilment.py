"""/api/sellers/me/orders: the seller's side of an order — list, accept, pack, ship with tracking,
or cancel with a reason before shipping (the buyer is refunded in full).

Only approved sellers (403 `seller_required`), and only their own orders: anyone else's is a 404."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from commerce.core.pagination import Page
from commerce.orders import fulfilment
from commerce.orders.schemas import CancelIn, SellerOrderDetail, SellerOrderOut, SellerShipIn
from serving.deps import Cursor, Limit, SellerUser, SessionDep, SettingsDep
from serving.routers.auth import PROBLEM

router = APIRouter(prefix="/api/sellers/me/orders", tags=["seller orders"])
ERRORS = {401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, 422: PROBLEM}
OrderStatus = Literal["pending_payment", "paid", "processing", "shipped", "delivered", "completed", "cancelled",
                      "expired", "refunded", "partially_refunded"]


@router.get("", response_model=Page[SellerOrderOut], responses=ERRORS, summary="Your orders")
async def list_orders(me: SellerUser, session: SessionDep,
                      status: Annotated[list[OrderStatus] | None, Query(description="repeat for several")] = None,
                      cursor: Cursor = None, limit: Limit = 20) -> Page[SellerOrderOut]:
    """Newest first, with items and the buyer's shipping address. `?status=paid&status=processing` is
    the to-do list."""
    return await fulfilment.list_orders(session, seller_id=me.user_id, statuses=status, cursor=cursor, limit=limit)


@router.get("/{order_id}", response_model=SellerOrderDetail, responses=ERRORS, summary="One of your orders")
async def get_order(order_id: uuid.UUID, me: SellerUser, session: SessionDep) -> SellerOrderDetail:
    """With the status timeline and, once shipped, the courier's tracking."""
    return await fulfilment.get_order(session, seller_id=me.user_id, order_id=order_id)


@router.post("/{order_id}/accept", response_model=SellerOrderDetail, responses=ERRORS, summary="Accept an order")
async def accept(order_id: uuid.UUID, me: SellerUser, session: SessionDep) -> SellerOrderDetail:
    """paid → processing."""
    return await fulfilment.accept(session, seller_id=me.user_id, order_id=order_id)


@router.post("/{order_id}/pack", response_model=SellerOrderDetail, responses=ERRORS, summary="Mark as packed")
async def pack(order_id: uuid.UUID, me: SellerUser, session: SessionDep) -> SellerOrderDetail:
    """The parcel is packed and waits for the courier (sets `packed_at`; the order stays processing)."""
    return await fulfilment.pack(session, seller_id=me.user_id, order_id=order_id)


@router.post("/{order_id}/ship", response_model=SellerOrderDetail, responses=ERRORS, summary="Ship with tracking")
async def ship(order_id: uuid.UUID, body: SellerShipIn, me: SellerUser, session: SessionDep) -> SellerOrderDetail:
    """processing → shipped with the courier the buyer chose and its tracking number (the built-in
    `test` courier issues one when omitted). Creates the shipment whose tracking the buyer follows
    and publishes `order.shipped`."""
    return await fulfilment.ship(session, seller_id=me.user_id, order_id=order_id, courier=body.courier,
                                 tracking_number=body.tracking_number)


@router.post("/{order_id}/cancel", response_model=SellerOrderDetail, responses=ERRORS, summary="Cancel an order")
async def cancel(order_id: uuid.UUID, body: CancelIn, me: SellerUser, session: SessionDep,
                 settings: SettingsDep) -> SellerOrderDetail:
    """Before shipping, with a reason the buyer sees. A paid order is refunded in full and its stock
    goes back on the shelf; publishes `order.cancelled` with `cancelled_by: seller`."""
    return await fulfilment.cancel(session, seller_id=me.user_id, order_id=order_id, reason=body.reason,
                                   payment_secret=settings.webhook_secret("payments"))
