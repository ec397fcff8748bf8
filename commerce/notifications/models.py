from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from commerce.core.db import Base


class Notification(Base):
    """One inbox entry. Batched types (likes, followers) are updated in place while unread and inside
    the batching window, so `updated_at` — the latest activity — orders the inbox."""

    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint("actor_count >= 0", name="actor_count_not_negative"),
        Index("ix_notification_inbox", "user_id", "updated_at", "id"),
        Index("ix_notification_unread", "user_id", "updated_at", "id", postgresql_where=text("read_at IS NULL")),
        Index("ix_notification_open_group", "user_id", "group_key", "created_at",
              postgresql_where=text("read_at IS NULL AND group_key IS NOT NULL")),
        {"schema": "notifications"},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID]
    type: Mapped[str] = mapped_column(String(40))
    group_key: Mapped[str | None] = mapped_column(String(200))
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[uuid.UUID | None]
    # The latest few distinct actors, newest first, for "Ayu and 12 others"; the full set is
    # notification_actor, which also makes the count exact.
    actor_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)))
    actor_count: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]]
    source_event_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class NotificationActor(Base):
    __tablename__ = "notification_actor"
    __table_args__ = {"schema": "notifications"}

    notification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notifications.notification.id", ondelete="CASCADE"), primary_key=True)
    actor_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    acted_at: Mapped[datetime]


class Delivery(Base):
    """One outbound channel of one notification: pending → sending → sent | failed | skipped.

    Unique per (notification, channel), and `idempotency_key` travels with the provider call, so a
    retry after a crash between "provider accepted" and "row marked sent" is recognised downstream."""

    __tablename__ = "delivery"
    __table_args__ = (
        CheckConstraint("channel IN ('email', 'push', 'sms')", name="channel_known"),
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'skipped')", name="status_known"),
        Index("ix_delivery_due", "next_attempt_at", postgresql_where=text("status IN ('pending', 'sending')")),
        Index("ix_delivery_notification_channel", "notification_id", "channel", unique=True),
        {"schema": "notifications"},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    notification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notifications.notification.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID]
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    attempts: Mapped[int] = mapped_column(SmallInteger)
    # When a pending row is due; while sending, when its lease runs out.
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    provider: Mapped[str | None] = mapped_column(String(40))
    provider_ref: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class Preference(Base):
    """Only the user's deviations from the type's defaults are stored."""

    __tablename__ = "preference"
    __table_args__ = {"schema": "notifications"}

    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime]


class PushDevice(Base):
    __tablename__ = "push_device"
    __table_args__ = (
        CheckConstraint("platform IN ('ios', 'android', 'web')", name="platform_known"),
        {"schema": "notifications"},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(index=True)
    token: Mapped[str] = mapped_column(String(512), unique=True)
    platform: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
