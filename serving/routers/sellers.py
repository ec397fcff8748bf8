"""/api/sellers (was seller-service): apply to sell, the admins' verification queue, the seller's own
shop and stats; /api/shops: the public shop page; /api/moderation: the product review queue.

Bank account numbers never leave the API unmasked: every seller response carries only the last four
digits (`••••1234`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from commerce.catalog import service as catalog
from commerce.catalog.schemas import ManagedProduct, ProductStatus, ProductSummary
from commerce.core.pagination import Page
from commerce.sellers import service as sellers
from commerce.sellers.schemas import (
    ApplicationOut,
    ApplicationSummary,
    RejectIn,
    SellerApply,
    SellerOut,
    SellerStatsOut,
    SellerStatus,
    SellerUpdate,
    ShopPage,
)
from serving.deps import AdminUser, CurrentUser, Cursor, Limit, SellerUser, SessionDep
from serving.routers.auth import PROBLEM

router = APIRouter(tags=["sellers"])
ERRORS = {401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, 422: PROBLEM}
HandlePath = Annotated[str, Path(min_length=3, max_length=30, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*[A-Za-z0-9]$")]


# --- the applicant and the seller ---------------------------------------------------------------

@router.post("/api/sellers/apply", status_code=status.HTTP_201_CREATED, response_model=SellerOut, responses=ERRORS,
             summary="Apply to open a shop")
async def apply(body: SellerApply, me: CurrentUser, session: SessionDep) -> SellerOut:
    """Any signed-in user may apply once; after a rejection they may apply again (the new details
    replace the old). Individuals give a valid 16-digit NIK, companies an NPWP (15 or 16 digits);
    the payout account is a bank code, an account number and the holder's name. The application
    waits for an admin (`seller.applied`). 409 `application_pending` while one waits,
    `already_seller` once approved, `handle_taken` for a handle in use. The account number comes
    back masked, here and everywhere."""
    return await sellers.apply(session, user_id=me.user_id, data=body)


@router.get("/api/sellers/me", response_model=SellerOut, responses=ERRORS, summary="Your shop or application")
async def get_me(me: CurrentUser, session: SessionDep) -> SellerOut:
    """The caller's application or shop with its status (pending, approved, rejected with the
    reason). 404 `seller_not_found` before the first application."""
    return await sellers.get_own(session, user_id=me.user_id)


@router.patch("/api/sellers/me", response_model=SellerOut, responses=ERRORS, summary="Edit your shop")
async def update_me(body: SellerUpdate, me: SellerUser, session: SessionDep) -> SellerOut:
    """Shop name, description, location and payout account. The handle, identity and status cannot
    be changed here (unknown fields are a 422)."""
    return await sellers.update_own(session, user_id=me.user_id, data=body)


@router.get("/api/sellers/me/stats", response_model=SellerStatsOut, responses=ERRORS, summary="Your shop's figures")
async def my_stats(me: SellerUser, session: SessionDep) -> SellerStatsOut:
    """Active products, orders (paid, to ship, completed, cancelled), GMV and rating, kept current by
    the worker from catalog, order and review events (a few seconds behind the facts)."""
    return await sellers.stats(session, seller_id=me.user_id)


# --- the verifiers ------------------------------------------------------------------------------

@router.get("/api/sellers/applications", response_model=Page[ApplicationSummary], responses=ERRORS,
            summary="The verification queue (admin)")
async def list_applications(admin: AdminUser, session: SessionDep,
                            status_: Annotated[SellerStatus | None, Query(alias="status")] = None,
                            cursor: Cursor = None, limit: Limit = 20) -> Page[ApplicationSummary]:
    """Applications oldest first; `status=pending` is the work queue."""
    return await sellers.list_applications(session, status=status_, cursor=cursor, limit=limit)


@router.get("/api/sellers/applications/{seller_id}", response_model=ApplicationOut, responses=ERRORS,
            summary="One application (admin)")
async def get_application(seller_id: uuid.UUID, admin: AdminUser, session: SessionDep) -> ApplicationOut:
    """With the identity numbers in full (they are what the verifier checks), the payout account
    masked, and the history of earlier applications and decisions."""
    return await sellers.get_application(session, seller_id=seller_id)


@router.post("/api/sellers/applications/{seller_id}/approve", response_model=ApplicationOut, responses=ERRORS,
             summary="Approve an application (admin)")
async def approve(seller_id: uuid.UUID, admin: AdminUser, session: SessionDep) -> ApplicationOut:
    """pending → approved: the shop opens and the user is granted the `seller` role (it appears in
    their tokens from the next refresh or login). Publishes `seller.approved`. Nobody approves their
    own application (403 `self_review_forbidden`)."""
    return await sellers.approve(session, seller_id=seller_id, reviewer_id=admin.user_id)


@router.post("/api/sellers/applications/{seller_id}/reject", response_model=ApplicationOut, responses=ERRORS,
             summary="Reject an application (admin)")
async def reject(seller_id: uuid.UUID, body: RejectIn, admin: AdminUser, session: SessionDep) -> ApplicationOut:
    """pending → rejected with a reason the applicant sees; publishes `seller.rejected`. The
    applicant may apply again."""
    return await sellers.reject(session, seller_id=seller_id, reviewer_id=admin.user_id, reason=body.reason)


# --- public shop pages --------------------------------------------------------------------------

@router.get("/api/shops/{handle}", response_model=ShopPage, responses={404: PROBLEM, 422: PROBLEM},
            tags=["shops"], summary="A shop's public page")
async def shop(handle: HandlePath, session: SessionDep) -> ShopPage:
    """An approved shop: name, description, location, figures (active products, completed orders,
    the average rating over all reviews of its products) and its newest active products. Shops that
    are not approved are 404."""
    return await sellers.shop(session, handle=handle)


@router.get("/api/sellers/{seller_id}/shop", response_model=ShopPage, responses={404: PROBLEM, 422: PROBLEM},
            tags=["shops"], summary="A shop's public page, by seller id")
async def shop_of_seller(seller_id: uuid.UUID, session: SessionDep) -> ShopPage:
    """The same page for a product's `seller_id`, so a product page can link to its shop."""
    return await sellers.shop(session, seller_id=seller_id)


@router.get("/api/shops/{handle}/products", response_model=Page[ProductSummary],
            responses={404: PROBLEM, 422: PROBLEM}, tags=["shops"], summary="A shop's products")
async def shop_products(handle: HandlePath, session: SessionDep, cursor: Cursor = None,
                        limit: Limit = 20) -> Page[ProductSummary]:
    """The shop's active products, newest first, paginated by `next_cursor`."""
    return await sellers.shop_products(session, handle=handle, cursor=cursor, limit=limit)


# --- product moderation -------------------------------------------------------------------------

@router.get("/api/moderation/products", response_model=Page[ManagedProduct], responses=ERRORS,
            tags=["catalog"], summary="The product review queue (admin)")
async def review_queue(admin: AdminUser, session: SessionDep,
                       status_: Annotated[ProductStatus, Query(alias="status")] = "pending_review",
                       seller_id: Annotated[uuid.UUID | None, Query()] = None, cursor: Cursor = None,
                       limit: Limit = 20) -> Page[ManagedProduct]:
    """Products in one status (default `pending_review`), oldest first, optionally of one seller.
    Decide with `POST /api/products/{id}/approve` or `/reject`."""
    return await catalog.managed_products(session, seller_id=seller_id, status=status_, oldest_first=True,
                                          cursor=cursor, limit=limit)
