"""inventory (was warehouse-service): warehouses, stock per variant, reservations with expiry, the stock ledger.

Variants live in the catalog context, so `variant_id` columns carry no foreign key; the service
checks them through the catalog's service module instead.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from commerce.core.db import Base

RESERVATION_STATUSES = ("live", "confirmed", "released", "expired")
# receive/adjust/return are manual (admin) movements; the rest follow a reservation's life.
MOVEMENT_REASONS = ("receive", "adjust", "return", "reserve", "release", "expire", "confirm")


class Warehouse(Base):
    __tablename__ = "warehouse"
    __table_args__ = {"schema": "inventory"}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # Upper-case, as printed on shelf labels and courier manifests.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    province: Mapped[str] = mapped_column(String(100))
    city: Mapped[str] = mapped_column(String(100))
    # The sellers context does not exist yet; a null seller is a platform (LAKOO-run) warehouse.
    seller_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    created_at: Mapped[datetime]


class Stock(Base):
    """Units of one variant in one warehouse. `reserved` is the sum of the live reservation lines on
    this row, kept here so availability is one subtraction and the CHECK can forbid overselling
    even if a code path forgot to."""

    __tablename__ = "stock"
    __table_args__ = (
        UniqueConstraint("warehouse_id", "variant_id"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_within_on_hand"),
        {"schema": "inventory"},
    )

    # uuid7 primary key: the order every transaction locks stock rows in.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory.warehouse.id", ondelete="RESTRICT"))
    variant_id: Mapped[uuid.UUID] = mapped_column(index=True)
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class Reservation(Base):
    """A hold on stock for one order (or checkout), all lines or none. `reference` is the caller's id,
    unique, which makes a retried reserve find the first one."""

    __tablename__ = "reservation"
    __table_args__ = (
        CheckConstraint(f"status IN {RESERVATION_STATUSES!r}", name="status_known"),
        # The expiry sweep reads only live holds, oldest deadline first.
        Index("ix_reservation_live_expires", "expires_at", postgresql_where=text("status = 'live'")),
        {"schema": "inventory"},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="live")
    expires_at: Mapped[datetime]
    # Why a hold ended early: "released", "cancelled", "returned" (stock of a confirmed one came back).
    release_reason: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ReservationLine(Base):
    __tablename__ = "reservation_line"
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        {"schema": "inventory"},
    )

    reservation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inventory.reservation.id", ondelete="CASCADE"), primary_key=True)
    stock_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory.stock.id", ondelete="RESTRICT"),
                                                primary_key=True, index=True)
    # Copied from the stock row so a reservation reads without a join.
    warehouse_id: Mapped[uuid.UUID]
    variant_id: Mapped[uuid.UUID]
    quantity: Mapped[int] = mapped_column(Integer)


class StockMovement(Base):
    """The append-only ledger (a trigger refuses UPDATE and DELETE): summing the deltas of a stock
    row gives its on_hand and reserved, which is how drift would be found and explained."""

    __tablename__ = "stock_movement"
    __table_args__ = (
        CheckConstraint(f"reason IN {MOVEMENT_REASONS!r}", name="reason_known"),
        CheckConstraint("delta_on_hand <> 0 OR delta_reserved <> 0", name="moves_something"),
        Index("ix_stock_movement_variant", "variant_id", "id"),
        {"schema": "inventory"},
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    variant_id: Mapped[uuid.UUID]
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inventory.warehouse.id", ondelete="RESTRICT"))
    delta_on_hand: Mapped[int] = mapped_column(Integer)
    delta_reserved: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(10))
    reference: Mapped[str | None] = mapped_column(String(100))
    at: Mapped[datetime]
