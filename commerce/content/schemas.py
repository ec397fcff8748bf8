from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from commerce.catalog.schemas import ProductCard
from commerce.core.inputs import StorableInput
from commerce.users.schemas import AuthorCard

MAX_IMAGES = 9
MAX_PRODUCT_TAGS = 20  # a post may tag up to 19 products; 20 or more is rejected
PostText = Annotated[str, StringConstraints(max_length=2200)]


class _In(StorableInput):
    model_config = ConfigDict(extra="forbid")


class ImageIn(_In):
    url: Annotated[AnyHttpUrl, Field(max_length=2048)]
    width: Annotated[int, Field(gt=0, le=20_000)]
    height: Annotated[int, Field(gt=0, le=20_000)]


class ProductTagIn(_In):
    product_id: uuid.UUID
    variant_id: uuid.UUID | None = None
    image_index: Annotated[int, Field(ge=0, lt=MAX_IMAGES)] | None = None
    x: Annotated[float, Field(ge=0, le=1)] | None = None
    y: Annotated[float, Field(ge=0, le=1)] | None = None

    @model_validator(mode="after")
    def _xy_together(self) -> ProductTagIn:
        if (self.x is None) != (self.y is None):
            raise ValueError("x and y go together")
        if self.x is not None and self.image_index is None:
            raise ValueError("a positioned tag needs image_index")
        return self


ProductTags = Annotated[list[ProductTagIn], Field(max_length=MAX_PRODUCT_TAGS - 1)]


class PostCreate(_In):
    text: PostText = ""
    images: Annotated[list[ImageIn], Field(min_length=1, max_length=MAX_IMAGES)]
    product_tags: ProductTags = Field(default_factory=list)


class PostUpdate(_In):
    text: PostText | None = None
    product_tags: ProductTags | None = None


class CommentCreate(_In):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    parent_id: uuid.UUID | None = None


class ImageOut(BaseModel):
    url: str
    width: int
    height: int


class ProductTagOut(BaseModel):
    product_id: uuid.UUID
    variant_id: uuid.UUID | None
    image_index: int | None
    x: float | None
    y: float | None
    product: ProductCard | None = Field(None, description="null when the product is no longer available")


class ViewerState(BaseModel):
    liked: bool = False
    saved: bool = False


class PostCard(BaseModel):
    """A post as every surface shows it: author, images, hashtags, tagged products with price and
    stock state, counts, and what the viewer already did."""

    id: uuid.UUID
    author: AuthorCard
    text: str
    images: list[ImageOut]
    hashtags: list[str]
    product_tags: list[ProductTagOut]
    like_count: int
    comment_count: int
    save_count: int
    created_at: datetime
    updated_at: datetime
    viewer: ViewerState


class CommentOut(BaseModel):
    id: uuid.UUID
    post_id: uuid.UUID
    parent_id: uuid.UUID | None
    author: AuthorCard
    text: str
    created_at: datetime
