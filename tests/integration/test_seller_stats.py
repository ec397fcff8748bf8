"""Seller stats follow the events: products, orders, GMV and rating, through the real worker consumers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from commerce.core.eventbus import Event
from commerce.sellers import handlers, stats
from tests.events import drain
from tests.factories import stocked_product
from tests.helpers import admin_headers
from tests.seller_factories import approved_seller, live_product, paid_order


async def _stats(client, headers) -> dict:
    response = await client.get("/api/sellers/me/stats", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_stats_follow_products_orders_and_reviews(client, settings, db, redis):
    admin = await admin_headers(client, db)
    seller_user, seller = await approved_seller(client, admin, handle="stat-shop")
    assert (await _stats(client, seller))["active_products"] == 0
    kept = await live_product(client, seller, admin, price=100_000)
    gone = await live_product(client, seller, admin, price=50_000)
    await client.post(f"/api/sellers/me/products/{gone['id']}/archive", headers=seller)
    await drain(settings, db, redis)
    figures = await _stats(client, seller)
    assert figures["active_products"] == 1 and figures["orders_paid"] == 0 and figures["gmv"] == 0

    completed, buyer = await paid_order(client, settings, db, redis, kept, quantity=2)
    cancelled, _ = await paid_order(client, settings, db, redis, kept)
    waiting, _ = await paid_order(client, settings, db, redis, kept)
    figures = await _stats(client, seller)
    assert figures["orders_paid"] == 3 and figures["orders_to_ship"] == 3
    assert figures["gmv"] == completed["total"] + cancelled["total"] + waiting["total"]

    await client.post(f"/api/sellers/me/orders/{cancelled['id']}/cancel", headers=seller, json={"reason": "rusak"})
    await client.post(f"/api/sellers/me/orders/{completed['id']}/accept", headers=seller)
    shipped = (await client.post(f"/api/sellers/me/orders/{completed['id']}/ship", headers=seller, json={})).json()
    for _ in range(3):
        await client.post(f"/api/shipping/test-courier/shipments/{shipped['tracking']['id']}/advance", headers=admin)
    await drain(settings, db, redis)
    await client.post(f"/api/orders/{completed['id']}/complete", headers=buyer)
    item = completed["items"][0]["id"]
    review = await client.post("/api/reviews", headers=buyer, json={"order_item_id": item, "rating": 4,
                                                                   "text": "Bagus"})
    assert review.status_code == 201
    await drain(settings, db, redis)

    figures = await _stats(client, seller)
    assert figures["orders_paid"] == 3 and figures["orders_to_ship"] == 1
    assert figures["orders_completed"] == 1 and figures["orders_cancelled"] == 1
    assert figures["gmv"] == completed["total"] + waiting["total"]  # the cancelled order was refunded in full
    assert figures["gmv_completed"] == completed["total"] and figures["currency"] == "IDR"
    assert figures["rating_avg"] == 4.0 and figures["rating_count"] == 1
    shop = (await client.get("/api/shops/stat-shop")).json()["stats"]
    assert shop == {"active_products": 1, "orders_completed": 1, "rating_avg": 4.0, "rating_count": 1}
    assert seller_user["id"]


async def test_refresh_is_idempotent_and_ignores_platform_events(client, settings, db, redis):
    admin = await admin_headers(client, db)
    seller_user, seller = await approved_seller(client, admin)
    await live_product(client, seller, admin)
    await stocked_product(client, admin)  # a platform product: its events carry no seller
    await drain(settings, db, redis)
    before = await _stats(client, seller)
    event = Event(event_id=uuid.uuid4(), topic="product.approved", occurred_at=datetime.now(UTC),
                  payload={"seller_id": seller_user["id"]})
    for _ in range(2):
        async with db.session() as session:
            await handlers.refresh_stats(session, redis, event)
            await session.commit()
    after = await _stats(client, seller)
    assert {k: v for k, v in after.items() if k != "updated_at"} == {k: v for k, v in before.items()
                                                                      if k != "updated_at"}
    assert before["active_products"] == 1
    async with db.session() as session:
        await handlers.refresh_stats(session, redis, Event(event_id=uuid.uuid4(), topic="order.paid",
                                                           occurred_at=datetime.now(UTC),
                                                           payload={"seller_id": None}))
        assert await stats.refresh(session, seller_id=uuid.uuid4()) is False
        assert await stats.refresh_all(session, seller_ids=[uuid.UUID(seller_user["id"])]) == 1
