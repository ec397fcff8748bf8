from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from commerce.core.db import Base
from commerce.payouts.states import STATUSES


class Payout(Base):
    """A seller's withdrawal. The seller is a user (`seller_id` = their user id); bank details live
    with the seller's profile, never here, so a payout row can be shown without masking."""

    __tablename__ = "payout"
    __table_args__ = (
        CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")", name="status_known"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("status <> 'paid' OR (bank_reference IS NOT NULL AND paid_at IS NOT NULL)",
                        name="paid_has_reference"),
        CheckConstraint("status <> 'rejected' OR reject_reason IS NOT NULL", name="rejected_has_reason"),
        Index("ix_payout_seller", "seller_id", "requested_at", "id"),
        Index("ix_payout_status", "status", "requested_at", "id"),
        {"schema": "payouts"},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    seller_id: Mapped[uuid.UUID]
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    # One bank transfer pays one payout: a reference used twice is a bookkeeping mistake.
    bank_reference: Mapped[str | None] = mapped_column(String(100), unique=True)
    requested_at: Mapped[datetime]
    decided_by: Mapped[uuid.UUID | None]
    approved_at: Mapped[datetime | None]
    rejected_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    paid_by: Mapped[uuid.UUID | None]
    updated_at: Mapped[datetime]
