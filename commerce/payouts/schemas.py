from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

PayoutStatus = Literal["requested", "approved", "paid", "rejected", "cancelled"]  # states.STATUSES


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PayoutRequest(_In):
    """Only an amount: the seller, the bank account and the status are never the client's to say."""

    amount: Annotated[int, Field(gt=0, le=1_000_000_000_000, strict=True,
                                        description="IDR, at most the available balance")]
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class RejectIn(_In):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class MarkPaidIn(_In):
    reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=100,
                                                pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._/-]*$")] = Field(
        description="the bank transfer's reference")


class PayoutOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    seller_id: uuid.UUID
    amount: int
    currency: str
    status: PayoutStatus
    note: str | None
    reject_reason: str | None
    bank_reference: str | None
    requested_at: datetime
    approved_at: datetime | None
    rejected_at: datetime | None
    cancelled_at: datetime | None
    paid_at: datetime | None


class SellerBalance(BaseModel):
    seller_id: uuid.UUID
    currency: str = "IDR"
    available: int = Field(description="may be withdrawn now (negative: refunds after payout are owed)")
    pending: int = Field(description="paid orders not yet completed, held in escrow")
    in_payout: int = Field(description="requested or approved payouts not yet sent")
    minimum_payout: int
