"""Catalog (was product-service + brand-service): admin curation and review, public browsing and search.

Writes are admin-only until the sellers context lands; reads are public and show active products
only, except that admins can open any product by id."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from commerce.catalog import service as catalog
from commerce.catalog.schemas import (
    BrandCreate,
    BrandOut,
    CategoryCreate,
    CategoryNode,
    CategoryOut,
    ProductCreate,
    ProductDetail,
    ProductQuery,
    ProductSummary,
    ProductUpdate,
    RejectIn,
    VariantCreate,
    VariantOut,
    VariantUpdate,
)
from commerce.core.pagination import Page
from serving.deps import AdminUser, Cursor, OptionalUser, SessionDep
from serving.routers.auth import PROBLEM

router = APIRouter(tags=["catalog"])
ADMIN_ERRORS = {401: PROBLEM, 403: PROBLEM, 422: PROBLEM}
PRODUCT_ERRORS = {**ADMIN_ERRORS, 404: PROBLEM, 409: PROBLEM}


def _sees_unpublished(viewer: OptionalUser) -> bool:
    """Public reads stay anonymous-friendly; only an admin token widens them to unpublished products."""
    return viewer is not None and "admin" in viewer.roles


SeesUnpublished = Annotated[bool, Depends(_sees_unpublished)]


@router.post("/api/categories", status_code=status.HTTP_201_CREATED, response_model=CategoryOut,
             responses={**ADMIN_ERRORS, 409: PROBLEM})
async def create_category(body: CategoryCreate, session: SessionDep, admin: AdminUser) -> CategoryOut:
    return await catalog.create_category(session, data=body)


@router.get("/api/categories", response_model=list[CategoryNode])
async def category_tree(session: SessionDep) -> list[CategoryNode]:
    """The whole category tree: root categories, each with its `children` nested to any depth, sorted
    by name at every level. `parent_id` is also given on every node for clients that want it flat."""
    return await catalog.category_tree(session)


@router.post("/api/brands", status_code=status.HTTP_201_CREATED, response_model=BrandOut,
             responses={**ADMIN_ERRORS, 409: PROBLEM})
async def create_brand(body: BrandCreate, session: SessionDep, admin: AdminUser) -> BrandOut:
    return await catalog.create_brand(session, data=body)


@router.get("/api/brands", response_model=Page[BrandOut], responses={422: PROBLEM})
async def list_brands(session: SessionDep, cursor: Cursor = None,
                      limit: Annotated[int, Query(ge=1, le=100)] = 50) -> Page[BrandOut]:
    """Brands in slug order, paginated by `next_cursor`."""
    return await catalog.list_brands(session, cursor=cursor, limit=limit)


@router.post("/api/products", status_code=status.HTTP_201_CREATED, response_model=ProductDetail,
             responses={**ADMIN_ERRORS, 409: PROBLEM})
async def create_product(body: ProductCreate, session: SessionDep, admin: AdminUser) -> ProductDetail:
    """A draft with its variants and images in one call; submit it for review to publish it."""
    return await catalog.create_product(session, data=body)


@router.get("/api/products", response_model=Page[ProductSummary], responses={422: PROBLEM})
async def list_products(params: Annotated[ProductQuery, Query()], session: SessionDep) -> Page[ProductSummary]:
    """Active products. Filters: `category` (id or slug, sub-categories included), `brand` (id or
    slug), `price_min`/`price_max` (some active variant in range). `q` searches names, brands and
    descriptions in Indonesian and English and tolerates typos in the name. Keyset pagination:
    pass `next_cursor` back as `cursor` with the same filters."""
    return await catalog.list_products(session, params=params)


@router.get("/api/products/{product_id}", response_model=ProductDetail,
            responses={401: PROBLEM, 404: PROBLEM, 422: PROBLEM})
async def get_product(product_id: uuid.UUID, session: SessionDep, staff: SeesUnpublished) -> ProductDetail:
    """Active products for everyone (with their active variants); admins may open any product and see
    every variant. A product the caller may not see is a 404, never a 403."""
    return await catalog.get_product(session, product_id=product_id, include_unpublished=staff)


@router.patch("/api/products/{product_id}", response_model=ProductDetail, responses=PRODUCT_ERRORS)
async def update_product(product_id: uuid.UUID, body: ProductUpdate, session: SessionDep,
                         admin: AdminUser) -> ProductDetail:
    """Editing a rejected product returns it to draft; archived products cannot be edited."""
    return await catalog.update_product(session, product_id=product_id, data=body)


@router.post("/api/products/{product_id}/variants", status_code=status.HTTP_201_CREATED, response_model=VariantOut,
             responses=PRODUCT_ERRORS)
async def add_variant(product_id: uuid.UUID, body: VariantCreate, session: SessionDep,
                      admin: AdminUser) -> VariantOut:
    return await catalog.add_variant(session, product_id=product_id, data=body)


@router.patch("/api/products/{product_id}/variants/{variant_id}", response_model=VariantOut,
              responses=PRODUCT_ERRORS)
async def update_variant(product_id: uuid.UUID, variant_id: uuid.UUID, body: VariantUpdate, session: SessionDep,
                         admin: AdminUser) -> VariantOut:
    return await catalog.update_variant(session, product_id=product_id, variant_id=variant_id, data=body)


@router.post("/api/products/{product_id}/submit", response_model=ProductDetail, responses=PRODUCT_ERRORS)
async def submit_product(product_id: uuid.UUID, session: SessionDep, admin: AdminUser) -> ProductDetail:
    """draft → pending_review; needs an active variant."""
    return await catalog.submit_product(session, product_id=product_id)


@router.post("/api/products/{product_id}/approve", response_model=ProductDetail, responses=PRODUCT_ERRORS)
async def approve_product(product_id: uuid.UUID, session: SessionDep, admin: AdminUser) -> ProductDetail:
    """pending_review → active: public, taggable, and announced as `product.approved`. Nobody approves
    their own product (403 `self_review_forbidden`)."""
    return await catalog.approve_product(session, product_id=product_id, reviewer_id=admin.user_id)


@router.post("/api/products/{product_id}/reject", response_model=ProductDetail, responses=PRODUCT_ERRORS)
async def reject_product(product_id: uuid.UUID, body: RejectIn, session: SessionDep,
                         admin: AdminUser) -> ProductDetail:
    """pending_review → rejected with a reason, announced as `product.rejected`."""
    return await catalog.reject_product(session, product_id=product_id, reason=body.reason,
                                        reviewer_id=admin.user_id)


@router.post("/api/products/{product_id}/archive", response_model=ProductDetail, responses=PRODUCT_ERRORS)
async def archive_product(product_id: uuid.UUID, session: SessionDep, admin: AdminUser) -> ProductDetail:
    """draft, rejected or active → archived, for good."""
    return await catalog.archive_product(session, product_id=product_id)
