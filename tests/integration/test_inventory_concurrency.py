"""Many buyers racing for the last units: the row locks must let exactly the stock through."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from commerce.inventory import service as inventory
from commerce.inventory.errors import OutOfStock
from commerce.inventory.models import Stock, StockMovement
from tests.integration.test_inventory_reservations import ledger_matches_stock, make_product, make_warehouse


async def test_thirty_buyers_ten_units(db, redis):
    _, [variant] = await make_product(db)
    # Two warehouses, so allocation really chooses between locked rows.
    for quantity in (4, 6):
        warehouse = await make_warehouse(db)
        async with db.session() as session:
            await inventory.receive(session, warehouse_id=warehouse, variant_id=variant, quantity=quantity)

    async def buy(n: int) -> bool:
        async with db.session() as session:
            try:
                await inventory.reserve(session, reference=f"order-{n}", lines=[(variant, 1)])
            except OutOfStock:
                return False
            await session.commit()
            return True

    results = await asyncio.gather(*(buy(n) for n in range(30)))
    assert results.count(True) == 10
    async with db.session() as session:
        assert (await inventory.availability(session, variant_ids=[variant]))[variant] == 0
        on_hand, reserved = (await session.execute(select(func.sum(Stock.on_hand), func.sum(Stock.reserved))
                                                   .where(Stock.variant_id == variant))).one()
        ledger = (await session.execute(select(func.sum(StockMovement.delta_on_hand),
                                               func.sum(StockMovement.delta_reserved))
                                        .where(StockMovement.variant_id == variant))).one()
    assert (on_hand, reserved) == (10, 10) == tuple(ledger)
    await ledger_matches_stock(db)

    # And the winners can all be confirmed concurrently too.
    winners = [n for n, won in enumerate(results) if won]

    async def confirm(n: int) -> None:
        async with db.session() as session:
            await inventory.confirm(session, reference=f"order-{n}")
            await session.commit()

    await asyncio.gather(*(confirm(n) for n in winners))
    async with db.session() as session:
        assert (await session.execute(select(func.sum(Stock.on_hand), func.sum(Stock.reserved))
                                      .where(Stock.variant_id == variant))).one() == (0, 0)
    await ledger_matches_stock(db)
