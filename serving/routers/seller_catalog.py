"""/api/sellers/me/products, /warehouses and /stock: a seller's own product drafts and stock.

Every route requires an approved shop (403 `seller_required`) and only ever finds the caller's own
products, variants and warehouses: anyone else's are 404. Products go draft → submit →
pending_review; an admin approves (live and taggable) or rejects with a reason. Bodies refuse
unknown fields, so a seller cannot set `status`, `seller_id` or `approved_at`."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from commerce.catalog import service as catalog
from commerce.catalog.schemas import (
    ManagedProduct,
    ProductCreate,
    ProductDetail,
    ProductStatus,
    ProductUpdate,
    VariantCreate,
    VariantOut,
    VariantUpdate,
)
from commerce.core.pagination import Page
from commerce.inventory.schemas import StockAdjust, StockOut, StockReceive, WarehouseOut
from commerce.sellers import stock
from commerce.sellers.schemas import WarehouseIn
from serving.deps import Cursor, Limit, SellerUser, SessionDep
from serving.routers.auth import PROBLEM

router = APIRouter(prefix="/api/sellers/me", tags=["seller catalog"])
ERRORS = {401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, 422: PROBLEM}


@router.get("/products", response_model=Page[ManagedProduct], responses=ERRORS, summary="Your products")
async def list_products(me: SellerUser, session: SessionDep,
                        status_: Annotated[ProductStatus | None, Query(alias="status")] = None,
                        cursor: Cursor = None, limit: Limit = 20) -> Page[ManagedProduct]:
    """Every status (draft, pending_review, active, rejected with its reason, archived), newest
    first; `status` narrows the list."""
    return await catalog.managed_products(session, seller_id=me.user_id, status=status_, cursor=cursor, limit=limit)


@router.post("/products", status_code=status.HTTP_201_CREATED, response_model=ProductDetail, responses=ERRORS,
             summary="Create a product draft")
async def create_product(body: ProductCreate, me: SellerUser, session: SessionDep) -> ProductDetail:
    """A draft with its variants and images in one call; submit it when it is ready."""
    return await catalog.create_product(session, data=body, seller_id=me.user_id)


@router.get("/products/{product_id}", response_model=ProductDetail, responses=ERRORS, summary="One of your products")
async def get_product(product_id: uuid.UUID, me: SellerUser, session: SessionDep) -> ProductDetail:
    """Any status, with every variant (inactive ones included)."""
    return await catalog.get_product(session, product_id=product_id, owner=me.user_id)


@router.patch("/products/{product_id}", response_model=ProductDetail, responses=ERRORS, summary="Edit a product")
async def update_product(product_id: uuid.UUID, body: ProductUpdate, me: SellerUser,
                         session: SessionDep) -> ProductDetail:
    """Editing a rejected product returns it to draft, to be submitted again; archived products
    cannot be edited."""
    return await catalog.update_product(session, product_id=product_id, data=body, owner=me.user_id)


@router.post("/products/{product_id}/variants", status_code=status.HTTP_201_CREATED, response_model=VariantOut,
             responses=ERRORS, summary="Add a variant")
async def add_variant(product_id: uuid.UUID, body: VariantCreate, me: SellerUser, session: SessionDep) -> VariantOut:
    return await catalog.add_variant(session, product_id=product_id, data=body, owner=me.user_id)


@router.patch("/products/{product_id}/variants/{variant_id}", response_model=VariantOut, responses=ERRORS,
              summary="Edit a variant")
async def update_variant(product_id: uuid.UUID, variant_id: uuid.UUID, body: VariantUpdate, me: SellerUser,
                         session: SessionDep) -> VariantOut:
    """Price, SKU, attributes, weight or active/inactive. A live product keeps at least one active
    variant."""
    return await catalog.update_variant(session, product_id=product_id, variant_id=variant_id, data=body,
                                        owner=me.user_id)


@router.post("/products/{product_id}/submit", response_model=ProductDetail, responses=ERRORS,
             summary="Submit a draft for review")
async def submit_product(product_id: uuid.UUID, me: SellerUser, session: SessionDep) -> ProductDetail:
    """draft → pending_review (needs an active variant). An admin approves it (live and taggable,
    `product.approved`) or rejects it with a reason (`product.rejected`)."""
    return await catalog.submit_product(session, product_id=product_id, owner=me.user_id)


@router.post("/products/{product_id}/archive", response_model=ProductDetail, responses=ERRORS,
             summary="Archive a product")
async def archive_product(product_id: uuid.UUID, me: SellerUser, session: SessionDep) -> ProductDetail:
    """Takes a draft, rejected or live product off sale for good."""
    return await catalog.archive_product(session, product_id=product_id, owner=me.user_id)


# --- warehouses and stock -----------------------------------------------------------------------

@router.post("/warehouses", status_code=status.HTTP_201_CREATED, response_model=WarehouseOut, responses=ERRORS,
             summary="Add a warehouse")
async def create_warehouse(body: WarehouseIn, me: SellerUser, session: SessionDep) -> WarehouseOut:
    """A place the shop ships from; codes are unique across the platform (409 `warehouse_code_taken`)."""
    return await stock.create_warehouse(session, seller_id=me.user_id, data=body)


@router.get("/warehouses", response_model=Page[WarehouseOut], responses=ERRORS, summary="Your warehouses")
async def list_warehouses(me: SellerUser, session: SessionDep, cursor: Cursor = None,
                          limit: Limit = 50) -> Page[WarehouseOut]:
    return await stock.list_warehouses(session, seller_id=me.user_id, cursor=cursor, limit=limit)


@router.get("/stock", response_model=Page[StockOut], responses=ERRORS, summary="Your stock")
async def list_stock(me: SellerUser, session: SessionDep, variant_id: Annotated[uuid.UUID | None, Query()] = None,
                     cursor: Cursor = None, limit: Limit = 50) -> Page[StockOut]:
    """One row per variant per warehouse of yours: on hand, reserved by unpaid orders, available."""
    return await stock.list_stock(session, seller_id=me.user_id, variant_id=variant_id, cursor=cursor, limit=limit)


@router.post("/stock", response_model=StockOut, responses=ERRORS, summary="Receive stock")
async def receive_stock(body: StockReceive, me: SellerUser, session: SessionDep) -> StockOut:
    """Units of one of your variants arrive in one of your warehouses."""
    return await stock.receive(session, seller_id=me.user_id, warehouse_id=body.warehouse_id,
                               variant_id=body.variant_id, quantity=body.quantity, reference=body.reference)


@router.post("/stock/adjust", response_model=StockOut, responses=ERRORS, summary="Correct stock")
async def adjust_stock(body: StockAdjust, me: SellerUser, session: SessionDep) -> StockOut:
    """A stock-take correction by `delta` units; 409 `stock_below_reserved` if on-hand would drop below
    what unpaid orders hold."""
    return await stock.adjust(session, seller_id=me.user_id, warehouse_id=body.warehouse_id,
                              variant_id=body.variant_id, delta=body.delta, reference=body.reference)
