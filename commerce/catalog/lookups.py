"""What cart, checkout and reviews need to know about variants and products: one batch query, the
price and status as they are *now* (never as a client claims them)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.catalog.models import Product, ProductVariant
from commerce.catalog.queries import cover_url


class VariantSnapshot(BaseModel):
    variant_id: uuid.UUID
    product_id: uuid.UUID
    product_name: str
    sku: str
    attributes: dict[str, Any]
    price: int
    currency: str
    weight_grams: int
    seller_id: uuid.UUID | None
    image_url: str | None
    purchasable: bool  # product active and variant active


async def variant_snapshots(session: AsyncSession, *,
                            variant_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, VariantSnapshot]:
    ids = set(variant_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(ProductVariant, Product.name, Product.currency, Product.seller_id, Product.status,
               cover_url().label("cover"))
        .join(Product, Product.id == ProductVariant.product_id)
        .where(ProductVariant.id.in_(ids))
    )
    result = {}
    for variant, name, currency, seller_id, product_status, image in rows:
        result[variant.id] = VariantSnapshot(
            variant_id=variant.id, product_id=variant.product_id, product_name=name, sku=variant.sku,
            attributes=variant.attributes, price=variant.price, currency=currency, weight_grams=variant.weight_grams,
            seller_id=seller_id, image_url=image,
            purchasable=product_status == "active" and variant.status == "active",
        )
    return result


async def lock_for_rating(session: AsyncSession, *, product_id: uuid.UUID) -> None:
    """Lock the product row until the caller's transaction ends, so concurrent reviews of one product
    recompute its rating one after another (each seeing the reviews committed before it) instead of
    overwriting each other's count."""
    await session.execute(select(Product.id).where(Product.id == product_id).with_for_update())


async def set_rating(session: AsyncSession, *, product_id: uuid.UUID, average: Decimal | None, count: int) -> None:
    """The reviews context recomputes the aggregate from its own rows and stores it here (joins the
    caller's transaction); recomputing instead of folding in keeps rounding errors from piling up."""
    await session.execute(update(Product).where(Product.id == product_id).values(
        rating_count=count,
        rating_avg=None if average is None else average.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
    ))
