"""Recommendations outside the feeds: related products."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from serving.deps import SessionDep, State
from serving.feeds.related import RelatedProducts, related_products
from serving.routers.auth import PROBLEM

router = APIRouter(prefix="/api/products", tags=["catalog"])


@router.get("/{product_id}/related", response_model=RelatedProducts, responses={404: PROBLEM, 422: PROBLEM})
async def related(product_id: uuid.UUID, state: State, session: SessionDep,
                  limit: Annotated[int, Query(ge=1, le=50)] = 12) -> RelatedProducts:
    """Products people who engage with this one also engage with and buy (the product model's
    item-to-item neighbours, active and in stock); the same category's most popular products until
    the model has learned about it (`source: fallback`)."""
    return await related_products(state, session, product_id=product_id, limit=limit)
