from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

MAX_WEIGHT_GRAMS = 50_000
ORIGIN_PROVINCE = "DKI Jakarta"

ProvinceName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
ServiceCode = Literal["regular", "express"]
ShipmentStatus = Literal["label_created", "picked_up", "in_transit", "delivered"]
CourierStatus = Literal["picked_up", "in_transit", "delivered"]


class RateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    destination_province: ProvinceName
    origin_province: ProvinceName = ORIGIN_PROVINCE
    weight_grams: Annotated[int, Field(gt=0, le=MAX_WEIGHT_GRAMS, description="charged per started kilogram")]


class RateQuote(BaseModel):
    courier: str
    courier_name: str
    service: ServiceCode
    service_name: str
    price: int = Field(description="whole rupiah")
    currency: str = "IDR"
    eta_days_min: int
    eta_days_max: int


class CourierEvent(BaseModel):
    """A courier's tracking webhook. Unknown fields are ignored, not refused: couriers add fields
    without telling anyone, and a refused webhook is a lost status update."""

    model_config = ConfigDict(extra="ignore")

    id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    tracking_number: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    status: CourierStatus
    location: Annotated[str, StringConstraints(max_length=200)] | None = None
    occurred_at: AwareDatetime


class TrackingEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: ShipmentStatus
    location: str | None
    occurred_at: datetime


class ShipmentOut(BaseModel):
    id: uuid.UUID
    order_id: uuid.UUID
    courier: str
    courier_name: str
    service: ServiceCode
    service_name: str
    tracking_number: str
    status: ShipmentStatus
    created_at: datetime
    updated_at: datetime
    picked_up_at: datetime | None
    delivered_at: datetime | None
    timeline: list[TrackingEventOut] = Field(description="oldest first, including late updates that did not "
                                                         "move the status")
