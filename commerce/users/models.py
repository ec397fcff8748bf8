from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
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
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
