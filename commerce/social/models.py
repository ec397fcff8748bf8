from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Index
from sqlalchemy.orm import Mapped, mapped_column

from commerce.core.db import Base


class Follow(Base):
    __tablename__ = "follow"
    __table_args__ = (
        CheckConstraint("follower_id <> followee_id", name="not_self"),
        # "who follows X, newest first" — the followers list and fan-out both scan this.
        Index("ix_follow_followee_created", "followee_id", "created_at", "follower_id"),
        Index("ix_follow_follower_created", "follower_id", "created_at", "followee_id"),
        {"schema": "social"},
    )

    follower_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    followee_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]


class Block(Base):
    __tablename__ = "block"
    __table_args__ = (
        CheckConstraint("blocker_id <> blocked_id", name="not_self"),
        Index("ix_block_blocked", "blocked_id", "blocker_id"),
        {"schema": "social"},
    )

    blocker_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    blocked_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
