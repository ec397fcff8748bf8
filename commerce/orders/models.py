from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from commerce.core.db import Base

# No "partially_refunded": a partial refund is money (`refunded_amount`), not a fulfilment status.
ORDER_STATUSES = ("pending_payment", "paid", "processing", "shipped", "delivered", "completed", "cancelled",
                  "expired", "refunded")


class Checkout(Base):
    """One checkout attempt per (buyer, Idempotency-Key): the stored response is replayed for a retry
    with the same body; another body under the same key is a conflict."""

    __tablename__ = "checkout"
    __table_args__ = (UniqueConstraint("buyer_id", "idempotency_key"), {"schema": "orders"})

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    buyer_id: Mapped[uuid.UUID]
    idempotency_key: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, Any]]
    payment_intent_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime]


class Order(Base):
    __tablename__ = "order"
    __table_args__ = (
        CheckConstraint(f"status IN {ORDER_STATUSES!r}", name="status_known"),
        CheckConstraint("subtotal >= 0 AND shipping_fee >= 0 AND total = subtotal + shipping_fee",
                        name="money_adds_up"),
        CheckConstraint("wallet_amount >= 0 AND wallet_amount <= total", name="wallet_within_total"),
        CheckConstraint("refunded_to_wallet >= 0 AND refunded_to_wallet <= refunded_amount",
                        name="wallet_refunds_within_refunds"),
        Index("ix_order_buyer_created", "buyer_id", "created_at", "id"),
        Index("ix_order_checkout", "checkout_id"),
        Index("ix_order_status_delivered", "status", "delivered_at"),
        # The seller's order list (newest first, filtered by status) and the seller stats aggregate.
        Index("ix_order_seller_created", "seller_id", "created_at", "id"),
        {"schema": "orders"},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    checkout_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.checkout.id"))
    buyer_id: Mapped[uuid.UUID]
    seller_id: Mapped[uuid.UUID | None]
    status: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[int] = mapped_column(BigInteger)
    shipping_fee: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)
    refunded_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    # Paid from the buyer's wallet at checkout; the rest (total - wallet_amount) through the intent.
    wallet_amount: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # The part of refunded_amount that went to the buyer's wallet; the rest went back to the card.
    refunded_to_wallet: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    courier: Mapped[str] = mapped_column(String(20))
    courier_service: Mapped[str] = mapped_column(String(20))
    shipping_address: Mapped[dict[str, Any]]
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    # Seller fulfilment steps inside `processing`: accepted the order, then packed the parcel.
    accepted_at: Mapped[datetime | None]
    packed_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]


class OrderItem(Base):
    __tablename__ = "order_item"
    __table_args__ = (
        CheckConstraint("quantity > 0 AND unit_price >= 0 AND line_total = unit_price * quantity", name="line_adds_up"),
        {"schema": "orders"},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.order.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[uuid.UUID]
    variant_id: Mapped[uuid.UUID]
    name: Mapped[str] = mapped_column(String(200))
    sku: Mapped[str] = mapped_column(String(64))
    attributes: Mapped[dict[str, Any]]
    unit_price: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(SmallInteger)
    line_total: Mapped[int] = mapped_column(BigInteger)
    weight_grams: Mapped[int]
    source_post_id: Mapped[uuid.UUID | None]
    source_surface: Mapped[str | None] = mapped_column(String(20))


class OrderStatusChange(Base):
    """The order's timeline: every transition, who caused it and why."""

    __tablename__ = "order_status_change"
    __table_args__ = (Index("ix_order_status_change_order", "order_id", "id"), {"schema": "orders"})

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.order.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]
