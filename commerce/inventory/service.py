"""Inventory use cases: warehouses, receiving and adjusting stock, and the reservation life cycle
(live → confirmed | released | expired; a confirmed one can be returned).

Concurrency rule: every transaction that changes stock locks *all* stock rows of the variants it
touches, `FOR UPDATE` in primary-key order (as Saleor's allocate_stocks does). One order means no
deadlocks; all rows means the per-variant total written to the catalog is exact. Reservation rows
are always locked before stock rows, never after.

`reserve`, `confirm`, `release` and `availability` join the caller's transaction (checkout and
payment handlers commit them with their own changes); the admin use cases commit.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.catalog import service as catalog
from commerce.core import outbox
from commerce.core.clock import utcnow
from commerce.core.errors import ValidationFailed
from commerce.core.ids import uuid7
from commerce.core.pagination import Page
from commerce.inventory import queries
from commerce.inventory.errors import (
    InvalidQuantity,
    InvalidReason,
    OutOfStock,
    ReservationClosed,
    ReservationConfirmed,
    ReservationMismatch,
    ReservationNotFound,
    StockBelowReserved,
    UnknownVariant,
    UnknownWarehouse,
    WarehouseCodeTaken,
    WarehouseNotFound,
)
from commerce.inventory.models import Reservation, ReservationLine, Stock, StockMovement, Warehouse
from commerce.inventory.schemas import (
    CheckIn,
    CheckLine,
    CheckOut,
    MovementOut,
    ReservationOut,
    ReserveIn,
    StockOut,
    VariantStock,
    WarehouseCreate,
    WarehouseOut,
)

RESERVATION_EXPIRED = "inventory.reservation_expired"
MANUAL_REASONS = ("receive", "adjust", "return")
# Namespace for this context's advisory locks (pg_advisory_xact_lock(int, int)).
_RESERVE_LOCK_CLASS = 4_201


# --- internals ----------------------------------------------------------------------------------

async def _lock_stock(session: AsyncSession, variant_ids: Iterable[uuid.UUID]) -> list[Stock]:
    """populate_existing: a row loaded earlier in this session must show the locked, current values."""
    ids = set(variant_ids)
    if not ids:
        return []
    return list(await session.scalars(
        select(Stock).where(Stock.variant_id.in_(ids)).order_by(Stock.id)
        .with_for_update().execution_options(populate_existing=True)))


def _record(session: AsyncSession, stock: Stock, *, on_hand: int = 0, reserved: int = 0, reason: str,
            reference: str | None, at: datetime) -> None:
    """Every change to a stock row goes through here, so the ledger cannot miss one."""
    stock.on_hand += on_hand
    stock.reserved += reserved
    stock.updated_at = at
    session.add(StockMovement(variant_id=stock.variant_id, warehouse_id=stock.warehouse_id, delta_on_hand=on_hand,
                              delta_reserved=reserved, reason=reason, reference=reference, at=at))


async def _sync_catalog(session: AsyncSession, locked: Iterable[Stock]) -> None:
    """Product cards show the stock state; write it in the transaction that moved the stock. The
    stock changes are flushed too, so later reads in the transaction see them.

    `locked` is every stock row of the variants (as `_lock_stock` returns them, changes applied), so
    the totals come from those rows instead of another read while the hot rows are locked."""
    await session.flush()
    totals: dict[uuid.UUID, int] = defaultdict(int)
    for stock in locked:
        totals[stock.variant_id] += stock.on_hand - stock.reserved
    for variant_id in sorted(totals):
        await catalog.set_available(session, variant_id=variant_id, available=max(0, totals[variant_id]))


def _wanted(lines: Iterable[tuple[uuid.UUID, int]]) -> dict[uuid.UUID, int]:
    wanted: dict[uuid.UUID, int] = defaultdict(int)
    for variant_id, quantity in lines:
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise InvalidQuantity(f"quantity {quantity!r} for variant {variant_id}", variant_id=str(variant_id))
        wanted[variant_id] += quantity
    if not wanted:
        raise InvalidQuantity("a reservation needs at least one line")
    return dict(wanted)


def _allocate(stocks: list[Stock], wanted: dict[uuid.UUID, int]) -> list[tuple[Stock, int]]:
    """One warehouse per line when one can ship it all (the fullest, so small ones are not drained
    first); otherwise split across warehouses, fullest first. All lines or none."""
    by_variant: dict[uuid.UUID, list[Stock]] = defaultdict(list)
    for stock in stocks:
        by_variant[stock.variant_id].append(stock)
    plan: list[tuple[Stock, int]] = []
    short = []
    for variant_id in sorted(wanted):
        need = wanted[variant_id]
        rows = sorted(by_variant[variant_id], key=lambda s: (-(s.on_hand - s.reserved), s.id))
        available = sum(max(0, s.on_hand - s.reserved) for s in rows)
        if available < need:
            short.append({"variant_id": str(variant_id), "requested": need, "available": available})
            continue
        for stock in rows:
            take = min(need, stock.on_hand - stock.reserved)
            if take > 0:
                plan.append((stock, take))
                need -= take
            if need == 0:
                break
    if short:
        raise OutOfStock(f"not enough stock for {len(short)} of {len(wanted)} variants", variants=short)
    return plan


def _hold(session: AsyncSession, reservation: Reservation, plan: list[tuple[Stock, int]],
          at: datetime) -> list[ReservationLine]:
    """The lines, in the order `queries.reservation_lines` reads them back."""
    lines = []
    for stock, quantity in plan:
        _record(session, stock, reserved=quantity, reason="reserve", reference=reservation.reference, at=at)
        lines.append(ReservationLine(reservation_id=reservation.id, stock_id=stock.id,
                                     warehouse_id=stock.warehouse_id, variant_id=stock.variant_id, quantity=quantity))
    session.add_all(lines)
    return sorted(lines, key=lambda line: (line.variant_id, line.warehouse_id))


async def _locked_reservation(session: AsyncSession, reference: str) -> Reservation:
    reservation = await session.scalar(select(Reservation).where(Reservation.reference == reference)
                                       .with_for_update().execution_options(populate_existing=True))
    if reservation is None:
        raise ReservationNotFound(reference=reference)
    return reservation


async def _locked_lines(session: AsyncSession,
                        reservation: Reservation) -> tuple[list[tuple[ReservationLine, Stock]], list[Stock]]:
    """The hold's lines with their stock rows, and every locked row of its variants (for `_sync_catalog`)."""
    lines = await queries.reservation_lines(session, [reservation.id])
    locked = await _lock_stock(session, {line.variant_id for line in lines})
    stocks = {s.id: s for s in locked}
    return [(line, stocks[line.stock_id]) for line in lines], locked


def _totals(lines: Iterable[ReservationLine]) -> dict[uuid.UUID, int]:
    return _wanted((line.variant_id, line.quantity) for line in lines)


# --- used by cart and orders (join the caller's transaction) -------------------------------------

async def availability(session: AsyncSession, *, variant_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Sellable units per variant across warehouses; a variant with no stock rows has 0. No locks:
    a cart check may be stale by the time of checkout, where `reserve` decides."""
    return await queries.available_by_variant(session, variant_ids)


async def ensure_available(session: AsyncSession, *, lines: list[tuple[uuid.UUID, int]]) -> None:
    """A lock-free pre-check from committed stock. When a SKU sells out, the crowd still trying to buy
    it is turned away here instead of queueing on its row lock; `reserve` stays the authority."""
    wanted = _wanted(lines)
    available = await availability(session, variant_ids=wanted)
    short = [{"variant_id": str(v), "requested": n, "available": available.get(v, 0)}
             for v, n in sorted(wanted.items()) if available.get(v, 0) < n]
    if short:
        raise OutOfStock(f"not enough stock for {len(short)} of {len(wanted)} variants", variants=short)


async def reserve(session: AsyncSession, *, reference: str, lines: list[tuple[uuid.UUID, int]],
                  ttl_s: int = 900, new_reference: bool = False) -> ReservationOut:
    """Hold stock for `reference` until now + ttl_s, all lines or none (OutOfStock lists every short
    line). A retry with the same reference and lines returns the existing live or confirmed hold;
    other lines are a ReservationMismatch, an ended hold a ReservationClosed.

    `new_reference`: the caller made the reference in this very transaction (checkout's new order
    id) and abandons the transaction if the hold fails. There is then no earlier hold or racing
    retry to look for (the unique reference still stands behind that), and the reservation row is
    written, with whatever the caller has staged, *before* the stock rows are locked: a hot SKU's
    lock is held for the stock's own writes and the commit only."""
    wanted = _wanted(lines)
    if ttl_s < 1:
        raise ValidationFailed("ttl_s must be at least 1 second", ttl_s=ttl_s)
    if not new_reference:
        # Two racing retries of one reference queue here instead of failing on the unique index, which
        # would abort the caller's whole transaction.
        await session.execute(select(func.pg_advisory_xact_lock(_RESERVE_LOCK_CLASS, func.hashtext(reference))))
        existing = await session.scalar(select(Reservation).where(Reservation.reference == reference)
                                        .execution_options(populate_existing=True))
        if existing is not None:
            existing_lines = await queries.reservation_lines(session, [existing.id])
            if _totals(existing_lines) != wanted:
                raise ReservationMismatch(reference=reference)
            if existing.status not in ("live", "confirmed"):
                raise ReservationClosed(f"reservation {reference} is {existing.status}",
                                        reservation_status=existing.status)
            return queries.reservation_out(existing, existing_lines)
    now = utcnow()
    reservation = Reservation(id=uuid7(), reference=reference, status="live", expires_at=now + timedelta(seconds=ttl_s),
                              release_reason=None, created_at=now, updated_at=now)
    if new_reference:
        session.add(reservation)
        await session.flush()
    locked = await _lock_stock(session, wanted)
    plan = _allocate(locked, wanted)
    if not new_reference:  # only once the hold is sure: the caller may carry on after an OutOfStock
        session.add(reservation)
        await session.flush()
    held = _hold(session, reservation, plan, now)
    await _sync_catalog(session, locked)
    return queries.reservation_out(reservation, held)


async def confirm(session: AsyncSession, *, reference: str) -> None:
    """The goods are sold: on_hand drops and the hold stops counting. Idempotent. A hold that expired
    while the buyer paid is taken again if the stock is still there (otherwise OutOfStock), so a
    payment arriving seconds after the deadline still ships; a released hold is ReservationClosed."""
    reservation = await _locked_reservation(session, reference)
    if reservation.status == "confirmed":
        return
    if reservation.status == "released":
        raise ReservationClosed(f"reservation {reference} was {reservation.release_reason}",
                                reservation_status="released")
    now = utcnow()
    if reservation.status == "expired":
        old_lines = await queries.reservation_lines(session, [reservation.id])
        wanted = _totals(old_lines)
        plan = _allocate(await _lock_stock(session, wanted), wanted)
        for line in old_lines:
            await session.delete(line)
        await session.flush()
        _hold(session, reservation, plan, now)
        await session.flush()
    lines, locked = await _locked_lines(session, reservation)
    for line, stock in lines:
        _record(session, stock, on_hand=-line.quantity, reserved=-line.quantity, reason="confirm",
                reference=reference, at=now)
    reservation.status, reservation.release_reason, reservation.updated_at = "confirmed", None, now
    await _sync_catalog(session, locked)


async def release(session: AsyncSession, *, reference: str, reason: str = "released") -> None:
    """Give a live hold back (idempotent; an ended hold stays ended). With reason "returned" a
    confirmed reservation's units go back on the shelf too (refund of a paid order)."""
    if not reason or len(reason) > 50:
        raise InvalidReason("reason must be 1-50 characters")
    reservation = await _locked_reservation(session, reference)
    if reservation.status in ("released", "expired"):
        return
    if reservation.status == "confirmed" and reason != "returned":
        raise ReservationConfirmed(reference=reference)
    now = utcnow()
    lines, locked = await _locked_lines(session, reservation)
    for line, stock in lines:
        if reservation.status == "confirmed":
            _record(session, stock, on_hand=line.quantity, reason="return", reference=reference, at=now)
        else:
            _record(session, stock, reserved=-line.quantity, reason="release", reference=reference, at=now)
    reservation.status, reservation.release_reason, reservation.updated_at = "released", reason, now
    await _sync_catalog(session, locked)


# --- the expiry sweep (commits) -----------------------------------------------------------------

async def release_expired(session: AsyncSession, *, now: datetime | None = None, limit: int = 500) -> list[str]:
    """Expire live holds past their deadline, one `inventory.reservation_expired` event each, and
    commit. SKIP LOCKED: a hold being confirmed right now is left to that transaction, and two
    workers sweeping at once split the work instead of queueing."""
    now = now or utcnow()
    reservations = list(await session.scalars(
        select(Reservation).where(Reservation.status == "live", Reservation.expires_at <= now)
        .order_by(Reservation.expires_at, Reservation.id).limit(limit)
        .with_for_update(skip_locked=True).execution_options(populate_existing=True)))
    if not reservations:
        return []
    lines = await queries.reservation_lines(session, [r.id for r in reservations])
    locked = await _lock_stock(session, {line.variant_id for line in lines})
    stocks = {s.id: s for s in locked}
    references = {r.id: r.reference for r in reservations}
    for line in lines:
        _record(session, stocks[line.stock_id], reserved=-line.quantity, reason="expire",
                reference=references[line.reservation_id], at=now)
    for reservation in reservations:
        reservation.status, reservation.updated_at = "expired", now
        outbox.publish(session, RESERVATION_EXPIRED, {"reference": reservation.reference,
                                                      "expired_at": reservation.expires_at.isoformat()})
    await _sync_catalog(session, locked)
    await session.commit()
    return [r.reference for r in reservations]


# --- admin use cases (commit) -------------------------------------------------------------------

async def create_warehouse(session: AsyncSession, *, data: WarehouseCreate) -> WarehouseOut:
    if await session.scalar(select(exists().where(Warehouse.code == data.code))):
        raise WarehouseCodeTaken(warehouse_code=data.code)
    warehouse = Warehouse(id=uuid7(), code=data.code, name=data.name, province=data.province, city=data.city,
                          seller_id=data.seller_id, created_at=utcnow())
    session.add(warehouse)
    try:
        await session.commit()
    except IntegrityError as exc:  # lost a race on the unique code
        await session.rollback()
        raise WarehouseCodeTaken(warehouse_code=data.code) from exc
    return WarehouseOut.model_validate(warehouse)


async def list_warehouses(session: AsyncSession, *, cursor: str | None, limit: int,
                          seller_id: uuid.UUID | None = None) -> Page[WarehouseOut]:
    """Every warehouse, or only one seller's."""
    return await queries.list_warehouses(session, cursor=cursor, limit=limit, seller_id=seller_id)


async def seller_stock(session: AsyncSession, *, seller_id: uuid.UUID, variant_id: uuid.UUID | None = None,
                       cursor: str | None = None, limit: int = 50) -> Page[StockOut]:
    """Stock rows in one seller's warehouses (optionally of one variant)."""
    return await queries.seller_stock(session, seller_id=seller_id, variant_id=variant_id, cursor=cursor,
                                      limit=limit)


async def _change_on_hand(session: AsyncSession, *, warehouse_id: uuid.UUID, variant_id: uuid.UUID, delta: int,
                          reason: str, reference: str | None, owner: uuid.UUID | None = None) -> StockOut:
    """`owner`: a seller moving stock, who may only touch their own warehouses (404 otherwise)."""
    if reason not in MANUAL_REASONS:
        raise InvalidReason(f"reason must be one of {', '.join(MANUAL_REASONS)}")
    warehouse = await session.get(Warehouse, warehouse_id)
    if owner is not None and (warehouse is None or warehouse.seller_id != owner):
        raise WarehouseNotFound(warehouse_id=str(warehouse_id))
    if warehouse is None:
        raise UnknownWarehouse(warehouse_id=str(warehouse_id))
    if not await catalog.variant_exists(session, variant_id=variant_id):
        raise UnknownVariant(variant_id=str(variant_id))
    now = utcnow()
    # Create the row if this warehouse never held the variant; a concurrent creator simply wins.
    await session.execute(insert(Stock).values(id=uuid7(), warehouse_id=warehouse_id, variant_id=variant_id,
                                               on_hand=0, reserved=0, updated_at=now)
                          .on_conflict_do_nothing(index_elements=["warehouse_id", "variant_id"]))
    locked = await _lock_stock(session, [variant_id])
    stock = next(s for s in locked if s.warehouse_id == warehouse_id)
    if stock.on_hand + delta < stock.reserved:
        raise StockBelowReserved(f"on hand {stock.on_hand}, reserved {stock.reserved}, change {delta}",
                                 on_hand=stock.on_hand, reserved=stock.reserved)
    _record(session, stock, on_hand=delta, reason=reason, reference=reference, at=now)
    await _sync_catalog(session, locked)
    await session.commit()
    return queries.stock_out(stock)


async def receive(session: AsyncSession, *, warehouse_id: uuid.UUID, variant_id: uuid.UUID, quantity: int,
                  reason: str = "receive", reference: str | None = None, owner: uuid.UUID | None = None) -> StockOut:
    """Units arrive in a warehouse (a delivery, or "return" for goods back from a buyer)."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise InvalidQuantity()
    return await _change_on_hand(session, warehouse_id=warehouse_id, variant_id=variant_id, delta=quantity,
                                 reason=reason, reference=reference, owner=owner)


async def adjust(session: AsyncSession, *, warehouse_id: uuid.UUID, variant_id: uuid.UUID, delta: int,
                 reason: str = "adjust", reference: str | None = None, owner: uuid.UUID | None = None) -> StockOut:
    """A stock-take correction either way; never below what is reserved."""
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise InvalidQuantity("delta must be a non-zero whole number")
    return await _change_on_hand(session, warehouse_id=warehouse_id, variant_id=variant_id, delta=delta,
                                 reason=reason, reference=reference, owner=owner)


async def variant_stock(session: AsyncSession, *, variant_id: uuid.UUID) -> VariantStock:
    return await queries.variant_stock(session, variant_id=variant_id)


async def ledger(session: AsyncSession, *, variant_id: uuid.UUID | None, cursor: str | None,
                 limit: int) -> Page[MovementOut]:
    return await queries.ledger(session, variant_id=variant_id, cursor=cursor, limit=limit)


# --- the HTTP face of the reservation life cycle (for other services and the gateway) ------------

async def check(session: AsyncSession, *, data: CheckIn) -> CheckOut:
    stock = await availability(session, variant_ids=[item.variant_id for item in data.items])
    items = [CheckLine(variant_id=i.variant_id, quantity=i.quantity, available=stock[i.variant_id],
                       ok=i.quantity <= stock[i.variant_id]) for i in data.items]
    return CheckOut(ok=all(i.ok for i in items), items=items)


async def get_reservation(session: AsyncSession, *, reference: str) -> ReservationOut:
    found = await queries.reservation(session, reference=reference)
    if found is None:
        raise ReservationNotFound(reference=reference)
    return found


async def place_reservation(session: AsyncSession, *, data: ReserveIn) -> ReservationOut:
    out = await reserve(session, reference=data.reference, lines=[(i.variant_id, i.quantity) for i in data.items],
                        ttl_s=data.ttl_s)
    await session.commit()
    return out


async def confirm_reservation(session: AsyncSession, *, reference: str) -> ReservationOut:
    await confirm(session, reference=reference)
    await session.commit()
    return await get_reservation(session, reference=reference)


async def release_reservation(session: AsyncSession, *, reference: str, reason: str = "released") -> ReservationOut:
    await release(session, reference=reference, reason=reason)
    await session.commit()
    return await get_reservation(session, reference=reference)
