from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from commerce.addresses.schemas import Province
from commerce.catalog.schemas import ProductSummary
from commerce.core.pagination import Page
from commerce.inventory.schemas import Text as WarehouseName
from commerce.inventory.schemas import WarehouseCode
from commerce.sellers.identity import (
    BANKS,
    RESERVED_HANDLES,
    digits_only,
    valid_account_number,
    valid_nib,
    valid_nik,
    valid_npwp,
)

SellerStatus = Literal["pending", "approved", "rejected", "suspended"]
BusinessType = Literal["individual", "company"]


def _digits(check, what: str):  # noqa: ANN001, ANN202 - a validator factory
    def validate(value: str) -> str:
        value = digits_only(value)
        if not check(value):
            raise ValueError(f"not a valid {what}")
        return value
    return validate


def _handle(value: str) -> str:
    if value in RESERVED_HANDLES:
        raise ValueError("that handle is reserved")
    return value


def _bank(value: str) -> str:
    if value not in BANKS:
        raise ValueError(f"bank_code must be one of {', '.join(sorted(BANKS))}")
    return value


ShopName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=60)]
Handle = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=3, max_length=30,
                                          pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*[A-Za-z0-9]$"), AfterValidator(_handle)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
City = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
LegalName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
Nik = Annotated[str, StringConstraints(max_length=30), AfterValidator(_digits(valid_nik, "NIK (16 digits)"))]
Npwp = Annotated[str, StringConstraints(max_length=30),
                 AfterValidator(_digits(valid_npwp, "NPWP (15 or 16 digits)"))]
Nib = Annotated[str, StringConstraints(max_length=30), AfterValidator(_digits(valid_nib, "NIB (13 digits)"))]
BankCode = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=20),
                     AfterValidator(_bank)]
AccountNumber = Annotated[str, StringConstraints(max_length=30),
                          AfterValidator(_digits(valid_account_number, "account number (8-18 digits)"))]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class _In(BaseModel):
    """Unknown fields are refused: `status`, `user_id` or `reviewed_by` in a body is a 422, never
    silently ignored, so nobody can believe they approved themselves."""

    model_config = ConfigDict(extra="forbid")


class PayoutAccountIn(_In):
    bank_code: BankCode = Field(examples=["bca"])
    account_number: AccountNumber = Field(examples=["1234567890"], description="digits; spaces and dashes are dropped")
    holder_name: PersonName = Field(description="as printed on the account")


class SellerApply(_In):
    shop_name: ShopName
    handle: Handle = Field(description="the shop's address: /api/shops/{handle}; 3-30 of a-z, 0-9, '-', '_'")
    description: Description = ""
    province: Province = Field(description="where the shop ships from")
    city: City
    business_type: BusinessType = "individual"
    legal_name: LegalName = Field(description="the name on the KTP, or the registered company name")
    nik: Nik | None = Field(None, description="16-digit KTP number; required for individuals")
    npwp: Npwp | None = Field(None, description="tax id, 15 or 16 digits; required for companies")
    nib: Nib | None = Field(None, description="13-digit business licence number (OSS), optional")
    payout_account: PayoutAccountIn

    @model_validator(mode="after")
    def _identity(self) -> SellerApply:
        if self.business_type == "individual" and self.nik is None:
            raise ValueError("individual sellers give their NIK")
        if self.business_type == "company" and self.npwp is None:
            raise ValueError("companies give their NPWP")
        return self


class SellerUpdate(_In):
    """What an approved seller may change about the shop. The handle (the shop's URL), the identity
    and the status are not here: changing who the shop is goes through a new verification."""

    shop_name: ShopName | None = None
    description: Description | None = None
    province: Province | None = None
    city: City | None = None
    payout_account: PayoutAccountIn | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> SellerUpdate:
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class RejectIn(_In):
    reason: Reason


class WarehouseIn(_In):
    """A seller's own warehouse; it belongs to the seller who creates it."""

    code: WarehouseCode
    name: WarehouseName
    province: Province
    city: City


# --- reads --------------------------------------------------------------------------------------

class PayoutAccountOut(BaseModel):
    bank_code: str
    bank_name: str
    account_number_masked: str = Field(examples=["••••7890"], description="only the last four digits")
    holder_name: str


class SellerOut(BaseModel):
    """The seller's own view. Identity numbers and the account number are masked."""

    user_id: uuid.UUID
    status: SellerStatus
    shop_name: str
    handle: str
    description: str
    province: str
    city: str
    business_type: BusinessType
    legal_name: str
    nik_masked: str | None
    npwp_masked: str | None
    nib: str | None
    payout_account: PayoutAccountOut
    rejection_reason: str | None
    applied_at: datetime
    reviewed_at: datetime | None
    approved_at: datetime | None
    created_at: datetime
    updated_at: datetime


class DecisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    decision: Literal["applied", "approved", "rejected"]
    reason: str | None
    reviewer_id: uuid.UUID | None
    at: datetime


class ApplicationOut(SellerOut):
    """The verifier's view: identity numbers in full (they are what is being verified), the bank
    account still masked, and every earlier application and decision."""

    username: str | None
    nik: str | None
    npwp: str | None
    history: list[DecisionOut]


class ApplicationSummary(BaseModel):
    user_id: uuid.UUID
    username: str | None
    status: SellerStatus
    shop_name: str
    handle: str
    business_type: BusinessType
    legal_name: str
    province: str
    applied_at: datetime
    reviewed_at: datetime | None
    rejection_reason: str | None


class SellerStatsOut(BaseModel):
    """GMV is what buyers paid for the shop's orders and kept paid: the order totals (goods and
    shipping) of every paid order minus what was refunded — cancelled paid orders are refunded in
    full and so add nothing. `gmv_completed` counts only orders the buyer has received and closed."""

    active_products: int
    orders_paid: int = Field(description="orders ever paid")
    orders_to_ship: int = Field(description="paid or accepted, not yet shipped")
    orders_completed: int
    orders_cancelled: int
    gmv: int
    gmv_completed: int
    currency: str = "IDR"
    rating_avg: float | None = Field(description="average over every review of the shop's products")
    rating_count: int
    updated_at: datetime | None


class ShopStats(BaseModel):
    active_products: int
    orders_completed: int
    rating_avg: float | None
    rating_count: int


class ShopOut(BaseModel):
    """The public shop page: nothing about the owner's identity or bank, only the shop."""

    seller_id: uuid.UUID
    handle: str
    shop_name: str
    description: str
    province: str
    city: str
    joined_at: datetime | None
    stats: ShopStats


class ShopPage(ShopOut):
    products: Page[ProductSummary] = Field(description="active products, newest first; more with "
                                                       "GET /api/shops/{handle}/products?cursor=")
