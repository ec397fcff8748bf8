"""/api/reviews and product reviews."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from commerce.core.pagination import Page
from commerce.reviews import service as reviews
from commerce.reviews.schemas import ReviewIn, ReviewOut
from serving.deps import CurrentUser, Cursor, Limit, SessionDep
from serving.routers.auth import PROBLEM

router = APIRouter(tags=["reviews"])


@router.post("/api/reviews", status_code=status.HTTP_201_CREATED, response_model=ReviewOut,
             responses={401: PROBLEM, 404: PROBLEM, 409: PROBLEM, 422: PROBLEM})
async def create_review(body: ReviewIn, me: CurrentUser, session: SessionDep) -> ReviewOut:
    """Only for an item of your own delivered (or completed) order, once per item."""
    return await reviews.create_review(session, buyer_id=me.user_id, data=body)


@router.get("/api/products/{product_id}/reviews", response_model=Page[ReviewOut], responses={422: PROBLEM})
async def product_reviews(product_id: uuid.UUID, session: SessionDep, cursor: Cursor = None,
                          limit: Limit = 20) -> Page[ReviewOut]:
    return await reviews.product_reviews(session, product_id=product_id, cursor=cursor, limit=limit)
