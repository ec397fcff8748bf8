"""/api/sellers/me/orders: the seller's order list, accept → pack → ship with tracking, and cancel."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from commerce.core.outbox import OutboxEvent
from tests.events import drain
from tests.factories import add_to_cart, address, checkout
from tests.helpers import admin_headers, assert_problem, user_with_token
from tests.seller_factories import approved_seller, live_product, paid_order


async def _payloads(db, topic: str) -> list[dict]:
    async with db.session() as session:
        return list(await session.scalars(select(OutboxEvent.payload).where(OutboxEvent.topic == topic)
                                          .order_by(OutboxEvent.id)))


async def _setup(client, db):
    admin = await admin_headers(client, db)
    seller_user, seller = await approved_seller(client, admin)
    product = await live_product(client, seller, admin, stock=10, price=200_000)
    return admin, seller_user, seller, product


async def test_accept_pack_ship_then_buyer_confirms(client, settings, db, redis):
    admin, seller_user, seller, product = await _setup(client, db)
    order, buyer = await paid_order(client, settings, db, redis, product, quantity=2)
    assert order["seller_id"] == seller_user["id"]
    url = f"/api/sellers/me/orders/{order['id']}"

    listed = (await client.get("/api/sellers/me/orders", headers=seller)).json()["items"]
    assert [(o["id"], o["status"]) for o in listed] == [(order["id"], "paid")]
    assert listed[0]["items"][0]["quantity"] == 2 and listed[0]["shipping_address"]["city"] == "Bandung"

    accepted = await client.post(f"{url}/accept", headers=seller)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "processing" and accepted.json()["accepted_at"]
    packed = await client.post(f"{url}/pack", headers=seller)
    assert packed.status_code == 200 and packed.json()["packed_at"] and packed.json()["status"] == "processing"
    shipped = await client.post(f"{url}/ship", headers=seller, json={"courier": "test",
                                                                      "tracking_number": "LKT-SELLER-0001"})
    assert shipped.status_code == 200, shipped.text
    body = shipped.json()
    assert body["status"] == "shipped" and body["tracking"]["tracking_number"] == "LKT-SELLER-0001"
    [event] = await _payloads(db, "order.shipped")
    assert event["seller_id"] == seller_user["id"]
    assert event["courier"] == "test" and event["tracking_number"] == "LKT-SELLER-0001"
    assert event["order_id"] == order["id"]

    # The buyer follows the same shipment; the courier delivers; the buyer confirms.
    for _ in range(3):
        await client.post(f"/api/shipping/test-courier/shipments/{body['tracking']['id']}/advance", headers=admin)
    await drain(settings, db, redis)
    tracked = (await client.get(f"/api/orders/{order['id']}", headers=buyer)).json()
    assert tracked["status"] == "delivered"
    assert [t["to_status"] for t in tracked["timeline"]] == [
        "pending_payment", "paid", "processing", "processing", "shipped", "delivered"]
    assert tracked["timeline"][3]["note"].startswith("packed")
    completed = await client.post(f"/api/orders/{order['id']}/complete", headers=buyer)
    assert completed.status_code == 200 and completed.json()["status"] == "completed"
    assert (await client.get(url, headers=seller)).json()["status"] == "completed"
    assert [e["order_id"] for e in await _payloads(db, "order.accepted")] == [order["id"]]
    assert [e["order_id"] for e in await _payloads(db, "order.packed")] == [order["id"]]


async def test_shipping_event_names_buyer_and_seller(client, settings, db, redis):
    _, seller_user, seller, product = await _setup(client, db)
    order, buyer = await paid_order(client, settings, db, redis, product)
    await client.post(f"/api/sellers/me/orders/{order['id']}/accept", headers=seller)
    # Unpacked orders are packed at the moment they ship; the test courier issues the tracking number.
    shipped = await client.post(f"/api/sellers/me/orders/{order['id']}/ship", headers=seller, json={})
    assert shipped.status_code == 200 and shipped.json()["packed_at"]
    [event] = await _payloads(db, "order.shipped")
    me = (await client.get("/api/users/me", headers=buyer)).json()
    assert event["buyer_id"] == me["id"] and event["seller_id"] == seller_user["id"]
    assert event["tracking_number"] == shipped.json()["tracking"]["tracking_number"].strip()


async def test_fulfilment_steps_in_order_only(client, settings, db, redis):
    _, _, seller, product = await _setup(client, db)
    order, _ = await paid_order(client, settings, db, redis, product)
    url = f"/api/sellers/me/orders/{order['id']}"
    assert_problem(await client.post(f"{url}/pack", headers=seller), 409, "invalid_order_transition")
    assert_problem(await client.post(f"{url}/ship", headers=seller, json={}), 409, "invalid_order_transition")
    await client.post(f"{url}/accept", headers=seller)
    assert_problem(await client.post(f"{url}/accept", headers=seller), 409, "invalid_order_transition")
    await client.post(f"{url}/pack", headers=seller)
    assert_problem(await client.post(f"{url}/pack", headers=seller), 409, "invalid_order_transition")
    assert_problem(await client.post(f"{url}/ship", headers=seller, json={"courier": "jne"}), 422,
                   "courier_mismatch")
    for bad in ({"tracking_number": "x"}, {"tracking_number": "has spaces!"}, {"status": "delivered"}):
        assert_problem(await client.post(f"{url}/ship", headers=seller, json=bad), 422)
    await client.post(f"{url}/ship", headers=seller, json={"tracking_number": "LKT-0002"})
    assert_problem(await client.post(f"{url}/ship", headers=seller, json={}), 409)
    assert_problem(await client.post(f"{url}/cancel", headers=seller, json={"reason": "too late"}), 409,
                   "invalid_order_transition")


async def test_unpaid_orders_cannot_be_accepted(client, db):
    _, _, seller, product = await _setup(client, db)
    _, buyer = await user_with_token(client)
    where = await address(client, buyer)
    await add_to_cart(client, buyer, product["variants"][0]["id"])
    placed = (await checkout(client, buyer, where["id"])).json()
    order_id = placed["orders"][0]["id"]
    assert_problem(await client.post(f"/api/sellers/me/orders/{order_id}/accept", headers=seller), 409)
    listed = (await client.get("/api/sellers/me/orders", headers=seller,
                               params={"status": "pending_payment"})).json()["items"]
    assert [o["id"] for o in listed] == [order_id]


async def test_seller_cancels_with_a_reason_and_the_buyer_is_refunded(client, settings, db, redis):
    admin, _, seller, product = await _setup(client, db)
    order, buyer = await paid_order(client, settings, db, redis, product, quantity=3)
    await client.post(f"/api/sellers/me/orders/{order['id']}/accept", headers=seller)
    assert_problem(await client.post(f"/api/sellers/me/orders/{order['id']}/cancel", headers=seller, json={}), 422)
    cancelled = await client.post(f"/api/sellers/me/orders/{order['id']}/cancel", headers=seller,
                                  json={"reason": "Stok rusak terkena banjir"})
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert body["status"] == "cancelled" and body["refunded_amount"] == order["total"]
    assert body["cancel_reason"] == "Stok rusak terkena banjir"
    [event] = await _payloads(db, "order.cancelled")
    assert event["cancelled_by"] == "seller" and event["reason"] == "Stok rusak terkena banjir"
    assert event["refunded"] is True
    seen = (await client.get(f"/api/orders/{order['id']}", headers=buyer)).json()
    assert seen["status"] == "cancelled" and seen["refunded_amount"] == order["total"]
    stock = (await client.get("/api/sellers/me/stock", headers=seller)).json()["items"][0]
    assert stock["on_hand"] == 10 and stock["available"] == 10


async def test_buyer_cancellations_say_who_cancelled(client, settings, db, redis):
    _, _, _, product = await _setup(client, db)
    order, buyer = await paid_order(client, settings, db, redis, product)
    await client.post(f"/api/orders/{order['id']}/cancel", headers=buyer, json={"reason": "changed my mind"})
    [event] = await _payloads(db, "order.cancelled")
    assert event["cancelled_by"] == "buyer" and event["reason"] == "changed my mind"


async def test_order_list_filters_and_pages(client, settings, db, redis):
    _, _, seller, product = await _setup(client, db)
    first, _ = await paid_order(client, settings, db, redis, product)
    second, _ = await paid_order(client, settings, db, redis, product)
    third, _ = await paid_order(client, settings, db, redis, product)
    await client.post(f"/api/sellers/me/orders/{second['id']}/accept", headers=seller)
    page = (await client.get("/api/sellers/me/orders", headers=seller, params={"limit": 2})).json()
    assert [o["id"] for o in page["items"]] == [third["id"], second["id"]]
    rest = (await client.get("/api/sellers/me/orders", headers=seller,
                             params={"limit": 2, "cursor": page["next_cursor"]})).json()
    assert [o["id"] for o in rest["items"]] == [first["id"]] and rest["next_cursor"] is None
    todo = (await client.get("/api/sellers/me/orders", headers=seller,
                             params=[("status", "paid"), ("status", "processing")])).json()["items"]
    assert len(todo) == 3
    processing = (await client.get("/api/sellers/me/orders", headers=seller,
                                   params={"status": "processing"})).json()["items"]
    assert [o["id"] for o in processing] == [second["id"]] and processing[0]["accepted_at"]
    assert_problem(await client.get("/api/sellers/me/orders", headers=seller, params={"status": "lost"}), 422)
    assert_problem(await client.get("/api/sellers/me/orders", headers=seller, params={"cursor": "zz"}), 422)
    assert_problem(await client.get("/api/sellers/me/orders", headers=seller, params={"limit": 0}), 422)


async def test_seller_never_touches_another_sellers_orders(client, settings, db, redis):
    admin, _, alice, product = await _setup(client, db)
    _, bob = await approved_seller(client, admin)
    order, buyer = await paid_order(client, settings, db, redis, product)
    url = f"/api/sellers/me/orders/{order['id']}"
    for method, path, body in (("GET", url, None), ("POST", f"{url}/accept", None), ("POST", f"{url}/pack", None),
                               ("POST", f"{url}/ship", {}), ("POST", f"{url}/cancel", {"reason": "mine"}),
                               ("GET", f"/api/sellers/me/orders/{uuid.uuid4()}", None)):
        assert_problem(await client.request(method, path, headers=bob, json=body), 404, "order_not_found")
    assert (await client.get("/api/sellers/me/orders", headers=bob)).json()["items"] == []
    # The buyer is not the seller either, and the order is untouched.
    assert_problem(await client.post(f"{url}/accept", headers=buyer), 403, "seller_required")
    assert (await client.get(url, headers=alice)).json()["status"] == "paid"


async def test_admin_ship_still_works_for_seller_orders(client, settings, db, redis):
    admin, _, seller, product = await _setup(client, db)
    order, _ = await paid_order(client, settings, db, redis, product)
    shipped = await client.post(f"/api/orders/{order['id']}/ship", headers=admin, json={})
    assert shipped.status_code == 200 and shipped.json()["status"] == "shipped"
    assert (await client.get(f"/api/sellers/me/orders/{order['id']}", headers=seller)).json()["status"] == "shipped"
