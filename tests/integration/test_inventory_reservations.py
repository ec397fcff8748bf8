"""The reservation life cycle on real PostgreSQL, through the service functions other contexts call."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from commerce.catalog import service as catalog
from commerce.catalog.schemas import CategoryCreate, ProductCreate, VariantCreate
from commerce.core.clock import utcnow
from commerce.core.outbox import OutboxEvent
from commerce.inventory import service as inventory
from commerce.inventory.errors import (
    InvalidQuantity,
    OutOfStock,
    ReservationClosed,
    ReservationConfirmed,
    ReservationMismatch,
    ReservationNotFound,
    StockBelowReserved,
    UnknownVariant,
    UnknownWarehouse,
)
from commerce.inventory.jobs import release_expired_job
from commerce.inventory.models import Stock, StockMovement
from commerce.inventory.schemas import WarehouseCreate


async def make_product(db, *, variants: int = 1) -> tuple[uuid.UUID, list[uuid.UUID]]:  # noqa: ANN001
    """An active product straight through the catalog service (no HTTP needed here)."""
    async with db.session() as session:
        category = await catalog.create_category(session, data=CategoryCreate(name=f"Kat {secrets.token_hex(3)}"))
        product = await catalog.create_product(session, data=ProductCreate(
            name=f"Produk {secrets.token_hex(3)}", category_id=category.id,
            variants=[VariantCreate(sku=f"SKU-{secrets.token_hex(4)}", price=50_000, weight_grams=300)
                      for _ in range(variants)]))
        await catalog.submit_product(session, product_id=product.id)
        await catalog.approve_product(session, product_id=product.id)
    return product.id, [v.id for v in product.variants]


async def make_warehouse(db, code: str | None = None) -> uuid.UUID:  # noqa: ANN001
    async with db.session() as session:
        out = await inventory.create_warehouse(session, data=WarehouseCreate(
            code=code or f"WH-{secrets.token_hex(3)}", name="Gudang", province="DKI Jakarta", city="Jakarta Timur"))
    return out.id


async def stocked(db, quantity: int, *, variants: int = 1) -> tuple[uuid.UUID, list[uuid.UUID], uuid.UUID]:  # noqa: ANN001
    product_id, variant_ids = await make_product(db, variants=variants)
    warehouse_id = await make_warehouse(db)
    for variant_id in variant_ids:
        async with db.session() as session:
            await inventory.receive(session, warehouse_id=warehouse_id, variant_id=variant_id, quantity=quantity)
    return product_id, variant_ids, warehouse_id


async def available(db, variant_id: uuid.UUID) -> int:  # noqa: ANN001
    async with db.session() as session:
        return (await inventory.availability(session, variant_ids=[variant_id]))[variant_id]


async def stock_row(db, variant_id: uuid.UUID) -> tuple[int, int]:  # noqa: ANN001
    async with db.session() as session:
        on_hand, reserved = (await session.execute(
            select(func.sum(Stock.on_hand), func.sum(Stock.reserved)).where(Stock.variant_id == variant_id))).one()
    return on_hand, reserved


async def ledger_matches_stock(db) -> None:  # noqa: ANN001
    """Summing the ledger per stock row gives exactly the row's on_hand and reserved."""
    async with db.session() as session:
        rows = (await session.execute(text(
            "SELECT s.on_hand, s.reserved, coalesce(sum(m.delta_on_hand), 0), coalesce(sum(m.delta_reserved), 0) "
            "FROM inventory.stock s LEFT JOIN inventory.stock_movement m "
            "ON m.variant_id = s.variant_id AND m.warehouse_id = s.warehouse_id "
            "GROUP BY s.id, s.on_hand, s.reserved"))).all()
    assert rows
    for on_hand, reserved, ledger_on_hand, ledger_reserved in rows:
        assert (on_hand, reserved) == (ledger_on_hand, ledger_reserved)


async def reserve(db, reference: str, lines, ttl_s: int = 900):  # noqa: ANN001, ANN201
    async with db.session() as session:
        out = await inventory.reserve(session, reference=reference, lines=lines, ttl_s=ttl_s)
        await session.commit()
    return out


async def run(db, fn, **kwargs) -> None:  # noqa: ANN001
    async with db.session() as session:
        await fn(session, **kwargs)
        await session.commit()


async def test_availability_counts_unknown_variants_as_zero(db, redis):
    _, [variant], _ = await stocked(db, 4)
    stranger = uuid.uuid4()
    async with db.session() as session:
        assert await inventory.availability(session, variant_ids=[variant, stranger]) == {variant: 4, stranger: 0}
        assert await inventory.availability(session, variant_ids=[]) == {}


async def test_reserve_confirm_return_and_idempotency(db, redis):
    _, [variant], warehouse = await stocked(db, 5)
    first = await reserve(db, "order-1", [(variant, 2)])
    assert first.status == "live" and [(line.warehouse_id, line.quantity) for line in first.lines] == [(warehouse, 2)]
    again = await reserve(db, "order-1", [(variant, 2)])
    assert again.id == first.id
    assert await available(db, variant) == 3 and await stock_row(db, variant) == (5, 2)
    with pytest.raises(ReservationMismatch):
        await reserve(db, "order-1", [(variant, 3)])

    await run(db, inventory.confirm, reference="order-1")
    await run(db, inventory.confirm, reference="order-1")  # idempotent
    assert await stock_row(db, variant) == (3, 0) and await available(db, variant) == 3
    assert (await reserve(db, "order-1", [(variant, 2)])).status == "confirmed"

    with pytest.raises(ReservationConfirmed):
        await run(db, inventory.release, reference="order-1", reason="cancelled")
    await run(db, inventory.release, reference="order-1", reason="returned")
    await run(db, inventory.release, reference="order-1", reason="returned")  # idempotent
    assert await stock_row(db, variant) == (5, 0)
    async with db.session() as session:
        out = await inventory.get_reservation(session, reference="order-1")
    assert (out.status, out.release_reason) == ("released", "returned")
    await ledger_matches_stock(db)


async def test_release_is_idempotent_and_ends_the_hold(db, redis):
    _, [variant], _ = await stocked(db, 2)
    await reserve(db, "order-2", [(variant, 2)])
    assert await available(db, variant) == 0
    await run(db, inventory.release, reference="order-2", reason="cancelled")
    await run(db, inventory.release, reference="order-2")
    assert await available(db, variant) == 2 and await stock_row(db, variant) == (2, 0)
    with pytest.raises(ReservationClosed):
        await run(db, inventory.confirm, reference="order-2")
    with pytest.raises(ReservationClosed):
        await reserve(db, "order-2", [(variant, 2)])
    with pytest.raises(ReservationNotFound):
        await run(db, inventory.release, reference="nope")
    with pytest.raises(ReservationNotFound):
        await run(db, inventory.confirm, reference="nope")
    await ledger_matches_stock(db)


async def test_out_of_stock_is_all_or_nothing_with_details(db, redis):
    _, [plenty, scarce], _ = await stocked(db, 3, variants=2)
    never = uuid.uuid4()
    with pytest.raises(OutOfStock) as caught:
        await reserve(db, "order-3", [(plenty, 2), (scarce, 4), (never, 1)])
    assert caught.value.code == "out_of_stock" and caught.value.kind == "conflict"
    assert sorted(caught.value.extra["variants"], key=lambda v: v["requested"]) == sorted([
        {"variant_id": str(scarce), "requested": 4, "available": 3},
        {"variant_id": str(never), "requested": 1, "available": 0},
    ], key=lambda v: v["requested"])
    assert await available(db, plenty) == 3 and await available(db, scarce) == 3
    async with db.session() as session:
        with pytest.raises(ReservationNotFound):
            await inventory.get_reservation(session, reference="order-3")
        reasons = set(await session.scalars(select(StockMovement.reason)))
    assert reasons == {"receive"}


async def test_duplicate_lines_add_up_and_quantities_must_be_positive(db, redis):
    _, [variant], _ = await stocked(db, 3)
    with pytest.raises(InvalidQuantity):
        await reserve(db, "bad-1", [(variant, 0)])
    with pytest.raises(InvalidQuantity):
        await reserve(db, "bad-2", [])
    with pytest.raises(OutOfStock) as caught:
        await reserve(db, "dup", [(variant, 2), (variant, 2)])
    assert caught.value.extra["variants"][0]["requested"] == 4
    out = await reserve(db, "dup", [(variant, 1), (variant, 2)])
    assert sum(line.quantity for line in out.lines) == 3 and await available(db, variant) == 0


async def test_warehouses_are_picked_whole_then_split(db, redis):
    _, [variant], small = await stocked(db, 3)
    big = await make_warehouse(db)
    async with db.session() as session:
        await inventory.receive(session, warehouse_id=big, variant_id=variant, quantity=4)
    whole = await reserve(db, "whole", [(variant, 4)])
    assert [(line.warehouse_id, line.quantity) for line in whole.lines] == [(big, 4)]
    await run(db, inventory.release, reference="whole")
    split = await reserve(db, "split", [(variant, 6)])
    assert sorted((line.quantity, line.warehouse_id) for line in split.lines) == [(2, small), (4, big)]
    await run(db, inventory.confirm, reference="split")
    async with db.session() as session:
        stock = await inventory.variant_stock(session, variant_id=variant)
    assert (stock.on_hand, stock.reserved, stock.available) == (1, 0, 1)
    await ledger_matches_stock(db)


async def test_available_never_negative(db, redis):
    _, [variant], warehouse = await stocked(db, 3)
    await reserve(db, "held", [(variant, 2)])
    with pytest.raises(StockBelowReserved):
        async with db.session() as session:
            await inventory.adjust(session, warehouse_id=warehouse, variant_id=variant, delta=-2)
    async with db.session() as session:
        out = await inventory.adjust(session, warehouse_id=warehouse, variant_id=variant, delta=-1)
    assert (out.on_hand, out.reserved, out.available) == (2, 2, 0)
    # The database refuses it too, whatever a future code path might try.
    for statement in ("UPDATE inventory.stock SET reserved = on_hand + 1",
                      "UPDATE inventory.stock SET on_hand = -1, reserved = 0"):
        async with db.session() as session:
            with pytest.raises(IntegrityError):
                await session.execute(text(statement))
    await ledger_matches_stock(db)


async def test_ledger_is_append_only(db, redis):
    _, [variant], _ = await stocked(db, 1)
    for statement in ("UPDATE inventory.stock_movement SET delta_on_hand = 5", "DELETE FROM inventory.stock_movement"):
        async with db.session() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(text(statement))


async def test_receive_and_adjust_validate(db, redis):
    _, [variant], warehouse = await stocked(db, 1)
    async with db.session() as session:
        with pytest.raises(UnknownVariant):
            await inventory.receive(session, warehouse_id=warehouse, variant_id=uuid.uuid4(), quantity=1)
    async with db.session() as session:
        with pytest.raises(UnknownWarehouse):
            await inventory.receive(session, warehouse_id=uuid.uuid4(), variant_id=variant, quantity=1)
    async with db.session() as session:
        with pytest.raises(InvalidQuantity):
            await inventory.receive(session, warehouse_id=warehouse, variant_id=variant, quantity=0)
    async with db.session() as session:
        with pytest.raises(InvalidQuantity):
            await inventory.adjust(session, warehouse_id=warehouse, variant_id=variant, delta=0)
    async with db.session() as session:
        returned = await inventory.receive(session, warehouse_id=warehouse, variant_id=variant, quantity=2,
                                           reason="return", reference="RMA-1")
    assert returned.on_hand == 3


async def test_expiry_releases_publishes_and_job_counts(db, redis, settings):
    _, [variant], _ = await stocked(db, 3)
    await reserve(db, "soon", [(variant, 2)], ttl_s=60)
    await reserve(db, "later", [(variant, 1)], ttl_s=3600)
    async with db.session() as session:
        assert await inventory.release_expired(session) == []
        assert await inventory.release_expired(session, now=utcnow() + timedelta(minutes=5)) == ["soon"]
    assert await available(db, variant) == 2
    async with db.session() as session:
        events = list(await session.scalars(select(OutboxEvent).where(
            OutboxEvent.topic == "inventory.reservation_expired")))
        assert (await inventory.get_reservation(session, reference="soon")).status == "expired"
    assert [e.payload["reference"] for e in events] == ["soon"] and events[0].payload["expired_at"]

    async with db.session() as session:
        await session.execute(text("UPDATE inventory.reservation SET expires_at = now() - interval '1 second' "
                                   "WHERE reference = 'later'"))
        await session.commit()
    assert await release_expired_job(db, redis, settings) == 1
    assert await release_expired_job(db, redis, settings) == 0
    assert await available(db, variant) == 3
    await run(db, inventory.release, reference="later")  # already ended: no-op
    await ledger_matches_stock(db)


async def test_confirm_after_expiry_takes_the_stock_again_if_it_is_there(db, redis):
    _, [variant], _ = await stocked(db, 2)
    await reserve(db, "late-payer", [(variant, 2)], ttl_s=60)
    async with db.session() as session:
        await inventory.release_expired(session, now=utcnow() + timedelta(minutes=2))
    await run(db, inventory.confirm, reference="late-payer")
    assert await stock_row(db, variant) == (0, 0)

    _, [other], _ = await stocked(db, 1)
    await reserve(db, "gone", [(other, 1)], ttl_s=60)
    async with db.session() as session:
        await inventory.release_expired(session, now=utcnow() + timedelta(minutes=2))
    await reserve(db, "rival", [(other, 1)])
    with pytest.raises(OutOfStock):
        await run(db, inventory.confirm, reference="gone")
    await ledger_matches_stock(db)


async def test_product_card_in_stock_follows_availability(db, redis):
    product_id, [variant] = await make_product(db)

    async def in_stock() -> bool:
        async with db.session() as session:
            return (await catalog.product_cards(session, product_ids=[product_id]))[product_id].in_stock

    assert await in_stock()  # never tracked: sold as before
    warehouse = await make_warehouse(db)
    async with db.session() as session:
        await inventory.receive(session, warehouse_id=warehouse, variant_id=variant, quantity=1)
    assert await in_stock()
    await reserve(db, "last-one", [(variant, 1)])
    assert not await in_stock()
    await run(db, inventory.release, reference="last-one")
    assert await in_stock()
    await reserve(db, "sold", [(variant, 1)])
    await run(db, inventory.confirm, reference="sold")
    assert not await in_stock()
    async with db.session() as session:
        assert not (await catalog.get_product(session, product_id=product_id)).in_stock
        await inventory.receive(session, warehouse_id=warehouse, variant_id=variant, quantity=5)
    assert await in_stock()
