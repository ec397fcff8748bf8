from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

MAX_UNITS = 1_000_000  # one movement; far above a pallet, far below INTEGER
MAX_LINES = 100
MIN_TTL_S, MAX_TTL_S = 60, 86_400

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Place = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# Shelf-label style: letters, digits and '-', stored upper-case.
WarehouseCode = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=2, max_length=32,
                                                 pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$")]
# The caller's order or checkout id; it travels in URL paths, hence the narrow alphabet.
Reference = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Units = Annotated[int, Field(ge=1, le=MAX_UNITS)]
ReleaseReason = Literal["released", "cancelled", "returned"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- writes -------------------------------------------------------------------------------------

class WarehouseCreate(_In):
    code: WarehouseCode
    name: Text
    province: Place
    city: Place
    seller_id: uuid.UUID | None = None


class StockReceive(_In):
    warehouse_id: uuid.UUID
    variant_id: uuid.UUID
    quantity: Units
    reference: Note | None = Field(None, description="delivery note or purchase order number")


class StockAdjust(_In):
    """A stock-take correction: positive for found units, negative for damaged or lost ones."""

    warehouse_id: uuid.UUID
    variant_id: uuid.UUID
    delta: Annotated[int, Field(ge=-MAX_UNITS, le=MAX_UNITS)]
    reference: Note | None = None

    @field_validator("delta")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("delta must not be zero")
        return value


class ItemIn(_In):
    variant_id: uuid.UUID
    quantity: Units


def _distinct_variants(items: list[ItemIn]) -> list[ItemIn]:
    seen = [i.variant_id for i in items]
    if len(set(seen)) != len(seen):
        raise ValueError("each variant may appear once; add the quantities up")
    return items


Items = Annotated[list[ItemIn], Field(min_length=1, max_length=MAX_LINES), AfterValidator(_distinct_variants)]


class CheckIn(_In):
    items: Items


class ReserveIn(_In):
    reference: Reference
    items: Items
    ttl_s: Annotated[int, Field(ge=MIN_TTL_S, le=MAX_TTL_S)] = 900


class ReleaseIn(_In):
    reason: ReleaseReason = "released"


# --- reads --------------------------------------------------------------------------------------

class WarehouseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    province: str
    city: str
    seller_id: uuid.UUID | None
    created_at: datetime


class StockOut(BaseModel):
    """One warehouse's row. `available` = on_hand − reserved, never negative."""

    warehouse_id: uuid.UUID
    variant_id: uuid.UUID
    on_hand: int
    reserved: int
    available: int
    updated_at: datetime


class VariantStock(BaseModel):
    variant_id: uuid.UUID
    on_hand: int
    reserved: int
    available: int
    warehouses: list[StockOut]


class MovementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    variant_id: uuid.UUID
    warehouse_id: uuid.UUID
    delta_on_hand: int
    delta_reserved: int
    reason: str
    reference: str | None
    at: datetime


class CheckLine(BaseModel):
    variant_id: uuid.UUID
    quantity: int
    available: int
    ok: bool


class CheckOut(BaseModel):
    ok: bool
    items: list[CheckLine]


class ReservationLineOut(BaseModel):
    warehouse_id: uuid.UUID
    variant_id: uuid.UUID
    quantity: int


class ReservationOut(BaseModel):
    id: uuid.UUID
    reference: str
    status: Literal["live", "confirmed", "released", "expired"]
    expires_at: datetime
    release_reason: str | None
    created_at: datetime
    updated_at: datetime
    lines: list[ReservationLineOut]
