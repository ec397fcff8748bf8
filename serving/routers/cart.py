"""/api/cart — the buyer's own cart."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from commerce.cart import service as cart
from commerce.cart.schemas import AddItem, CartOut, UpdateItem
from serving.deps import CurrentUser, SessionDep
from serving.routers.auth import PROBLEM

router = APIRouter(prefix="/api/cart", tags=["cart"])
ERRORS = {401: PROBLEM, 404: PROBLEM, 409: PROBLEM, 422: PROBLEM}


@router.get("", response_model=CartOut, responses=ERRORS)
async def get_cart(me: CurrentUser, session: SessionDep) -> CartOut:
    """Current prices and stock; `price_changed` marks lines whose price moved since they were added."""
    return await cart.get_cart(session, user_id=me.user_id)


@router.post("/items", response_model=CartOut, responses=ERRORS)
async def add_item(body: AddItem, me: CurrentUser, session: SessionDep) -> CartOut:
    """Adds to the line's quantity (capped at 99) after a stock check; pass the post and surface that
    led here so the sale can be attributed."""
    return await cart.add_item(session, user_id=me.user_id, data=body)


@router.patch("/items/{variant_id}", response_model=CartOut, responses=ERRORS)
async def update_item(variant_id: uuid.UUID, body: UpdateItem, me: CurrentUser, session: SessionDep) -> CartOut:
    return await cart.update_item(session, user_id=me.user_id, variant_id=variant_id, quantity=body.quantity)


@router.delete("/items/{variant_id}", response_model=CartOut, responses=ERRORS)
async def remove_item(variant_id: uuid.UUID, me: CurrentUser, session: SessionDep) -> CartOut:
    return await cart.remove_item(session, user_id=me.user_id, variant_id=variant_id)


@router.get("/{user_id}", response_model=CartOut, responses=ERRORS)
async def get_cart_of(user_id: uuid.UUID, me: CurrentUser, session: SessionDep) -> CartOut:
    """The old cart-service path; only the cart's owner may read it."""
    return await cart.get_cart_of(session, owner_id=user_id, viewer_id=me.user_id)
