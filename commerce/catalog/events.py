"""Events the catalog publishes through the outbox. Payloads carry ids and the few facts consumers
need to act without calling back (notifications name the product, sellers count their products);
anything else they read through `commerce.catalog.service`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from commerce.catalog.models import Product

PRODUCT_APPROVED = "product.approved"  # content: now taggable; sellers: product count; notifications
PRODUCT_REJECTED = "product.rejected"  # notifications: tell the seller why
PRODUCT_ARCHIVED = "product.archived"  # content/feed: no longer taggable or shoppable


def _base(product: Product) -> dict[str, Any]:
    return {
        "product_id": str(product.id),
        "seller_id": str(product.seller_id) if product.seller_id else None,
        "name": product.name,
    }


def product_approved(product: Product, *, at: datetime) -> dict[str, Any]:
    return {
        **_base(product),
        "category_id": str(product.category_id),
        "brand_id": str(product.brand_id) if product.brand_id else None,
        "price_min": product.price_min,
        "price_max": product.price_max,
        "currency": product.currency,
        "approved_at": at.isoformat(),
    }


def product_rejected(product: Product, *, reason: str, at: datetime) -> dict[str, Any]:
    return {**_base(product), "reason": reason, "rejected_at": at.isoformat()}


def product_archived(product: Product, *, previous_status: str, at: datetime) -> dict[str, Any]:
    return {**_base(product), "previous_status": previous_status, "archived_at": at.isoformat()}
