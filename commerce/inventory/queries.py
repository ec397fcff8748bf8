"""Read side of inventory: warehouse list, stock per variant, the ledger, reservations. No writes and
no locks: a read that must not race (reserve, confirm) locks its rows in service.py instead."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core.pagination import InvalidCursor, Page, decode_cursor, encode_cursor, page_by_unique_text
from commerce.inventory.models import Reservation, ReservationLine, Stock, StockMovement, Warehouse
from commerce.inventory.schemas import (
    MovementOut,
    ReservationLineOut,
    ReservationOut,
    StockOut,
    VariantStock,
    WarehouseOut,
)


def stock_out(stock: Stock) -> StockOut:
    return StockOut(warehouse_id=stock.warehouse_id, variant_id=stock.variant_id, on_hand=stock.on_hand,
                    reserved=stock.reserved, available=max(0, stock.on_hand - stock.reserved),
                    updated_at=stock.updated_at)


async def available_by_variant(session: AsyncSession, variant_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    ids = set(variant_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(Stock.variant_id, func.coalesce(func.sum(Stock.on_hand - Stock.reserved), 0))
        .where(Stock.variant_id.in_(ids)).group_by(Stock.variant_id))
    found = {variant_id: max(0, int(total)) for variant_id, total in rows}
    return {variant_id: found.get(variant_id, 0) for variant_id in ids}


async def list_warehouses(session: AsyncSession, *, cursor: str | None, limit: int,
                          seller_id: uuid.UUID | None = None) -> Page[WarehouseOut]:
    """By code."""
    query = select(Warehouse)
    if seller_id is not None:
        query = query.where(Warehouse.seller_id == seller_id)
    page, next_cursor = await page_by_unique_text(session, query, Warehouse.code, cursor=cursor, limit=limit)
    return Page[WarehouseOut](items=[WarehouseOut.model_validate(w) for w in page], next_cursor=next_cursor)


async def seller_stock(session: AsyncSession, *, seller_id: uuid.UUID, variant_id: uuid.UUID | None,
                       cursor: str | None, limit: int) -> Page[StockOut]:
    """In stock-row id order (uuid7: creation order), which is a complete keyset on its own."""
    query = select(Stock).join(Warehouse, Warehouse.id == Stock.warehouse_id).where(Warehouse.seller_id == seller_id)
    if variant_id is not None:
        query = query.where(Stock.variant_id == variant_id)
    after = decode_cursor(cursor, 1)
    if after is not None:
        try:
            query = query.where(Stock.id > uuid.UUID(str(after[0])))
        except ValueError as exc:
            raise InvalidCursor() from exc
    rows = list(await session.scalars(query.order_by(Stock.id).limit(limit + 1)))
    page = rows[:limit]
    next_cursor = encode_cursor(str(page[-1].id)) if len(rows) > limit else None
    return Page[StockOut](items=[stock_out(s) for s in page], next_cursor=next_cursor)


async def variant_stock(session: AsyncSession, *, variant_id: uuid.UUID) -> VariantStock:
    rows = [stock_out(s) for s in await session.scalars(
        select(Stock).where(Stock.variant_id == variant_id).order_by(Stock.id))]
    return VariantStock(variant_id=variant_id, on_hand=sum(r.on_hand for r in rows),
                        reserved=sum(r.reserved for r in rows), available=sum(r.available for r in rows),
                        warehouses=rows)


async def ledger(session: AsyncSession, *, variant_id: uuid.UUID | None, cursor: str | None,
                 limit: int) -> Page[MovementOut]:
    """Newest first; the identity id is the keyset (it grows with every insert)."""
    after = decode_cursor(cursor, 1)
    query = select(StockMovement)
    if variant_id is not None:
        query = query.where(StockMovement.variant_id == variant_id)
    if after is not None:
        if not isinstance(after[0], int) or isinstance(after[0], bool):
            raise InvalidCursor()
        query = query.where(StockMovement.id < after[0])
    rows = list(await session.scalars(query.order_by(StockMovement.id.desc()).limit(limit + 1)))
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1].id) if len(rows) > limit else None
    return Page[MovementOut](items=[MovementOut.model_validate(m) for m in page], next_cursor=next_cursor)


async def reservation_lines(session: AsyncSession, reservation_ids: Iterable[uuid.UUID]) -> list[ReservationLine]:
    ids = set(reservation_ids)
    if not ids:
        return []
    return list(await session.scalars(select(ReservationLine).where(ReservationLine.reservation_id.in_(ids))
                                      .order_by(ReservationLine.variant_id, ReservationLine.warehouse_id)))


def reservation_out(reservation: Reservation, lines: list[ReservationLine]) -> ReservationOut:
    return ReservationOut(
        id=reservation.id, reference=reservation.reference, status=reservation.status,  # type: ignore[arg-type]
        expires_at=reservation.expires_at, release_reason=reservation.release_reason,
        created_at=reservation.created_at, updated_at=reservation.updated_at,
        lines=[ReservationLineOut(warehouse_id=line.warehouse_id, variant_id=line.variant_id, quantity=line.quantity)
               for line in lines],
    )


async def reservation(session: AsyncSession, *, reference: str) -> ReservationOut | None:
    row = await session.scalar(select(Reservation).where(Reservation.reference == reference))
    if row is None:
        return None
    return reservation_out(row, await reservation_lines(session, [row.id]))
