"""/api/checkout and /api/orders: idempotent checkout, server-side prices, the order state machine."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import func, select, text

from commerce.core.outbox import OutboxEvent
from commerce.interactions import service as interactions
from commerce.inventory import service as inventory
from tests.events import drain
from tests.factories import add_to_cart, address, checkout, stocked_product
from tests.helpers import admin_headers, assert_problem, user_with_token
from tests.locks import wait_for_lock_waiters


async def _available(client, admin, variant_id: str) -> int:
    response = await client.post("/api/inventory/check", headers=admin,
                                 json={"items": [{"variant_id": variant_id, "quantity": 1}]})
    assert response.status_code == 200, response.text
    return response.json()["items"][0]["available"]


async def _pay(client, headers, intent_id: str, scenario: str = "success"):
    response = await client.post("/api/payments", headers=headers,
                                 json={"intent_id": intent_id, "test_scenario": scenario})
    assert response.status_code == 200, response.text
    return response.json()


async def _bought(client, db, *, quantity: int = 2, stock: int = 5, price: int = 150_000):
    admin = await admin_headers(client, db)
    product = await stocked_product(client, admin, quantity=stock, price=price)
    variant = product["variants"][0]["id"]
    buyer, headers = await user_with_token(client)
    where = await address(client, headers)
    await add_to_cart(client, headers, variant, quantity)
    return admin, product, variant, buyer, headers, where


async def test_checkout_prices_server_side_reserves_and_empties_cart(client, db):
    admin, product, variant, buyer, headers, where = await _bought(client, db)
    response = await checkout(client, headers, where["id"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["Idempotent-Replayed"] == "false"
    [order] = body["orders"]
    assert order["status"] == "pending_payment" and order["subtotal"] == 300_000
    assert order["shipping_fee"] > 0 and order["total"] == order["subtotal"] + order["shipping_fee"]
    assert body["amount"] == order["total"] and body["payment_intent_id"]
    assert order["shipping_address"]["city"] == "Bandung"
    assert await _available(client, admin, variant) == 3
    assert (await client.get("/api/cart", headers=headers)).json()["item_count"] == 0
    async with db.session() as session:
        topics = list(await session.scalars(select(OutboxEvent.topic).where(OutboxEvent.topic == "order.placed")))
        logged = await interactions.count_by_type(session, user_id=uuid.UUID(buyer["id"]))
    assert topics == ["order.placed"] and logged["checkout"] == 1


async def test_same_key_replays_and_other_body_conflicts(client, db):
    _, _, _, _, headers, where = await _bought(client, db)
    first = await checkout(client, headers, where["id"], key="key-1")
    again = await checkout(client, headers, where["id"], key="key-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = await checkout(client, headers, where["id"], key="key-1", payment_method="card")
    assert_problem(other, 409, "idempotency_key_reused")
    assert len((await client.get("/api/orders", headers=headers)).json()["items"]) == 1


async def test_checkout_bad_input(client, db):
    _, _, _, _, headers, where = await _bought(client, db)
    missing_key = await client.post("/api/checkout", headers=headers,
                                    json={"address_id": where["id"], "payment_method": "card",
                                          "shipping": {"courier": "test", "service": "regular"}})
    assert_problem(missing_key, 422, "idempotency_key_required")
    assert_problem(await checkout(client, headers, where["id"], total=1), 422)
    assert_problem(await checkout(client, headers, where["id"], payment_method="cash"), 422)
    assert_problem(await checkout(client, headers, where["id"], shipping={"courier": "test", "service": "teleport"}),
                   422)
    _, stranger = await user_with_token(client)
    assert_problem(await checkout(client, stranger, where["id"]), 422, "cart_empty")
    theirs = await address(client, stranger)
    assert_problem(await checkout(client, headers, theirs["id"]), 404)
    assert_problem(await checkout(client, headers, str(uuid.uuid4())), 404)


async def test_out_of_stock_at_checkout_creates_nothing(client, db):
    admin, product, variant, buyer, headers, where = await _bought(client, db, quantity=2, stock=2)
    rival, rival_h = await user_with_token(client)
    rival_addr = await address(client, rival_h)
    await add_to_cart(client, rival_h, variant, 2)
    assert (await checkout(client, rival_h, rival_addr["id"])).status_code == 201
    assert_problem(await checkout(client, headers, where["id"]), 409, "out_of_stock")
    assert (await client.get("/api/orders", headers=headers)).json()["items"] == []
    assert (await client.get("/api/cart", headers=headers)).json()["item_count"] == 2


async def test_pay_then_paid_and_purchase_attributed(client, db, settings, redis):
    admin = await admin_headers(client, db)
    product = await stocked_product(client, admin, quantity=5)
    variant = product["variants"][0]["id"]
    buyer, headers = await user_with_token(client)
    where = await address(client, headers)
    post_id = str(uuid.uuid4())
    await add_to_cart(client, headers, variant, 1, post_id=post_id, surface="following")
    body = (await checkout(client, headers, where["id"])).json()
    await _pay(client, headers, body["payment_intent_id"])
    await drain(settings, db, redis)
    order = (await client.get(f"/api/orders/{body['orders'][0]['id']}", headers=headers)).json()
    assert order["status"] == "paid" and order["paid_at"]
    assert [t["to_status"] for t in order["timeline"]] == ["pending_payment", "paid"]
    async with db.session() as session:
        rows = await interactions.recent(session, user_id=uuid.UUID(buyer["id"]))
    purchase = next(r for r in rows if r.event_type == "purchase")
    assert str(purchase.post_id) == post_id and purchase.surface == "following" and purchase.amount == order["subtotal"]
    assert await _available(client, admin, variant) == 4


async def test_cancel_before_and_after_payment(client, db, settings, redis):
    admin, product, variant, buyer, headers, where = await _bought(client, db, quantity=1, stock=3)
    body = (await checkout(client, headers, where["id"])).json()
    order_id = body["orders"][0]["id"]
    _, stranger = await user_with_token(client)
    assert_problem(await client.post(f"/api/orders/{order_id}/cancel", json={"reason": "x"}, headers=stranger), 404)
    assert_problem(await client.post(f"/api/orders/{order_id}/cancel", json={}, headers=headers), 422)
    cancelled = await client.post(f"/api/orders/{order_id}/cancel", json={"reason": "changed my mind"},
                                  headers=headers)
    assert cancelled.json()["status"] == "cancelled"
    assert await _available(client, admin, variant) == 3
    assert_problem(await client.post(f"/api/orders/{order_id}/cancel", json={"reason": "again"}, headers=headers),
                   409, "invalid_order_transition")

    await add_to_cart(client, headers, variant, 1)
    paid = (await checkout(client, headers, where["id"])).json()
    await _pay(client, headers, paid["payment_intent_id"])
    await drain(settings, db, redis)
    refunded = await client.post(f"/api/orders/{paid['orders'][0]['id']}/cancel", json={"reason": "late"},
                                 headers=headers)
    assert refunded.json()["status"] == "cancelled" and refunded.json()["refunded_amount"] == paid["amount"]
    assert await _available(client, admin, variant) == 3


async def test_unpaid_orders_expire_with_the_reservation(client, db, settings, redis):
    admin, product, variant, buyer, headers, where = await _bought(client, db, quantity=1, stock=1)
    body = (await checkout(client, headers, where["id"])).json()
    async with db.session() as session:
        await session.execute(text("UPDATE inventory.reservation SET expires_at = now() - interval '1 minute'"))
        await session.commit()
    from commerce.inventory.jobs import release_expired_job

    assert await release_expired_job(db, redis, settings) == 1
    await drain(settings, db, redis)
    order = (await client.get(f"/api/orders/{body['orders'][0]['id']}", headers=headers)).json()
    assert order["status"] == "expired"
    assert await _available(client, admin, variant) == 1


async def test_ship_deliver_complete_and_ownership(client, db, settings, redis):
    admin, product, variant, buyer, headers, where = await _bought(client, db, quantity=1)
    body = (await checkout(client, headers, where["id"])).json()
    order_id = body["orders"][0]["id"]
    assert_problem(await client.post(f"/api/orders/{order_id}/ship", json={}, headers=admin), 409)  # unpaid
    await _pay(client, headers, body["payment_intent_id"])
    await drain(settings, db, redis)
    assert_problem(await client.post(f"/api/orders/{order_id}/ship", json={}, headers=headers), 403)
    shipped = await client.post(f"/api/orders/{order_id}/ship", json={}, headers=admin)
    assert shipped.status_code == 200 and shipped.json()["status"] == "shipped"
    shipment = shipped.json()["tracking"]
    assert shipment["tracking_number"]
    for _ in range(3):
        moved = await client.post(f"/api/shipping/test-courier/shipments/{shipment['id']}/advance", headers=admin)
        assert moved.status_code == 200, moved.text
    await drain(settings, db, redis)
    order = (await client.get(f"/api/orders/{order_id}", headers=headers)).json()
    assert order["status"] == "delivered"
    assert len(order["tracking"]["timeline"]) >= 4
    _, stranger = await user_with_token(client)
    assert_problem(await client.get(f"/api/orders/{order_id}", headers=stranger), 404)
    assert (await client.get(f"/api/orders/{order_id}", headers=admin)).json()["status"] == "delivered"
    assert_problem(await client.post(f"/api/orders/{order_id}/complete", headers=stranger), 404)
    done = await client.post(f"/api/orders/{order_id}/complete", headers=headers)
    assert done.json()["status"] == "completed"


async def test_one_order_per_seller_one_payment(client, db):
    admin = await admin_headers(client, db)
    first = await stocked_product(client, admin)
    second = await stocked_product(client, admin)
    seller_a, seller_b = uuid.uuid4(), uuid.uuid4()
    async with db.session() as session:
        for product, seller in ((first, seller_a), (second, seller_b)):
            await session.execute(text("UPDATE catalog.product SET seller_id = :s WHERE id = :p"),
                                  {"s": seller, "p": product["id"]})
        await session.commit()
    _, headers = await user_with_token(client)
    where = await address(client, headers)
    await add_to_cart(client, headers, first["variants"][0]["id"])
    cart = await add_to_cart(client, headers, second["variants"][0]["id"])
    assert len(cart["groups"]) == 2
    body = (await checkout(client, headers, where["id"])).json()
    assert {o["seller_id"] for o in body["orders"]} == {str(seller_a), str(seller_b)}
    assert body["amount"] == sum(o["total"] for o in body["orders"])


async def test_losing_the_stock_after_the_precheck_creates_nothing(client, db):
    """Checkout writes its orders, intent and events before it locks the stock; a buyer who passes the
    lock-free pre-check and then finds the units gone at the lock must still leave no trace."""
    admin, _, variant, buyer, headers, where = await _bought(client, db, quantity=2, stock=2)
    async with db.session() as rival:
        await inventory.reserve(rival, reference="rival-hold", lines=[(uuid.UUID(variant), 2)])
        attempt = asyncio.create_task(checkout(client, headers, where["id"]))
        await wait_for_lock_waiters(db)  # past the pre-check (nothing committed yet), queued on the stock
        await rival.commit()
    assert_problem(await attempt, 409, "out_of_stock")
    buyer_id = uuid.UUID(buyer["id"])
    async with db.session() as session:
        for table in ("orders.checkout", "orders.\"order\"", "payments.payment_intent"):
            assert await session.scalar(text(f"SELECT count(*) FROM {table} WHERE buyer_id = :b"),
                                        {"b": buyer_id}) == 0, table
        assert await session.scalar(select(func.count()).select_from(OutboxEvent)
                                    .where(OutboxEvent.topic == "order.placed")) == 0
        assert "checkout" not in await interactions.count_by_type(session, user_id=buyer_id)
        assert await session.scalar(text("SELECT count(*) FROM inventory.reservation "
                                         "WHERE reference <> 'rival-hold'")) == 0
    assert (await client.get("/api/cart", headers=headers)).json()["item_count"] == 2
    assert await _available(client, admin, variant) == 0
    async with db.session() as session:  # the card's stock state comes from the rival's hold
        assert await session.scalar(text("SELECT available_qty FROM catalog.product_variant WHERE id = :v"),
                                    {"v": uuid.UUID(variant)}) == 0
