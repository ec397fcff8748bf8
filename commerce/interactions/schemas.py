from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from commerce.core.inputs import StorableInput

ClientEventType = Literal[
    "impression", "post_view", "post_click", "share", "product_tag_click", "product_view", "hide", "not_interested",
]
Surface = Literal["for_you", "explore", "following", "profile", "search", "hashtag", "post", "product", "cart"]
MAX_BATCH = 500


class ClientEvent(StorableInput):
    """What an app may report. Likes, saves, comments, carts, checkouts and purchases are written by
    the server when they happen, so a client cannot inflate or double-count them."""

    model_config = ConfigDict(extra="forbid")

    event_id: uuid.UUID = Field(description="client-generated; a resent event with the same id is ignored")
    type: ClientEventType
    occurred_at: AwareDatetime
    user_id: uuid.UUID | None = Field(None, description="optional; must be the caller when present")
    surface: Surface | None = None
    position: Annotated[int, Field(ge=0, le=10_000)] | None = None
    post_id: uuid.UUID | None = None
    product_id: uuid.UUID | None = None
    variant_id: uuid.UUID | None = None
    session_id: Annotated[str, Field(max_length=64)] | None = None
    properties: Annotated[dict[str, Any], Field(max_length=20)] = Field(default_factory=dict)

    @field_validator("properties")
    @classmethod
    def _small_properties(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key, item in value.items():
            if len(key) > 40 or not isinstance(item, (str, int, float, bool, type(None))):
                raise ValueError("properties are up to 20 flat key/value pairs")
            if isinstance(item, str) and len(item) > 200:
                raise ValueError("property values are at most 200 characters")
        return value


class EventBatch(StorableInput):
    model_config = ConfigDict(extra="forbid")

    events: Annotated[list[ClientEvent], Field(min_length=1, max_length=MAX_BATCH)]


class BatchResult(BaseModel):
    accepted: int
    duplicates: int
    clamped: int


class InteractionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    event_id: uuid.UUID
    event_type: str
    source: str
    surface: str | None
    position: int | None
    post_id: uuid.UUID | None
    product_id: uuid.UUID | None
    occurred_at: datetime
