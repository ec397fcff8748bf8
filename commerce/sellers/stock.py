"""A seller's warehouses and stock, through the inventory context. A seller sees and moves stock only
in their own warehouses and only of their own products' variants; anything else is a 404."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from commerce.catalog import service as catalog
from commerce.core.pagination import Page
from commerce.inventory import service as inventory
from commerce.inventory.schemas import StockOut, WarehouseCreate, WarehouseOut
from commerce.sellers.errors import VariantNotOwned
from commerce.sellers.schemas import WarehouseIn


async def _own_variant(session: AsyncSession, seller_id: uuid.UUID, variant_id: uuid.UUID) -> None:
    snapshot = (await catalog.variant_snapshots(session, variant_ids=[variant_id])).get(variant_id)
    if snapshot is None or snapshot.seller_id != seller_id:
        raise VariantNotOwned(variant_id=str(variant_id))


async def create_warehouse(session: AsyncSession, *, seller_id: uuid.UUID, data: WarehouseIn) -> WarehouseOut:
    return await inventory.create_warehouse(session, data=WarehouseCreate(**data.model_dump(), seller_id=seller_id))


async def list_warehouses(session: AsyncSession, *, seller_id: uuid.UUID, cursor: str | None,
                          limit: int) -> Page[WarehouseOut]:
    return await inventory.list_warehouses(session, cursor=cursor, limit=limit, seller_id=seller_id)


async def list_stock(session: AsyncSession, *, seller_id: uuid.UUID, variant_id: uuid.UUID | None,
                     cursor: str | None, limit: int) -> Page[StockOut]:
    return await inventory.seller_stock(session, seller_id=seller_id, variant_id=variant_id, cursor=cursor,
                                        limit=limit)


async def receive(session: AsyncSession, *, seller_id: uuid.UUID, warehouse_id: uuid.UUID, variant_id: uuid.UUID,
                  quantity: int, reference: str | None = None) -> StockOut:
    await _own_variant(session, seller_id, variant_id)
    return await inventory.receive(session, warehouse_id=warehouse_id, variant_id=variant_id, quantity=quantity,
                                   reference=reference, owner=seller_id)


async def adjust(session: AsyncSession, *, seller_id: uuid.UUID, warehouse_id: uuid.UUID, variant_id: uuid.UUID,
                 delta: int, reference: str | None = None) -> StockOut:
    await _own_variant(session, seller_id, variant_id)
    return await inventory.adjust(session, warehouse_id=warehouse_id, variant_id=variant_id, delta=delta,
                                  reference=reference, owner=seller_id)
