from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

MAX_WEIGHT_GRAMS = 50_000
ORIGIN_PROVINCE = "DKI Jakarta"

ProvinceName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
ServiceCode = Literal["regular", "express"]
ShipmentStatus = Literal["label_created", "picked_up", "in_transit", "delivered"]
CourierStatus = Literal["picked_up", "in_transit", "delivered"]


class RateRequest(BaseModel):
    """Either a route and a weight (anyone), or `address_id` alone: the signed-in buyer's cart to
    that address, split and priced exactly as checkout will."""

    model_config = ConfigDict(extra="forbid")

    address_id: uuid.UUID | None = Field(None, description="quote the caller's cart to this address of theirs")
    destination_province: ProvinceName | None = None
    origin_province: ProvinceName = ORIGIN_PROVINCE
    weight_grams: Annotated[int | None, Field(gt=0, le=MAX_WEIGHT_GRAMS,
                                              description="charged per started kilogram")] = None

    @model_validator(mode="after")
    def _one_kind(self) -> RateRequest:
        if self.address_id is not None:
            if self.destination_province is not None or self.weight_grams is not None:
                raise ValueError("send address_id alone, or destination_province and weight_grams")
        elif self.destination_province is None or self.weight_grams is None:
            raise ValueError("send destination_province and weight_grams, or address_id")
        return self


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
