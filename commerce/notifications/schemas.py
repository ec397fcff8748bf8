from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from commerce.notifications.types import Channel, NotificationType
from commerce.users.schemas import AuthorCard


class Target(BaseModel):
    type: Literal["post", "order", "product", "user", "seller", "payout"]
    id: uuid.UUID | None


class NotificationOut(BaseModel):
    id: uuid.UUID
    type: NotificationType
    title: str
    body: str
    actors: list[AuthorCard] = Field(description="the latest actors, newest first (at most 3)")
    actor_count: int = Field(description="distinct people behind a batched notification")
    target: Target
    data: dict[str, Any] = Field(description="facts of the event: tracking number, rejection reason, amounts …")
    created_at: datetime
    updated_at: datetime = Field(description="latest activity; a batched notification moves up when it grows")
    read_at: datetime | None


class UnreadCount(BaseModel):
    unread: int


class MarkedRead(BaseModel):
    marked: int


ChannelMap = dict[Channel, bool]


class PreferencesIn(BaseModel):
    """Only the channels named change; the rest keep their current value."""

    model_config = ConfigDict(extra="forbid")

    preferences: Annotated[dict[NotificationType, ChannelMap], Field(
        examples=[{"post_liked": {"push": False}, "order_shipped": {"sms": True}}])]


class PreferencesOut(BaseModel):
    preferences: dict[NotificationType, ChannelMap]


class DeviceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=512,
                                            pattern=r"^[\x21-\x7e]+$")]
    platform: Literal["ios", "android", "web"]


class DeviceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    platform: str
    token_hint: str = Field(description="the token's last characters; the token itself is never echoed")
    created_at: datetime
    last_seen_at: datetime
