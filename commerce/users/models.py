from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from commerce.core.db import Base


class UserProfile(Base):
    __tablename__ = "user_profile"
    __table_args__ = (
        CheckConstraint("username = lower(username)", name="username_lowercase"),
        {"schema": "users"},
    )

    # Same id as the auth account: one identity, two contexts owning different facts about it.
    id: Mapped[uuid.UUID] = mapped_column(ForeignKey("auth.account.id", ondelete="CASCADE"), primary_key=True)
    username: Mapped[str] = mapped_column(String(30), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    bio: Mapped[str] = mapped_column(Text, default="")
    avatar_url: Mapped[str | None] = mapped_column(String(2048))
    # Denormalised counters, kept exact by the contexts that change them (social, content) through
    # `adjust_counts` in their own transactions: profiles are read far more than follows happen.
    followers_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    following_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    posts_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
