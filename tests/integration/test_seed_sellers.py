"""The sellers demo stage goes through the services and leaves working shops behind."""

from __future__ import annotations

import random

from sqlalchemy import text

from commerce.auth import service as auth
from commerce.core.eventbus import read_dead_letters
from serving.seed_sellers import seed_sellers
from tests.events import drain


async def test_seed_sellers_builds_shops_products_and_fulfilled_orders(settings, db, redis, client):
    async with db.session() as session:
        admin = await auth.create_admin(session, email="admin@demo.example", password="x" * 12, username="root")
        user_ids = [(await auth.register(session, email=f"u{i}@demo.example", password="x" * 12,
                                         username=f"demo_u{i}")).id for i in range(24)]
    steps: list[tuple[str, int, int]] = []
    summary = await seed_sellers(db, random.Random(5), lambda *step: steps.append(step), user_ids=user_ids,
                                 admin_id=admin.id, settings=settings, seller_share=0.5)
    assert summary.applications == 12 and summary.approved >= 3
    assert summary.approved + summary.rejected + summary.pending == summary.applications
    assert summary.products_live > 0 and summary.orders > 0 and summary.shipped > 0
    assert {name for name, _, _ in steps} == {"sellers", "seller products", "seller orders"}
    async with db.session() as session:
        statuses = dict((await session.execute(text(
            "SELECT status, count(*) FROM sellers.seller GROUP BY status"))).all())
        spread = (await session.execute(text(
            "SELECT max(applied_at) - min(applied_at) FROM sellers.seller"))).scalar_one()
        orphans = (await session.execute(text(
            "SELECT count(*) FROM catalog.product p LEFT JOIN sellers.seller s ON s.user_id = p.seller_id "
            "WHERE p.seller_id IS NOT NULL AND (s.user_id IS NULL OR s.status <> 'approved')"))).scalar_one()
        negative = (await session.execute(text(
            "SELECT count(*) FROM inventory.stock WHERE on_hand < 0 OR reserved > on_hand"))).scalar_one()
        roles = (await session.execute(text(
            "SELECT count(*) FROM auth.account_role WHERE role = 'seller'"))).scalar_one()
        stats_rows = (await session.execute(text(
            "SELECT count(*) FROM sellers.seller_stats WHERE orders_paid > 0"))).scalar_one()
    assert statuses.get("approved") == summary.approved and roles == summary.approved
    assert spread.days >= 7, "applications should be spread over time"
    assert orphans == 0 and negative == 0 and stats_rows > 0
    await drain(settings, db, redis)
    assert await read_dead_letters(redis) == []
    handle = (await client.get(f"/api/sellers/applications/{summary.seller_ids[0]}",
                               headers=await _admin_token(client))).json()["handle"]
    shop = await client.get(f"/api/shops/{handle}")
    assert shop.status_code == 200


async def _admin_token(client) -> dict[str, str]:
    tokens = (await client.post("/api/auth/login", json={"email": "admin@demo.example", "password": "x" * 12})).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}
