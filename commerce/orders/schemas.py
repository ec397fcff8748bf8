from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

PaymentMethod = Literal["bank_va", "ewallet", "card"]
RefundTo = Annotated[Literal["wallet", "original"], Field(
    description="wallet (the default: instant, to the buyer's LAKOO wallet) or original: back to the card or "
    "e-wallet that paid; bank transfers cannot be reversed, and what the wallet paid returns to the wallet")]


class ShippingChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    courier: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    service: Annotated[str, StringConstraints(min_length=1, max_length=20)]


class CheckoutIn(BaseModel):
    """Only references: every price, fee and total is computed on the server (unknown fields such as
    `total` or `status` are rejected)."""

    model_config = ConfigDict(extra="forbid")

    address_id: uuid.UUID
    shipping: ShippingChoice
    payment_method: PaymentMethod = Field(description="pays whatever the wallet does not cover")
    wallet_amount: Annotated[int, Field(ge=0, le=1_000_000_000_000, strict=True)] = Field(
        0, description="IDR to pay from the buyer's wallet; the payment intent covers the rest")
    use_wallet: bool = Field(False, description="pay as much as the wallet holds, up to the total")

    @model_validator(mode="after")
    def _one_wallet_choice(self) -> CheckoutIn:
        if self.use_wallet and self.wallet_amount:
            raise ValueError("send wallet_amount or use_wallet, not both")
        return self


class OrderItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    product_id: uuid.UUID
    variant_id: uuid.UUID
    name: str
    sku: str
    attributes: dict[str, Any]
    unit_price: int
    quantity: int
    line_total: int


class StatusChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_status: str | None
    to_status: str
    note: str | None
    at: datetime


class OrderOut(BaseModel):
    id: uuid.UUID
    checkout_id: uuid.UUID
    seller_id: uuid.UUID | None
    status: str
    currency: str
    subtotal: int
    shipping_fee: int
    total: int
    refunded_amount: int
    wallet_amount: int = Field(0, description="paid from the wallet at checkout")
    refunded_to_wallet: int = Field(0, description="of refunded_amount, what went to the wallet")
    courier: str
    courier_service: str
    shipping_address: dict[str, Any]
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    items: list[OrderItemOut]


class OrderDetail(OrderOut):
    timeline: list[StatusChangeOut]
    tracking: dict[str, Any] | None = Field(None, description="the shipment and its courier timeline, once shipped")


class CheckoutOut(BaseModel):
    checkout_id: uuid.UUID
    payment_intent_id: uuid.UUID | None = Field(description="null when the wallet paid everything")
    amount: int = Field(description="the checkout's total")
    wallet_amount: int = Field(0, description="paid from the wallet")
    payment_amount: int = Field(description="left to pay through the payment intent")
    currency: str
    orders: list[OrderOut]


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    refund_to: RefundTo = "wallet"


class ShipIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tracking_number: Annotated[
        str, StringConstraints(min_length=4, max_length=40, pattern=r"^[A-Za-z0-9-]+$")] | None = None


# --- seller fulfilment --------------------------------------------------------------------------

class SellerOrderOut(OrderOut):
    accepted_at: datetime | None
    packed_at: datetime | None


class SellerOrderDetail(OrderDetail):
    accepted_at: datetime | None
    packed_at: datetime | None


class SellerShipIn(BaseModel):
    """The parcel goes with the courier and service the buyer chose and paid for at checkout;
    `courier`, when sent, must be that courier (a guard against shipping with the wrong one)."""

    model_config = ConfigDict(extra="forbid")

    courier: Annotated[str, StringConstraints(min_length=1, max_length=20)] | None = None
    tracking_number: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=4, max_length=40, pattern=r"^[A-Za-z0-9-]+$")
    ] | None = Field(None, description="required except for the built-in test courier, which issues one")


class CartParcel(BaseModel):
    """One seller's part of the cart: one order, one parcel."""

    seller_id: uuid.UUID | None = Field(description="null for the platform's own products")
    items: int
    weight_grams: int
    subtotal: int = Field(description="IDR")


class CartShippingOption(BaseModel):
    courier: str
    courier_name: str
    service: str
    service_name: str
    price: int = Field(description="IDR for the whole cart: the sum over its parcels, as checkout charges")
    per_parcel: list[int] = Field(description="each parcel's fee, in the order of `parcels`")
    currency: str = "IDR"
    eta_days_min: int
    eta_days_max: int


class CartShippingQuote(BaseModel):
    address_id: uuid.UUID
    origin_province: str
    destination_province: str
    parcels: list[CartParcel]
    subtotal: int = Field(description="IDR, the goods of every parcel")
    options: list[CartShippingOption] = Field(description="cheapest first; only options that serve every parcel")

