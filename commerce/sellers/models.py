"""A seller is a user with a shop: `seller.user_id` is the owner's user id, which is also the
`seller_id` every other context stores. One user, at most one shop."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from commerce.core.db import Base

SELLER_STATUSES = ("pending", "approved", "rejected", "suspended")
BUSINESS_TYPES = ("individual", "company")
DECISIONS = ("applied", "approved", "rejected")


class Seller(Base):
    __tablename__ = "seller"
    __table_args__ = (
        CheckConstraint(f"status IN {SELLER_STATUSES!r}", name="status_known"),
        CheckConstraint(f"business_type IN {BUSINESS_TYPES!r}", name="business_type_known"),
        CheckConstraint("status <> 'rejected' OR rejection_reason IS NOT NULL", name="rejected_has_reason"),
        CheckConstraint("status = 'pending' OR reviewed_at IS NOT NULL", name="decided_has_review_time"),
        CheckConstraint("handle = lower(handle)", name="handle_lowercase"),
        # Individuals prove who they are with a NIK, companies with an NPWP.
        CheckConstraint("business_type <> 'individual' OR nik IS NOT NULL", name="individual_has_nik"),
        CheckConstraint("business_type <> 'company' OR npwp IS NOT NULL", name="company_has_npwp"),
        CheckConstraint("payout_account_last4 = right(payout_account_number, 4)", name="last4_matches"),
        # The verification queue reads pending applications oldest first.
        Index("ix_seller_pending_applied", "applied_at", "user_id", postgresql_where=text("status = 'pending'")),
        Index("ix_seller_status_applied", "status", "applied_at", "user_id"),
        {"schema": "sellers"},
    )

    # The owner's user id (auth.account.id); no foreign key across contexts.
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    shop_name: Mapped[str] = mapped_column(String(60))
    handle: Mapped[str] = mapped_column(String(30), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    province: Mapped[str] = mapped_column(String(50))
    city: Mapped[str] = mapped_column(String(100))
    business_type: Mapped[str] = mapped_column(String(20))
    legal_name: Mapped[str] = mapped_column(String(200))
    nik: Mapped[str | None] = mapped_column(String(16))
    npwp: Mapped[str | None] = mapped_column(String(16))
    nib: Mapped[str | None] = mapped_column(String(13))
    # The full number is kept for payouts only; every response shows `payout_account_last4`.
    payout_bank_code: Mapped[str] = mapped_column(String(20))
    payout_account_number: Mapped[str] = mapped_column(String(20))
    payout_account_last4: Mapped[str] = mapped_column(String(4))
    payout_account_holder: Mapped[str] = mapped_column(String(100))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    applied_at: Mapped[datetime]
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[uuid.UUID | None]
    approved_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SellerReview(Base):
    """Every application and decision, so a re-application does not erase why the last one was
    rejected, and onboarding times can be measured per attempt."""

    __tablename__ = "seller_review"
    __table_args__ = (
        CheckConstraint(f"decision IN {DECISIONS!r}", name="decision_known"),
        Index("ix_seller_review_seller", "seller_id", "id"),
        {"schema": "sellers"},
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    seller_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sellers.seller.user_id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[uuid.UUID | None]
    at: Mapped[datetime]


class SellerStats(Base):
    """Recomputed from the source contexts whenever an event says something changed: exact, and a
    redelivered or lost-then-replayed event cannot make it drift."""

    __tablename__ = "seller_stats"
    __table_args__ = (
        CheckConstraint("active_products >= 0 AND orders_paid >= 0 AND orders_to_ship >= 0 "
                        "AND orders_completed >= 0 AND orders_cancelled >= 0 AND rating_count >= 0",
                        name="counts_not_negative"),
        CheckConstraint("gmv >= 0 AND gmv_completed >= 0", name="gmv_not_negative"),
        CheckConstraint("rating_avg IS NULL OR rating_avg BETWEEN 1 AND 5", name="rating_in_range"),
        {"schema": "sellers"},
    )

    seller_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sellers.seller.user_id", ondelete="CASCADE"),
                                                 primary_key=True)
    active_products: Mapped[int] = mapped_column(Integer, default=0)
    orders_paid: Mapped[int] = mapped_column(Integer, default=0)
    orders_to_ship: Mapped[int] = mapped_column(Integer, default=0)
    orders_completed: Mapped[int] = mapped_column(Integer, default=0)
    orders_cancelled: Mapped[int] = mapped_column(Integer, default=0)
    gmv: Mapped[int] = mapped_column(BigInteger, default=0)
    gmv_completed: Mapped[int] = mapped_column(BigInteger, default=0)
    rating_avg: Mapped[Decimal | None] = mapped_column(Numeric(3, 2))
    rating_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]
