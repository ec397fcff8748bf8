from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints

from commerce.users.schemas import AuthorCard


class PhotoIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[AnyHttpUrl, Field(max_length=2048)]
    width: Annotated[int, Field(gt=0, le=20_000)]
    height: Annotated[int, Field(gt=0, le=20_000)]


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_item_id: uuid.UUID
    rating: Annotated[int, Field(ge=1, le=5)]
    text: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""
    photos: Annotated[list[PhotoIn], Field(max_length=5)] = Field(default_factory=list)


class ReviewOut(BaseModel):
    id: uuid.UUID
    product_id: uuid.UUID
    author: AuthorCard
    rating: int
    text: str
    photos: list[dict]
    created_at: datetime
