from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from commerce.core.db import Base

PRODUCT_STATUSES = ("draft", "pending_review", "active", "rejected", "archived")
VARIANT_STATUSES = ("active", "inactive")

# Name weighs A, brand and description B, each in both languages our buyers search in. Indonesian
# stems affixes ("berlari" → "lari"), English stems inflections ("running shoes" → run, shoe); one
# vector holding both lets a single GIN index answer either language. A generated column cannot read
# another table, which is why the brand name is denormalised onto the product.
SEARCH_VECTOR_SQL = (
    "setweight(to_tsvector('indonesian'::regconfig, name), 'A') || "
    "setweight(to_tsvector('english'::regconfig, name), 'A') || "
    "setweight(to_tsvector('indonesian'::regconfig, coalesce(brand_name, '') || ' ' || description), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(brand_name, '') || ' ' || description), 'B')"
)


class Category(Base):
    """A tree by parent pointer. There is no re-parenting use case, so a parent always exists before
    its children and cycles cannot form (the listing's recursive CTE uses UNION regardless)."""

    __tablename__ = "category"
    __table_args__ = (
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        {"schema": "catalog"},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("catalog.category.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime]


class Brand(Base):
    __tablename__ = "brand"
    __table_args__ = {"schema": "catalog"}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    logo_url: Mapped[str | None] = mapped_column(String(2048))
    created_at: Mapped[datetime]


class Product(Base):
    __tablename__ = "product"
    __table_args__ = (
        CheckConstraint(f"status IN {PRODUCT_STATUSES!r}", name="status_known"),
        # Variants carry no currency of their own, so one product is sold in one currency.
        CheckConstraint("currency = 'IDR'", name="currency_idr"),
        CheckConstraint(
            "(price_min IS NULL) = (price_max IS NULL) "
            "AND (price_min IS NULL OR (price_min > 0 AND price_min <= price_max))",
            name="price_range_valid",
        ),
        # The range is null exactly when no variant is active; an active product must be buyable.
        CheckConstraint("status <> 'active' OR price_min IS NOT NULL", name="active_has_price"),
        CheckConstraint("status <> 'rejected' OR rejection_reason IS NOT NULL", name="rejected_has_reason"),
        CheckConstraint("popularity >= 0 AND rating_count >= 0", name="counters_not_negative"),
        CheckConstraint("rating_avg IS NULL OR rating_avg BETWEEN 1 AND 5", name="rating_in_range"),
        # Public listings only ever read active rows: one partial index per sort order.
        Index("ix_product_active_created", "created_at", "id", postgresql_where=text("status = 'active'")),
        Index("ix_product_active_price", "price_min", "id", postgresql_where=text("status = 'active'")),
        Index("ix_product_active_popularity", "popularity", "id", postgresql_where=text("status = 'active'")),
        Index("ix_product_search_vector", "search_vector", postgresql_using="gin"),
        Index("ix_product_name_trgm", "name", postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}),
        {"schema": "catalog"},
    )

    # uuid7: time-ordered, so the (created_at, id) keyset agrees with insertion order.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # No foreign key: sellers live in another context (and arrive in a later issue).
    seller_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    brand_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("catalog.brand.id", ondelete="RESTRICT"),
                                                       index=True)
    brand_name: Mapped[str | None] = mapped_column(String(200))
    category_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog.category.id", ondelete="RESTRICT"),
                                                   index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    # Denormalised from the active variants on every variant change: listings sort and filter on it
    # without touching variants, and cards show "from Rp X" in one row.
    price_min: Mapped[int | None] = mapped_column(BigInteger)
    price_max: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="IDR")
    popularity: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    rating_avg: Mapped[Decimal | None] = mapped_column(Numeric(3, 2))
    rating_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    search_vector: Mapped[Any] = mapped_column(TSVECTOR, Computed(SEARCH_VECTOR_SQL, persisted=True),
                                               deferred=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    approved_at: Mapped[datetime | None]


class ProductVariant(Base):
    __tablename__ = "product_variant"
    __table_args__ = (
        CheckConstraint("price > 0", name="price_positive"),
        CheckConstraint("weight_grams > 0", name="weight_positive"),
        CheckConstraint(f"status IN {VARIANT_STATUSES!r}", name="status_known"),
        CheckConstraint("available_qty IS NULL OR available_qty >= 0", name="available_not_negative"),
        {"schema": "catalog"},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog.product.id", ondelete="CASCADE"), index=True)
    # Stored upper-case, so uniqueness is case-insensitive the way warehouse staff read SKUs.
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Whole rupiah in the product's currency.
    price: Mapped[int] = mapped_column(BigInteger)
    weight_grams: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="active")
    # Sellable units across warehouses, written by the inventory context in the transaction that
    # moves the stock. NULL: inventory has never tracked this variant, which counts as in stock.
    available_qty: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ProductImage(Base):
    __tablename__ = "product_image"
    __table_args__ = (
        CheckConstraint("width > 0 AND height > 0", name="size_positive"),
        CheckConstraint("position >= 0", name="position_not_negative"),
        {"schema": "catalog"},
    )

    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("catalog.product.id", ondelete="CASCADE"),
                                                  primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    width: Mapped[int]
    height: Mapped[int]
