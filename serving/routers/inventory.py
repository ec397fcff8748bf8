"""/api/inventory (was warehouse-service): warehouses and stock for admins, the stock check for any
signed-in client, and the reserve/confirm/release endpoints other services and the gateway call.
Checkout itself calls the inventory service functions directly, in its own transaction."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from commerce.core.pagination import Page
from commerce.inventory import service as inventory
from commerce.inventory.schemas import (
    CheckIn,
    CheckOut,
    MovementOut,
    ReleaseIn,
    ReservationOut,
    ReserveIn,
    StockAdjust,
    StockOut,
    StockReceive,
    VariantStock,
    WarehouseCreate,
    WarehouseOut,
)
from serving.deps import AdminUser, CurrentUser, Cursor, Limit, SessionDep
from serving.routers.auth import PROBLEM

router = APIRouter(prefix="/api/inventory", tags=["inventory"])
ADMIN_ERRORS = {401: PROBLEM, 403: PROBLEM, 422: PROBLEM}
RESERVATION_ERRORS = {**ADMIN_ERRORS, 404: PROBLEM, 409: PROBLEM}
ReferencePath = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]


@router.post("/warehouses", status_code=status.HTTP_201_CREATED, response_model=WarehouseOut,
             responses={**ADMIN_ERRORS, 409: PROBLEM})
async def create_warehouse(body: WarehouseCreate, session: SessionDep, admin: AdminUser) -> WarehouseOut:
    return await inventory.create_warehouse(session, data=body)


@router.get("/warehouses", response_model=Page[WarehouseOut], responses=ADMIN_ERRORS)
async def list_warehouses(session: SessionDep, admin: AdminUser, cursor: Cursor = None,
                          limit: Limit = 50) -> Page[WarehouseOut]:
    """By code, paginated by `next_cursor`."""
    return await inventory.list_warehouses(session, cursor=cursor, limit=limit)


@router.post("/stock", response_model=StockOut, responses={**ADMIN_ERRORS, 409: PROBLEM})
async def receive_stock(body: StockReceive, session: SessionDep, admin: AdminUser) -> StockOut:
    """Units arrive in a warehouse; the variant must exist in the catalog (any status)."""
    return await inventory.receive(session, warehouse_id=body.warehouse_id, variant_id=body.variant_id,
                                   quantity=body.quantity, reference=body.reference)


@router.post("/stock/adjust", response_model=StockOut, responses={**ADMIN_ERRORS, 409: PROBLEM})
async def adjust_stock(body: StockAdjust, session: SessionDep, admin: AdminUser) -> StockOut:
    """Stock-take correction by `delta` units; 409 if on-hand would drop below what is reserved."""
    return await inventory.adjust(session, warehouse_id=body.warehouse_id, variant_id=body.variant_id,
                                  delta=body.delta, reference=body.reference)


@router.get("/stock", response_model=VariantStock, responses=ADMIN_ERRORS)
async def variant_stock(variant_id: Annotated[uuid.UUID, Query()], session: SessionDep,
                        admin: AdminUser) -> VariantStock:
    """Totals and per-warehouse rows; a variant never stocked has zeros and no rows."""
    return await inventory.variant_stock(session, variant_id=variant_id)


@router.get("/ledger", response_model=Page[MovementOut], responses=ADMIN_ERRORS)
async def ledger(session: SessionDep, admin: AdminUser, variant_id: Annotated[uuid.UUID | None, Query()] = None,
                 cursor: Cursor = None, limit: Limit = 50) -> Page[MovementOut]:
    """Every stock movement, newest first, optionally for one variant."""
    return await inventory.ledger(session, variant_id=variant_id, cursor=cursor, limit=limit)


@router.post("/check", response_model=CheckOut, responses={401: PROBLEM, 422: PROBLEM})
async def check(body: CheckIn, session: SessionDep, me: CurrentUser) -> CheckOut:
    """Available units per variant and whether each requested quantity fits; nothing is held."""
    return await inventory.check(session, data=body)


@router.post("/reserve", status_code=status.HTTP_201_CREATED, response_model=ReservationOut,
             responses=RESERVATION_ERRORS)
async def reserve(body: ReserveIn, session: SessionDep, admin: AdminUser) -> ReservationOut:
    """All items or none (409 `out_of_stock` lists every short variant). Repeating a reference with
    the same items returns the existing reservation; other items are a 409."""
    return await inventory.place_reservation(session, data=body)


@router.get("/reservations/{reference}", response_model=ReservationOut, responses=RESERVATION_ERRORS)
async def get_reservation(reference: ReferencePath, session: SessionDep, admin: AdminUser) -> ReservationOut:
    return await inventory.get_reservation(session, reference=reference)


@router.post("/reservations/{reference}/confirm", response_model=ReservationOut, responses=RESERVATION_ERRORS)
async def confirm(reference: ReferencePath, session: SessionDep, admin: AdminUser) -> ReservationOut:
    """The goods are sold: on-hand stock drops. Idempotent."""
    return await inventory.confirm_reservation(session, reference=reference)


@router.post("/reservations/{reference}/release", response_model=ReservationOut, responses=RESERVATION_ERRORS)
async def release(reference: ReferencePath, session: SessionDep, admin: AdminUser,
                  body: ReleaseIn | None = None) -> ReservationOut:
    """Give the hold back (idempotent). `{"reason": "returned"}` also puts a confirmed reservation's
    units back on the shelf."""
    return await inventory.release_reservation(session, reference=reference,
                                               reason=(body or ReleaseIn()).reason)
