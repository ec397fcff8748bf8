from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from commerce.core.db import Base


class Address(Base):
    """A buyer's saved address. Orders copy it at checkout, so editing or deleting one never rewrites
    where a past parcel went."""

    __tablename__ = "address"
    __table_args__ = (
        CheckConstraint("postal_code ~ '^[0-9]{5}$'", name="postal_code_5_digits"),
        CheckConstraint("phone ~ '^\\+628[0-9]{8,12}$'", name="phone_normalised"),
        Index("ix_address_user_created", "user_id", "created_at", "id"),
        # At most one default per user; the service keeps it at exactly one whenever there are any.
        Index("uq_address_user_default", "user_id", unique=True, postgresql_where=text("is_default")),
        {"schema": "addresses"},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID]
    label: Mapped[str | None] = mapped_column(String(30))
    recipient: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(16))
    province: Mapped[str] = mapped_column(String(50))
    city: Mapped[str] = mapped_column(String(100))
    district: Mapped[str] = mapped_column(String(100))
    postal_code: Mapped[str] = mapped_column(String(5))
    street: Mapped[str] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(String(200))
    is_default: Mapped[bool]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
