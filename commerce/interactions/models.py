from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Identity, Index, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from commerce.core.db import Base

EVENT_TYPES = (
    "impression", "post_view", "post_click", "like", "save", "comment", "share", "product_tag_click",
    "product_view", "add_to_cart", "checkout", "purchase", "hide", "not_interested",
)
SURFACES = ("for_you", "explore", "following", "profile", "search", "hashtag", "post", "product", "cart")


class Interaction(Base):
    """Append-only: rows are inserted, never updated or deleted. `id` grows with arrival, so the
    warehouse extract can use it as its watermark even for events that occurred long ago (late
    arrivals); `occurred_at` is when the person did it, for analysis."""

    __tablename__ = "interaction"
    __table_args__ = (
        Index("uq_interaction_user_event", "user_id", "event_id", unique=True),
        # BRIN: tiny, and ideal for an append-only table scanned by time range.
        Index("ix_interaction_occurred_brin", "occurred_at", postgresql_using="brin"),
        Index("ix_interaction_user_occurred", "user_id", "occurred_at"),
        Index("ix_interaction_post_type", "post_id", "event_type", postgresql_where=text("post_id IS NOT NULL")),
        {"schema": "interactions"},
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    event_id: Mapped[uuid.UUID]
    user_id: Mapped[uuid.UUID]
    event_type: Mapped[str] = mapped_column(String(30))
    source: Mapped[str] = mapped_column(String(10))
    surface: Mapped[str | None] = mapped_column(String(20))
    position: Mapped[int | None] = mapped_column(SmallInteger)
    post_id: Mapped[uuid.UUID | None]
    product_id: Mapped[uuid.UUID | None]
    variant_id: Mapped[uuid.UUID | None]
    order_id: Mapped[uuid.UUID | None]
    quantity: Mapped[int | None]
    amount: Mapped[int | None] = mapped_column(BigInteger)
    session_id: Mapped[str | None] = mapped_column(String(64))
    properties: Mapped[dict[str, Any]]
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime]
