from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, ClassVar, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from commerce.core.inputs import StorableInput

MAX_IMAGES = 10
MAX_VARIANTS = 100
MAX_PRICE = 1_000_000_000_000  # a trillion rupiah: far above any listing, far below BIGINT

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=5000)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=200)]
# Letters, digits, '.', '_' and '-', starting with a letter or digit; stored upper-case.
Sku = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=2, max_length=64,
                                       pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
HttpUrl = Annotated[AnyHttpUrl, Field(max_length=2048)]
AttributeKey = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=30)]
AttributeValue = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Attributes = Annotated[dict[AttributeKey, AttributeValue], Field(max_length=10)]
Price = Annotated[int, Field(gt=0, le=MAX_PRICE, description="whole rupiah (IDR has no minor unit)")]
Grams = Annotated[int, Field(gt=0, le=1_000_000)]
VariantStatus = Literal["active", "inactive"]
ProductStatus = Literal["draft", "pending_review", "active", "rejected", "archived"]
Sort = Literal["newest", "price_asc", "price_desc", "popularity", "relevance"]
POPULARITY_DOC = ("recent engagement in points: 10 × (views + 2 × post tag clicks + 4 × add-to-carts + "
                  "8 × purchases) over the last 30 days, one per person per day each, halving every 7 days; "
                  "refreshed every 10 minutes")


class _In(StorableInput):
    model_config = ConfigDict(extra="forbid")


class _Patch(_In):
    """A missing field means "leave it". An explicit null for a field that cannot be empty is a client
    bug worth a 422 rather than a silent no-op."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_null_for_required(self) -> _Patch:
        for name in self.model_fields_set:
            if getattr(self, name) is None and name not in self.NULLABLE:
                raise ValueError(f"{name} cannot be null")
        return self


# --- writes -------------------------------------------------------------------------------------

class CategoryCreate(_In):
    name: Name
    slug: Slug | None = Field(None, description="derived from the name when omitted")
    parent_id: uuid.UUID | None = None


class BrandCreate(_In):
    name: Name
    slug: Slug | None = Field(None, description="derived from the name when omitted")
    logo_url: HttpUrl | None = None


class ImageIn(_In):
    url: HttpUrl
    width: Annotated[int, Field(gt=0, le=20_000)]
    height: Annotated[int, Field(gt=0, le=20_000)]


class VariantCreate(_In):
    sku: Sku
    attributes: Attributes = Field(default_factory=dict, examples=[{"size": "M", "colour": "black"}])
    price: Price
    weight_grams: Grams
    status: VariantStatus = "active"


class VariantUpdate(_Patch):
    sku: Sku | None = None
    attributes: Attributes | None = None
    price: Price | None = None
    weight_grams: Grams | None = None
    status: VariantStatus | None = None


class ProductCreate(_In):
    name: Name
    description: Description = ""
    category_id: uuid.UUID
    brand_id: uuid.UUID | None = None
    variants: Annotated[list[VariantCreate], Field(max_length=MAX_VARIANTS)] = Field(default_factory=list)
    images: Annotated[list[ImageIn], Field(max_length=MAX_IMAGES)] = Field(default_factory=list)


class ProductUpdate(_Patch):
    """`images`, when sent, replaces the whole gallery in the order given; `brand_id: null` removes
    the brand."""

    name: Name | None = None
    description: Description | None = None
    category_id: uuid.UUID | None = None
    brand_id: uuid.UUID | None = None
    images: Annotated[list[ImageIn], Field(max_length=MAX_IMAGES)] | None = None
    NULLABLE: ClassVar[frozenset[str]] = frozenset({"brand_id"})


class RejectIn(_In):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class ProductQuery(StorableInput):
    """Query string of the public listing. Filters combine with AND; `q` switches on search."""

    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = Field(
        None, description="full-text search in Indonesian and English, typo-tolerant on the name")
    category: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        None, description="category id or slug; includes every sub-category")
    brand: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        None, description="brand id or slug")
    seller_id: uuid.UUID | None = Field(None, description="only this seller's products (a shop)")
    price_min: Annotated[int, Field(ge=0, le=MAX_PRICE)] | None = Field(
        None, description="some active variant costs at least this much")
    price_max: Annotated[int, Field(ge=0, le=MAX_PRICE)] | None = Field(
        None, description="some active variant costs at most this much")
    sort: Sort | None = Field(None, description="defaults to relevance with `q`, newest without; prices sort "
                                                "by the lowest active variant price; popularity by recent "
                                                "engagement (see `popularity`)")
    cursor: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        None, description="next_cursor from the previous page of the same query")
    limit: Annotated[int, Field(ge=1, le=100)] = 20

    @model_validator(mode="after")
    def _consistent(self) -> ProductQuery:
        if self.price_min is not None and self.price_max is not None and self.price_min > self.price_max:
            raise ValueError("price_min must not exceed price_max")
        if self.sort == "relevance" and self.q is None:
            raise ValueError("sort=relevance needs q")
        return self

    @property
    def effective_sort(self) -> Sort:
        return self.sort or ("relevance" if self.q else "newest")


# --- reads --------------------------------------------------------------------------------------

class CategoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    parent_id: uuid.UUID | None
    name: str
    slug: str


class CategoryNode(CategoryOut):
    children: list[CategoryNode] = Field(default_factory=list)


class BrandOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    slug: str
    logo_url: str | None


class VariantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    sku: str
    attributes: dict[str, str]
    price: int
    currency: str = "IDR"
    weight_grams: int
    status: VariantStatus


class ImageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    url: str
    width: int
    height: int
    position: int


class ProductCard(BaseModel):
    """The slice of a product that feeds and posts show next to a tag.

    `in_stock` means "active, and some active variant has stock" — `available_qty` is kept by the
    inventory context; NULL means the variant's stock is not tracked and counts as in stock.
    `price_min` and `price_max` are 0 when no variant is active (in_stock is then false)."""

    id: uuid.UUID
    name: str
    brand_name: str | None
    price_min: int
    price_max: int
    currency: str
    image_url: str | None
    status: str
    in_stock: bool


class ProductSummary(ProductCard):
    """A row of the public listing: the card plus what the grid sorts and filters on."""

    brand_id: uuid.UUID | None
    category_id: uuid.UUID
    popularity: int = Field(description=POPULARITY_DOC)
    rating_avg: float | None
    rating_count: int
    created_at: datetime


class ManagedProduct(ProductSummary):
    """A row of a seller's own product list or the admins' review queue: any status, with what the
    seller needs to act on it."""

    seller_id: uuid.UUID | None
    rejection_reason: str | None
    updated_at: datetime
    approved_at: datetime | None


class ProductDetail(BaseModel):
    """The product page. The public sees active variants only; admins see every variant."""

    id: uuid.UUID
    seller_id: uuid.UUID | None
    name: str
    description: str
    status: ProductStatus
    rejection_reason: str | None
    brand: BrandOut | None
    category: CategoryOut
    price_min: int | None
    price_max: int | None
    currency: str
    in_stock: bool
    popularity: int = Field(description=POPULARITY_DOC)
    rating_avg: float | None
    rating_count: int
    variants: list[VariantOut]
    images: list[ImageOut]
    created_at: datetime
    updated_at: datetime
    approved_at: datetime | None
