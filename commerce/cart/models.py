from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from commerce.core.db import Base


class CartItem(Base):
    """One line per (buyer, variant). The price at the moment of adding is kept so the cart can say
    "the price changed" — checkout always charges the current catalog price."""

    __tablename__ = "cart_item"
    __table_args__ = (
        CheckConstraint("quantity BETWEEN 1 AND 99", name="quantity_bounds"),
        {"schema": "cart"},
    )

    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    variant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    product_id: Mapped[uuid.UUID]
    quantity: Mapped[int] = mapped_column(SmallInteger)
    price_at_add: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    source_post_id: Mapped[uuid.UUID | None]
    source_surface: Mapped[str | None] = mapped_column(String(20))
    added_at: Mapped[datetime]
    updated_at: Mapped[datetime]
