"""/api/checkout and /api/orders."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from commerce.core.pagination import Page
from commerce.orders import service as orders
from commerce.orders.errors import IdempotencyKeyRequired
from commerce.orders.schemas import CancelIn, CheckoutIn, CheckoutOut, OrderDetail, OrderOut, RefundTo, ShipIn
from serving.deps import AdminUser, CurrentUser, Cursor, Limit, SessionDep, SettingsDep
from serving.routers.auth import PROBLEM

router = APIRouter(tags=["orders"])
ERRORS = {401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, 422: PROBLEM}


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Annotated[int, Field(gt=0)]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    refund_to: RefundTo = "wallet"


@router.post("/api/checkout", status_code=201, response_model=CheckoutOut, responses=ERRORS)
async def checkout(body: CheckoutIn, me: CurrentUser, session: SessionDep, settings: SettingsDep,
                   idempotency_key: Annotated[str | None, Header()] = None) -> JSONResponse:
    """Turns the cart into one order per seller, reserves the stock and creates the payment intent.
    Requires `Idempotency-Key`: a retry with the same key and body returns the first response
    (`Idempotent-Replayed: true`); the same key with another body is 409.

    `wallet_amount` (or `use_wallet: true`) pays part or all of it from the buyer's wallet in the same
    transaction; the intent covers only the rest. More than the wallet holds is 422
    `insufficient_wallet_balance` and nothing is charged or reserved. When the wallet covers
    everything there is no intent and the orders are paid at once."""
    if not idempotency_key or len(idempotency_key) > 100:
        raise IdempotencyKeyRequired()
    response, replayed = await orders.checkout(session, buyer_id=me.user_id, idempotency_key=idempotency_key,
                                               data=body, reservation_ttl_s=settings.reservation_ttl_s)
    return JSONResponse(response, status_code=201, headers={"Idempotent-Replayed": str(replayed).lower()})


@router.get("/api/orders", response_model=Page[OrderOut], responses=ERRORS)
async def list_orders(me: CurrentUser, session: SessionDep, cursor: Cursor = None, limit: Limit = 20) -> Page[OrderOut]:
    return await orders.list_orders(session, buyer_id=me.user_id, cursor=cursor, limit=limit)


@router.get("/api/orders/{order_id}", response_model=OrderDetail, responses=ERRORS)
async def get_order(order_id: uuid.UUID, me: CurrentUser, session: SessionDep) -> OrderDetail:
    """With its status timeline and the courier's tracking timeline once shipped."""
    return await orders.get_order_for(session, order_id=order_id, viewer_id=me.user_id, roles=me.roles)


@router.post("/api/orders/{order_id}/cancel", response_model=OrderDetail, responses=ERRORS)
async def cancel(order_id: uuid.UUID, body: CancelIn, me: CurrentUser, session: SessionDep,
                 settings: SettingsDep) -> OrderDetail:
    """Before shipping. A paid order is refunded in full, to the wallet unless `refund_to` is
    `original`."""
    return await orders.cancel(session, order_id=order_id, buyer_id=me.user_id, reason=body.reason,
                               payment_secret=settings.webhook_secret("payments"), refund_to=body.refund_to)


@router.post("/api/orders/{order_id}/complete", response_model=OrderDetail, responses=ERRORS)
async def complete(order_id: uuid.UUID, me: CurrentUser, session: SessionDep) -> OrderDetail:
    """The buyer confirms receipt of a delivered order."""
    return await orders.complete(session, order_id=order_id, buyer_id=me.user_id)


@router.post("/api/orders/{order_id}/ship", response_model=OrderDetail, responses=ERRORS)
async def ship(order_id: uuid.UUID, body: ShipIn, admin: AdminUser, session: SessionDep) -> OrderDetail:
    """Hand over to the courier (admin). Sellers ship their own orders with
    `POST /api/sellers/me/orders/{id}/ship`."""
    return await orders.ship(session, order_id=order_id, tracking_number=body.tracking_number)


@router.post("/api/orders/{order_id}/refunds", response_model=OrderDetail, responses=ERRORS)
async def refund(order_id: uuid.UUID, body: RefundIn, admin: AdminUser, session: SessionDep,
                 settings: SettingsDep) -> OrderDetail:
    """Admin refund of part or all of a paid order, to the buyer's wallet unless `refund_to` is
    `original`; after completion the seller's balance and the commission give it back. A partial
    refund leaves the status alone (fulfilment carries on, completion settles what was kept);
    refunding all that is left ends the order as `refunded`. 409 `refund_exceeds_order` above what
    is left (`refundable`), `order_not_refundable` for unpaid or ended orders."""
    return await orders.refund(session, order_id=order_id, amount=body.amount, reason=body.reason,
                               payment_secret=settings.webhook_secret("payments"), refund_to=body.refund_to)
