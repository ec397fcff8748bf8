"""/api/reviews: only the buyer of a delivered item, once; rating kept on the product."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

from sqlalchemy import text

from tests.api.test_checkout import _bought, _pay
from tests.events import drain
from tests.factories import add_to_cart, checkout
from tests.helpers import assert_problem, user_with_token


async def _delivered(client, db, settings, redis):
    admin, product, variant, buyer, headers, where = await _bought(client, db, quantity=1)
    body = (await checkout(client, headers, where["id"])).json()
    order = body["orders"][0]
    await _pay(client, headers, body["payment_intent_id"])
    await drain(settings, db, redis)
    shipment = (await client.post(f"/api/orders/{order['id']}/ship", json={}, headers=admin)).json()["tracking"]
    return admin, product, headers, order, shipment


async def test_review_after_delivery_once_and_rating_on_product(client, db, settings, redis):
    admin, product, headers, order, shipment = await _delivered(client, db, settings, redis)
    item_id = order["items"][0]["id"]
    early = await client.post("/api/reviews", headers=headers, json={"order_item_id": item_id, "rating": 5})
    assert_problem(early, 422, "order_not_delivered")
    for _ in range(3):
        await client.post(f"/api/shipping/test-courier/shipments/{shipment['id']}/advance", headers=admin)
    await drain(settings, db, redis)
    created = await client.post("/api/reviews", headers=headers, json={
        "order_item_id": item_id, "rating": 4, "text": "Nyaman dipakai lari",
        "photos": [{"url": "https://img.example.com/r.jpg", "width": 800, "height": 800}]})
    assert created.status_code == 201, created.text
    assert created.json()["rating"] == 4
    assert_problem(await client.post("/api/reviews", headers=headers, json={"order_item_id": item_id, "rating": 5}),
                   409, "already_reviewed")
    detail = (await client.get(f"/api/products/{product['id']}")).json()
    assert detail["rating_count"] == 1 and float(detail["rating_avg"]) == 4.0
    listed = (await client.get(f"/api/products/{product['id']}/reviews")).json()
    assert [r["text"] for r in listed["items"]] == ["Nyaman dipakai lari"]


async def test_review_bad_input_and_other_users_items(client, db, settings, redis):
    admin, product, headers, order, shipment = await _delivered(client, db, settings, redis)
    item_id = order["items"][0]["id"]
    for bad in ({"order_item_id": item_id, "rating": 0}, {"order_item_id": item_id, "rating": 6},
                {"order_item_id": item_id, "rating": 3, "text": "x" * 2001},
                {"order_item_id": item_id, "rating": 3, "product_id": str(uuid.uuid4())},
                {"order_item_id": item_id, "rating": 3, "photos": [{"url": "x", "width": 1, "height": 1}]}):
        assert_problem(await client.post("/api/reviews", headers=headers, json=bad), 422)
    _, stranger = await user_with_token(client)
    assert_problem(await client.post("/api/reviews", headers=stranger, json={"order_item_id": item_id, "rating": 1}),
                   404)
    assert_problem(await client.post("/api/reviews", json={"order_item_id": item_id, "rating": 1}), 401)
    assert_problem(await client.get(f"/api/products/{product['id']}/reviews", params={"cursor": "!!"}), 422)


async def test_concurrent_reviews_of_one_product_all_count(client, db):
    """Each review recomputes the product's rating; without the product row locked, two at once each
    count only their own new review and the last write loses the other."""
    admin, product, variant, buyer, headers, where = await _bought(client, db, quantity=1, stock=10)
    items = []
    for _ in range(6):
        if items:
            await add_to_cart(client, headers, variant, 1)
        placed = await checkout(client, headers, where["id"])
        assert placed.status_code == 201, placed.text
        items.append(placed.json()["orders"][0]["items"][0]["id"])
    async with db.session() as session:  # delivered, without the courier round trips
        await session.execute(text('UPDATE orders."order" SET status = \'delivered\' WHERE buyer_id = :b'),
                              {"b": buyer["id"]})
        await session.commit()
    ratings = [5, 4, 4, 3, 2, 1]
    responses = await asyncio.gather(*[
        client.post("/api/reviews", headers=headers, json={"order_item_id": item, "rating": rating})
        for item, rating in zip(items, ratings, strict=True)])
    assert [r.status_code for r in responses] == [201] * 6, [r.text for r in responses]
    detail = (await client.get(f"/api/products/{product['id']}")).json()
    assert detail["rating_count"] == 6
    assert Decimal(str(detail["rating_avg"])) == Decimal("3.17")  # 19 / 6, to the cent
