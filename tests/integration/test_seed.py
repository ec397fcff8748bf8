"""The demo data goes through the services and leaves a consistent marketplace behind."""

from __future__ import annotations

from sqlalchemy import text

from serving.seed import seed_demo
from tests.events import drain


async def test_seed_builds_a_consistent_demo(settings, db, redis, client):
    summary = await seed_demo(db, users_count=12, seed=3, settings=settings)
    assert summary.users == 12 and summary.products > 0 and summary.posts > 0 and summary.orders > 0
    assert (await seed_demo(db, users_count=12, seed=3, settings=settings)).skipped is True
    await drain(settings, db, redis)
    async with db.session() as session:
        negative = (await session.execute(text(
            "SELECT count(*) FROM inventory.stock WHERE on_hand < 0 OR reserved > on_hand"))).scalar_one()
        statuses = dict((await session.execute(text(
            "SELECT status, count(*) FROM orders.\"order\" GROUP BY status"))).all())
        timelines = [k async for k in redis.client.scan_iter(match=f"{redis.namespace}:timeline:*")]
    assert negative == 0
    assert set(statuses) <= {"pending_payment", "paid", "shipped", "delivered"}
    assert timelines, "fan-out should have filled following timelines"
