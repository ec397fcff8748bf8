from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    SmallInteger,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from commerce.core.db import Base

SERVICE_CODES = ("regular", "express")
# The order a parcel moves in; a status only ever moves to a later one.
SHIPMENT_STATUSES = ("label_created", "picked_up", "in_transit", "delivered")


class Courier(Base):
    __tablename__ = "courier"
    __table_args__ = {"schema": "shipping"}

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean)


class CourierService(Base):
    __tablename__ = "courier_service"
    __table_args__ = (
        CheckConstraint("code IN ('regular', 'express')", name="code_known"),
        CheckConstraint("eta_days_min >= 0 AND eta_days_max >= eta_days_min", name="eta_range"),
        {"schema": "shipping"},
    )

    courier_code: Mapped[str] = mapped_column(ForeignKey("shipping.courier.code", ondelete="CASCADE"),
                                              primary_key=True)
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    eta_days_min: Mapped[int] = mapped_column(SmallInteger)
    eta_days_max: Mapped[int] = mapped_column(SmallInteger)
    active: Mapped[bool] = mapped_column(Boolean)


class Zone(Base):
    __tablename__ = "zone"
    __table_args__ = {"schema": "shipping"}

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class ZoneProvince(Base):
    """Which zone each province ships from and to; province names are the canonical ones addresses
    store."""

    __tablename__ = "zone_province"
    __table_args__ = {"schema": "shipping"}

    province: Mapped[str] = mapped_column(String(50), primary_key=True)
    zone_code: Mapped[str] = mapped_column(ForeignKey("shipping.zone.code", ondelete="RESTRICT"), index=True)


class Rate(Base):
    """One rate card line: price per started kilogram between two zones, never below the minimum."""

    __tablename__ = "rate"
    __table_args__ = (
        ForeignKeyConstraint(["courier_code", "service_code"],
                             ["shipping.courier_service.courier_code", "shipping.courier_service.code"],
                             ondelete="CASCADE"),
        CheckConstraint("price_per_kg > 0 AND minimum_charge > 0", name="prices_positive"),
        Index("ix_rate_zones", "origin_zone", "destination_zone"),
        {"schema": "shipping"},
    )

    courier_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    service_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    origin_zone: Mapped[str] = mapped_column(ForeignKey("shipping.zone.code", ondelete="CASCADE"), primary_key=True)
    destination_zone: Mapped[str] = mapped_column(ForeignKey("shipping.zone.code", ondelete="CASCADE"),
                                                  primary_key=True)
    price_per_kg: Mapped[int] = mapped_column(BigInteger)
    minimum_charge: Mapped[int] = mapped_column(BigInteger)


class Shipment(Base):
    __tablename__ = "shipment"
    __table_args__ = (
        ForeignKeyConstraint(["courier_code", "service_code"],
                             ["shipping.courier_service.courier_code", "shipping.courier_service.code"],
                             ondelete="RESTRICT"),
        CheckConstraint("status IN ('label_created', 'picked_up', 'in_transit', 'delivered')", name="status_known"),
        {"schema": "shipping"},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    courier_code: Mapped[str] = mapped_column(String(20))
    service_code: Mapped[str] = mapped_column(String(20))
    tracking_number: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    picked_up_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]


class ShipmentEvent(Base):
    """The courier's timeline, including late or repeated statuses that did not move the shipment.
    `event_id` is the courier's webhook event id (null for entries we write ourselves); its unique
    index is what makes redelivered webhooks harmless."""

    __tablename__ = "shipment_event"
    __table_args__ = (
        CheckConstraint("status IN ('label_created', 'picked_up', 'in_transit', 'delivered')", name="status_known"),
        Index("ix_shipment_event_shipment_occurred", "shipment_id", "occurred_at", "id"),
        {"schema": "shipping"},
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    shipment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shipping.shipment.id", ondelete="CASCADE"))
    event_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    location: Mapped[str | None] = mapped_column(String(200))
    applied: Mapped[bool] = mapped_column(Boolean)
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime]
