from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from commerce.interactions.schemas import Surface

MAX_QUANTITY = 99
MAX_LINES = 50
Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY)]


class AddItem(BaseModel):
    """Prices are never accepted from the client: unknown fields such as `price` are rejected."""

    model_config = ConfigDict(extra="forbid")

    variant_id: uuid.UUID
    quantity: Quantity = 1
    post_id: uuid.UUID | None = Field(None, description="the post whose tag led here, for attribution")
    surface: Surface | None = None


class UpdateItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: Quantity


class CartLine(BaseModel):
    variant_id: uuid.UUID
    product_id: uuid.UUID
    name: str
    sku: str
    attributes: dict[str, Any]
    image_url: str | None
    quantity: int
    unit_price: int
    price_at_add: int
    price_changed: bool
    currency: str
    line_total: int
    available: int
    purchasable: bool
    source_post_id: uuid.UUID | None
    source_surface: str | None


class SellerGroup(BaseModel):
    seller_id: uuid.UUID | None
    items: list[CartLine]
    subtotal: int


class CartOut(BaseModel):
    user_id: uuid.UUID
    groups: list[SellerGroup]
    item_count: int
    subtotal: int
    currency: str = "IDR"
    has_price_changes: bool
    has_unavailable_items: bool
