"""Checkout and the order lifecycle.

Checkout is one transaction: it locks the buyer's cart lines, prices everything from the catalog
and the rate table (never from the client), splits the cart into one order per seller, creates the
payment intent, writes `order.placed` and the `checkout` interactions, empties the bought lines,
reserves stock for each order (stock rows locked in primary-key order inside inventory, as late as
possible) and stores the response under the Idempotency-Key — or does none of it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.addresses import service as addresses
from commerce.cart import service as cart
from commerce.core import outbox
from commerce.core.clock import utcnow
from commerce.core.ids import uuid7
from commerce.core.pagination import Page, decode_time_id, next_time_id_cursor
from commerce.interactions import service as interactions
from commerce.inventory import service as inventory
from commerce.inventory.errors import OutOfStock
from commerce.orders import funds
from commerce.orders.errors import (
    CartEmpty,
    IdempotencyKeyReused,
    InvalidOrderTransition,
    InvalidRefundAmount,
    OrderNotFound,
    OrderNotRefundable,
    RefundExceedsOrder,
    RefundThroughOrder,
)
from commerce.orders.models import Checkout, Order, OrderItem, OrderStatusChange
from commerce.orders.quotes import ORIGIN_PROVINCE, shipping_quote, split_by_seller  # noqa: F401 - one origin for quotes and charges
from commerce.orders.schemas import CheckoutIn, CheckoutOut, OrderDetail, OrderItemOut, OrderOut, StatusChangeOut
from commerce.orders.states import CANCELLABLE_BY_BUYER, REFUNDABLE, can_move
from commerce.payments import service as payments
from commerce.payments.schemas import PaymentIntentOut, RefundOut
from commerce.shipping import service as shipping

TIMESTAMP_FOR = {"paid": "paid_at", "shipped": "shipped_at", "delivered": "delivered_at",
                 "completed": "completed_at", "cancelled": "cancelled_at", "expired": "cancelled_at"}


def _request_hash(data: CheckoutIn) -> str:
    # Fields left at their defaults are left out, so a request from before a field existed keeps its hash.
    body = data.model_dump(mode="json", exclude_defaults=True)
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _move(session: AsyncSession, order: Order, target: str, note: str | None = None) -> None:
    if not can_move(order.status, target):
        raise InvalidOrderTransition(f"{order.status} → {target} is not allowed")
    now = utcnow()
    session.add(OrderStatusChange(order_id=order.id, from_status=order.status, to_status=target, note=note, at=now))
    order.status = target
    if target in TIMESTAMP_FOR:
        setattr(order, TIMESTAMP_FOR[target], now)


def _order_out(order: Order, items: list[OrderItem]) -> OrderOut:
    return OrderOut(
        id=order.id, checkout_id=order.checkout_id, seller_id=order.seller_id, status=order.status,
        currency=order.currency, subtotal=order.subtotal, shipping_fee=order.shipping_fee, total=order.total,
        refunded_amount=order.refunded_amount, wallet_amount=order.wallet_amount,
        refunded_to_wallet=order.refunded_to_wallet, courier=order.courier, courier_service=order.courier_service,
        shipping_address=order.shipping_address, created_at=order.created_at, expires_at=order.expires_at,
        paid_at=order.paid_at, shipped_at=order.shipped_at, delivered_at=order.delivered_at,
        completed_at=order.completed_at, cancelled_at=order.cancelled_at, cancel_reason=order.cancel_reason,
        items=[OrderItemOut.model_validate(i) for i in items],
    )


def _checkout_body(checkout_id: uuid.UUID, intent: PaymentIntentOut | None, amount: int, from_wallet: int,
                   orders: list[tuple[Order, list[OrderItem]]]) -> dict[str, Any]:
    return CheckoutOut(checkout_id=checkout_id, payment_intent_id=intent.id if intent else None, amount=amount,
                       wallet_amount=from_wallet, payment_amount=amount - from_wallet, currency="IDR",
                       orders=[_order_out(o, i) for o, i in orders]).model_dump(mode="json")


async def _replay(session: AsyncSession, buyer_id: uuid.UUID, key: str, request_hash: str) -> dict[str, Any] | None:
    existing = await session.scalar(select(Checkout).where(Checkout.buyer_id == buyer_id,
                                                           Checkout.idempotency_key == key))
    if existing is None:
        return None
    if existing.request_hash != request_hash:
        raise IdempotencyKeyReused()
    return existing.response


async def checkout(session: AsyncSession, *, buyer_id: uuid.UUID, idempotency_key: str, data: CheckoutIn,
                   reservation_ttl_s: int) -> tuple[dict[str, Any], bool]:
    """Returns (response body, replayed). A retry with the same key and body gets the first response."""
    request_hash = _request_hash(data)
    if (replayed := await _replay(session, buyer_id, idempotency_key, request_hash)) is not None:
        return replayed, True
    lines = await cart.lines_for_checkout(session, user_id=buyer_id)
    if not lines:
        raise CartEmpty()
    await inventory.ensure_available(session, lines=[(line.variant_id, line.quantity) for line in lines])
    address = await addresses.get_address(session, user_id=buyer_id, address_id=data.address_id)
    snapshots, by_seller = await split_by_seller(session, lines)

    now = utcnow()
    checkout_id = uuid7()
    address_snapshot = address.model_dump(mode="json")
    orders: list[tuple[Order, list[OrderItem]]] = []
    for seller_id, seller_lines in by_seller:
        items = []
        order = Order(id=uuid7(), checkout_id=checkout_id, buyer_id=buyer_id, seller_id=seller_id,
                      status="pending_payment", currency="IDR", subtotal=0, shipping_fee=0, total=0,
                      refunded_amount=0, wallet_amount=0, refunded_to_wallet=0, courier=data.shipping.courier,
                      courier_service=data.shipping.service,
                      shipping_address=address_snapshot, created_at=now,
                      expires_at=now + timedelta(seconds=reservation_ttl_s))
        for line in seller_lines:
            snap = snapshots[line.variant_id]
            items.append(OrderItem(
                id=uuid7(), order_id=order.id, product_id=snap.product_id, variant_id=snap.variant_id,
                name=snap.product_name, sku=snap.sku, attributes=snap.attributes, unit_price=snap.price,
                quantity=line.quantity, line_total=snap.price * line.quantity, weight_grams=snap.weight_grams,
                source_post_id=line.source_post_id, source_surface=line.source_surface,
            ))
        weight = sum(i.weight_grams * i.quantity for i in items)
        rate = await shipping.price_for(session, courier=data.shipping.courier, service=data.shipping.service,
                                        origin_province=ORIGIN_PROVINCE, destination_province=address.province,
                                        weight_grams=weight)
        order.subtotal = sum(i.line_total for i in items)
        order.shipping_fee = rate.price
        order.total = order.subtotal + order.shipping_fee
        orders.append((order, items))

    amount = sum(order.total for order, _ in orders)
    from_wallet = await funds.spend_wallet(session, buyer_id=buyer_id, checkout_id=checkout_id,
                                           orders=[order for order, _ in orders], data=data)
    intent = None
    if amount > from_wallet:
        intent = await payments.create_intent(session, reference=str(checkout_id), buyer_id=buyer_id,
                                              amount=amount - from_wallet, currency="IDR", method=data.payment_method,
                                              new_reference=True)
    # Everything is known before a row is written, so each table gets one INSERT. The unit of work
    # does not order tables by their foreign keys: parents are flushed first.
    checkout_row = Checkout(id=checkout_id, buyer_id=buyer_id, idempotency_key=idempotency_key,
                            request_hash=request_hash, response={}, payment_intent_id=intent.id if intent else None,
                            created_at=now)
    if intent is not None:  # nothing below changes the response: it is stored with the row
        checkout_row.response = _checkout_body(checkout_id, intent, amount, from_wallet, orders)
    session.add(checkout_row)
    await session.flush()
    session.add_all([order for order, _ in orders])
    await session.flush()
    for order, items in orders:
        session.add_all(items)
        session.add(OrderStatusChange(order_id=order.id, from_status=None, to_status="pending_payment",
                                      note="order placed", at=now))
        outbox.publish(session, "order.placed", {
            "order_id": str(order.id), "checkout_id": str(checkout_id), "buyer_id": str(buyer_id),
            "seller_id": str(order.seller_id) if order.seller_id else None, "total": order.total,
            "currency": order.currency, "item_count": sum(i.quantity for i in items),
            "wallet_amount": order.wallet_amount,
        })
        for item in items:
            interactions.record(session, user_id=buyer_id, event_type="checkout", post_id=item.source_post_id,
                                product_id=item.product_id, variant_id=item.variant_id, order_id=order.id,
                                quantity=item.quantity, amount=item.line_total, surface=item.source_surface)
    if intent is None:  # the wallet paid everything: paid now (its stock is confirmed below)
        for order, items in orders:
            _paid(session, order, items, "paid from the wallet")
        checkout_row.response = _checkout_body(checkout_id, intent, amount, from_wallet, orders)
    body = checkout_row.response
    await cart.remove_lines(session, user_id=buyer_id, variant_ids=[line.variant_id for line in lines])
    try:
        # Stock last: its row locks are what concurrent buyers of a hot SKU queue on. `reserve` writes
        # everything staged above before it takes them, so they are held only for the stock's own
        # writes and the commit, not for pricing and bookkeeping.
        for order, items in orders:
            await inventory.reserve(session, reference=str(order.id), lines=[(i.variant_id, i.quantity) for i in items],
                                    ttl_s=reservation_ttl_s, new_reference=True)
            if intent is None:
                await inventory.confirm(session, reference=str(order.id))
        await session.commit()
    except IntegrityError:
        # A concurrent retry with the same key won the race: replay its response (or refuse).
        await session.rollback()
        if (replayed := await _replay(session, buyer_id, idempotency_key, request_hash)) is not None:
            return replayed, True
        raise
    return body, False


async def _owned(session: AsyncSession, order_id: uuid.UUID, buyer_id: uuid.UUID | None, *,
                 lock: bool = False) -> Order:
    query = select(Order).where(Order.id == order_id)
    if lock:
        query = query.with_for_update()
    order = await session.scalar(query)
    if order is None or (buyer_id is not None and order.buyer_id != buyer_id):
        raise OrderNotFound()
    return order


async def _items(session: AsyncSession, order_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[OrderItem]]:
    result: dict[uuid.UUID, list[OrderItem]] = defaultdict(list)
    for item in await session.scalars(select(OrderItem).where(OrderItem.order_id.in_(order_ids))
                                      .order_by(OrderItem.id)):
        result[item.order_id].append(item)
    return result


async def get_order(session: AsyncSession, *, order_id: uuid.UUID, buyer_id: uuid.UUID | None) -> OrderDetail:
    """`buyer_id=None` is the admin view."""
    order = await _owned(session, order_id, buyer_id)
    items = (await _items(session, [order.id]))[order.id]
    timeline = list(await session.scalars(select(OrderStatusChange).where(OrderStatusChange.order_id == order.id)
                                          .order_by(OrderStatusChange.id)))
    tracking = (await shipping.tracking(session, order_ids=[order.id])).get(order.id)
    return OrderDetail(**_order_out(order, items).model_dump(),
                       timeline=[StatusChangeOut.model_validate(t) for t in timeline],
                       tracking=tracking.model_dump(mode="json") if tracking else None)


async def get_order_for(session: AsyncSession, *, order_id: uuid.UUID, viewer_id: uuid.UUID,
                        roles: tuple[str, ...] | list[str]) -> OrderDetail:
    """Buyers see their own orders (anyone else's is 404); admins see every order."""
    return await get_order(session, order_id=order_id, buyer_id=None if "admin" in roles else viewer_id)


async def list_orders(session: AsyncSession, *, buyer_id: uuid.UUID, cursor: str | None,
                      limit: int = 20) -> Page[OrderOut]:
    query = select(Order).where(Order.buyer_id == buyer_id)
    after = decode_time_id(cursor)
    if after is not None:
        query = query.where(tuple_(Order.created_at, Order.id) < after)
    rows = list(await session.scalars(query.order_by(Order.created_at.desc(), Order.id.desc()).limit(limit + 1)))
    items = await _items(session, [o.id for o in rows[:limit]])
    next_cursor = next_time_id_cursor(rows, limit, key=lambda row: (row.created_at, row.id))
    return Page[OrderOut](items=[_order_out(o, items[o.id]) for o in rows[:limit]], next_cursor=next_cursor)


def _event(order: Order, **extra: Any) -> dict[str, Any]:
    """Every order event carries the order's cumulative money facts: the ledger books from them."""
    return {"order_id": str(order.id), "checkout_id": str(order.checkout_id), "buyer_id": str(order.buyer_id),
            "seller_id": str(order.seller_id) if order.seller_id else None, "total": order.total,
            "status": order.status, "subtotal": order.subtotal, "wallet_amount": order.wallet_amount,
            "refunded_amount": order.refunded_amount, "refunded_to_wallet": order.refunded_to_wallet,
            "paid": order.paid_at is not None, "completed": order.completed_at is not None, **extra}


async def _refund(session: AsyncSession, order: Order, amount: int, reason: str, payment_secret: str,
                  to: str = "wallet") -> None:
    """Refund part or all of a paid order: to the buyer's wallet by default (see orders.funds)."""
    await funds.refund(session, order=order, amount=amount, reason=reason, secret=payment_secret, to=to)


async def cancel(session: AsyncSession, *, order_id: uuid.UUID, buyer_id: uuid.UUID | None, reason: str,
                 payment_secret: str, refund_to: str = "wallet", cancelled_by: str = "buyer") -> OrderDetail:
    """The buyer (or the seller, through fulfilment) may cancel until the order ships; a paid order is
    refunded in full (to the wallet unless `refund_to="original"`) and its stock returned; an unpaid one
    gives back the wallet money it held. `cancelled_by` travels in `order.cancelled`."""
    order = await _owned(session, order_id, buyer_id, lock=True)
    if order.status not in CANCELLABLE_BY_BUYER:
        raise InvalidOrderTransition(f"an order that is {order.status} can no longer be cancelled")
    was_paid = order.status != "pending_payment"
    order.cancel_reason = reason
    _move(session, order, "cancelled", reason)
    if was_paid:
        await inventory.release(session, reference=str(order.id), reason="returned")
        await _refund(session, order, order.total - order.refunded_amount, f"order cancelled: {reason}",
                      payment_secret, refund_to)
    else:
        await inventory.release(session, reference=str(order.id), reason="cancelled")
    outbox.publish(session, "order.cancelled", _event(order, reason=reason, refunded=was_paid,
                                                      cancelled_by=cancelled_by))
    await session.commit()
    return await get_order(session, order_id=order.id, buyer_id=None)


async def ship(session: AsyncSession, *, order_id: uuid.UUID, tracking_number: str | None) -> OrderDetail:
    """Hand the parcel to the courier (admins now; sellers once they exist)."""
    order = await _owned(session, order_id, None, lock=True)
    if order.status not in ("paid", "processing"):
        raise InvalidOrderTransition(f"an order that is {order.status} cannot be shipped")
    shipment = await shipping.create_shipment(session, order_id=order.id, courier=order.courier,
                                              service=order.courier_service, tracking_number=tracking_number)
    _move(session, order, "shipped", f"{order.courier} {shipment.tracking_number}")
    outbox.publish(session, "order.shipped", _event(order, tracking_number=shipment.tracking_number,
                                                    courier=order.courier, courier_service=order.courier_service))
    await session.commit()
    return await get_order(session, order_id=order.id, buyer_id=None)


async def complete(session: AsyncSession, *, order_id: uuid.UUID, buyer_id: uuid.UUID | None,
                   note: str = "buyer confirmed receipt") -> OrderDetail:
    order = await _owned(session, order_id, buyer_id, lock=True)
    _move(session, order, "completed", note)
    outbox.publish(session, "order.completed", _event(order))
    await session.commit()
    return await get_order(session, order_id=order.id, buyer_id=None)


async def refund(session: AsyncSession, *, order_id: uuid.UUID, amount: int, reason: str,
                 payment_secret: str, refund_to: str = "wallet") -> OrderDetail:
    """Admin refund of part or all of a paid order (goods stay where they are). A partial refund is a
    timeline entry, not a status, so fulfilment carries on and completion settles only what was kept;
    refunding everything that is left ends the order as `refunded`."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise InvalidRefundAmount()
    order = await _owned(session, order_id, None, lock=True)
    if order.paid_at is None or order.status not in REFUNDABLE:
        raise OrderNotRefundable(f"an order that is {order.status} cannot be refunded")
    left = order.total - order.refunded_amount
    if amount > left:
        raise RefundExceedsOrder(f"at most {left} IDR is left to refund on this order", refundable=left)
    await _refund(session, order, amount, reason, payment_secret, refund_to)
    if order.refunded_amount == order.total:
        _move(session, order, "refunded", reason)
    else:
        session.add(OrderStatusChange(order_id=order.id, from_status=order.status, to_status=order.status,
                                      note=f"refunded {amount} {order.currency}: {reason}", at=utcnow()))
    outbox.publish(session, "order.refunded", _event(order, amount=amount))
    await session.commit()
    return await get_order(session, order_id=order.id, buyer_id=None)


async def refund_payment(session: AsyncSession, *, intent_id: uuid.UUID, amount: int | None, reason: str,
                         payment_secret: str) -> RefundOut:
    """Admin refund straight on a payment intent, for intents that belong to no checkout. A checkout's
    intent is refused (409 `refund_through_order`, naming its orders): only the order refund keeps
    `refunded_amount`, escrow, the seller's settlement and payment_clearing in step with the money."""
    intent = await payments.get_intent(session, intent_id=intent_id, buyer_id=None)
    try:
        checkout_id: uuid.UUID | None = uuid.UUID(intent.reference)
    except ValueError:
        checkout_id = None
    if checkout_id is not None:
        order_ids = list(await session.scalars(select(Order.id).where(Order.checkout_id == checkout_id)
                                               .order_by(Order.id)))
        if order_ids:
            raise RefundThroughOrder(
                "this payment paid for checkout orders; refund them with "
                + ", ".join(f"POST /api/orders/{order_id}/refunds" for order_id in order_ids),
                checkout_id=str(checkout_id), order_ids=[str(order_id) for order_id in order_ids])
    return await payments.refund(session, intent_id=intent_id, amount=amount, reason=reason, secret=payment_secret)


# --- event consumers' use cases (each commits) ----------------------------------------------------

def _paid(session: AsyncSession, order: Order, items: list[OrderItem], note: str) -> None:
    """The order's money is in and its stock confirmed: paid, announced, purchases attributed. The one
    way to "paid", whether a captured payment or the wallet paid."""
    _move(session, order, "paid", note)
    outbox.publish(session, "order.paid", _event(order))
    for item in items:
        interactions.record(session, user_id=order.buyer_id, event_type="purchase",
                            post_id=item.source_post_id, product_id=item.product_id,
                            variant_id=item.variant_id, order_id=order.id, quantity=item.quantity,
                            amount=item.line_total, surface=item.source_surface)


async def mark_checkout_paid(session: AsyncSession, *, checkout_id: uuid.UUID, payment_secret: str) -> int:
    """payment.succeeded: every pending order of the checkout becomes paid and its reservation is
    confirmed. An order that expired or was cancelled while the buyer paid is refunded instead."""
    orders = list(await session.scalars(select(Order).where(Order.checkout_id == checkout_id)
                                        .order_by(Order.id).with_for_update()))
    items = await _items(session, [o.id for o in orders])
    moved = 0
    for order in orders:
        if order.status == "pending_payment":
            try:
                async with session.begin_nested():
                    await inventory.confirm(session, reference=str(order.id))
            except OutOfStock:
                # The hold lapsed and the stock went to someone else before the money arrived.
                order.cancel_reason = "stock sold out before the payment arrived"
                _move(session, order, "cancelled", order.cancel_reason)
                await funds.return_payment(session, order=order, reason=order.cancel_reason, secret=payment_secret)
                outbox.publish(session, "order.cancelled", _event(order, reason=order.cancel_reason, refunded=True,
                                                                  cancelled_by="system"))
                continue
            _paid(session, order, items[order.id], "payment received")
            moved += 1
        elif order.status in ("expired", "cancelled") and order.paid_at is None and funds.card_part_left(order) > 0:
            await funds.return_payment(session, order=order, secret=payment_secret,
                                       reason=f"payment arrived after the order was {order.status}")
    await session.commit()
    return moved


async def _follow_event(session: AsyncSession, *, order_id: uuid.UUID, expected: str, target: str,
                        note: str) -> bool:
    """Apply a transition another context announced, if the order is still where it expects;
    redeliveries and late events find it elsewhere and change nothing."""
    order = await session.scalar(select(Order).where(Order.id == order_id).with_for_update())
    if order is None or order.status != expected:
        return False
    _move(session, order, target, note)
    outbox.publish(session, f"order.{target}", _event(order))
    await session.commit()
    return True


async def expire(session: AsyncSession, *, order_id: uuid.UUID) -> bool:
    """inventory.reservation_expired: an unpaid order whose hold ran out expires (stock is already
    back on the shelf)."""
    return await _follow_event(session, order_id=order_id, expected="pending_payment", target="expired",
                               note="not paid before the stock hold ran out")


async def mark_delivered(session: AsyncSession, *, order_id: uuid.UUID) -> bool:
    """shipment.delivered."""
    return await _follow_event(session, order_id=order_id, expected="shipped", target="delivered",
                               note="courier confirmed delivery")


async def auto_complete(session: AsyncSession, *, older_than: timedelta, limit: int = 500) -> int:
    cutoff = utcnow() - older_than
    orders = list(await session.scalars(select(Order).where(Order.status == "delivered", Order.delivered_at < cutoff)
                                        .order_by(Order.id).limit(limit).with_for_update(skip_locked=True)))
    for order in orders:
        _move(session, order, "completed", "completed automatically after delivery")
        outbox.publish(session, "order.completed", _event(order))
    await session.commit()
    return len(orders)


async def reviewable_item(session: AsyncSession, *, order_item_id: uuid.UUID,
                          buyer_id: uuid.UUID) -> tuple[uuid.UUID, str]:
    """(product_id, order status) of the buyer's own order item; 404 for anyone else's."""
    row = (await session.execute(
        select(OrderItem.product_id, Order.status).join(Order, Order.id == OrderItem.order_id)
        .where(OrderItem.id == order_item_id, Order.buyer_id == buyer_id)
    )).first()
    if row is None:
        raise OrderNotFound("order item not found")
    return row[0], row[1]
