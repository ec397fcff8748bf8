from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, SmallInteger, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from commerce.core.db import Base


class Review(Base):
    __tablename__ = "review"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        Index("ix_review_product_created", "product_id", "created_at", "id"),
        {"schema": "reviews"},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    order_item_id: Mapped[uuid.UUID] = mapped_column(unique=True)  # one review per bought item
    product_id: Mapped[uuid.UUID]
    buyer_id: Mapped[uuid.UUID]
    rating: Mapped[int] = mapped_column(SmallInteger)
    text: Mapped[str] = mapped_column(Text)
    photos: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    created_at: Mapped[datetime]
