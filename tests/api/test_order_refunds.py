"""POST /api/orders/{id}/refunds: a partial refund is money, not a status — the order keeps its place
in fulfilment (accept, pack, ship, deliver, complete, cancel still work) and completion settles only
what was kept; a refund of everything left ends the order as `refunded`. Bad input, wrong users and
direct refunds of a checkout's payment are refused without moving any money."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from commerce.core.outbox import OutboxEvent
from commerce.orders import service as orders
from commerce.orders.errors import InvalidRefundAmount
from tests.events import drain
from tests.factories import add_to_cart, address, checkout
from tests.helpers import admin_headers, assert_problem, user_with_token
from tests.ledger_helpers import balance, books, commission, wallet_balance
from tests.notify import by_type, inbox
from tests.seller_factories import approved_seller, live_product, paid_order

PRICE = 200_000


async def _setup(client, db):
    admin = await admin_headers(client, db)
    seller_user, seller = await approved_seller(client, admin)
    product = await live_product(client, seller, admin, stock=10, price=PRICE)
    return admin, seller_user, seller, product


async def _refund(client, admin, order_id: str, amount, **extra):  # noqa: ANN001
    return await client.post(f"/api/orders/{order_id}/refunds", headers=admin,
                             json={"amount": amount, "reason": "barang kurang satu", **extra})


async def _refunded(client, admin, order_id: str, amount: int) -> dict:
    response = await _refund(client, admin, order_id, amount)
    assert response.status_code == 200, response.text
    return response.json()


async def _count(db, topic: str) -> int:
    async with db.session() as session:
        return await session.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.topic == topic))


async def _payloads(db, topic: str) -> list[dict]:
    async with db.session() as session:
        return list(await session.scalars(select(OutboxEvent.payload).where(OutboxEvent.topic == topic)
                                          .order_by(OutboxEvent.id)))


async def test_partial_refunds_then_accept_pack_ship_deliver_complete(client, settings, db, redis):
    admin, seller_user, seller, product = await _setup(client, db)
    order, buyer = await paid_order(client, settings, db, redis, product)
    url = f"/api/sellers/me/orders/{order['id']}"

    first = await _refunded(client, admin, order["id"], 50_000)
    assert first["status"] == "paid" and first["refunded_amount"] == 50_000
    assert first["timeline"][-1]["from_status"] == first["timeline"][-1]["to_status"] == "paid"
    assert first["timeline"][-1]["note"] == "refunded 50000 IDR: barang kurang satu"
    # Never shipped: the buyer cannot confirm receipt and release the escrow.
    assert_problem(await client.post(f"/api/orders/{order['id']}/complete", headers=buyer), 409)

    assert (await client.post(f"{url}/accept", headers=seller)).json()["status"] == "processing"
    second = await _refunded(client, admin, order["id"], 20_000)
    assert second["status"] == "processing" and second["refunded_amount"] == 70_000
    packed = await client.post(f"{url}/pack", headers=seller)
    assert packed.status_code == 200 and packed.json()["packed_at"], packed.text
    shipped = await client.post(f"{url}/ship", headers=seller, json={"courier": "test", "tracking_number": "LKT-PR-1"})
    assert shipped.status_code == 200 and shipped.json()["status"] == "shipped", shipped.text
    [event] = await _payloads(db, "order.shipped")
    assert event["courier"] == "test" and event["courier_service"] == "regular"
    assert event["refunded_amount"] == 70_000
    for _ in range(3):
        moved = await client.post(f"/api/shipping/test-courier/shipments/{shipped.json()['tracking']['id']}/advance",
                                  headers=admin)
        assert moved.status_code == 200, moved.text
    await drain(settings, db, redis)
    notice = by_type(await inbox(client, buyer))["order_shipped"][0]
    assert notice["data"]["courier_service"] == "regular" and notice["data"]["tracking_number"] == "LKT-PR-1"
    assert (await client.get(f"/api/orders/{order['id']}", headers=buyer)).json()["status"] == "delivered"
    assert (await balance(client, seller))["pending"] == order["total"] - 70_000

    done = await client.post(f"/api/orders/{order['id']}/complete", headers=buyer)
    assert done.status_code == 200 and done.json()["status"] == "completed", done.text
    assert [t["to_status"] for t in done.json()["timeline"]] == [
        "pending_payment", "paid", "paid", "processing", "processing", "processing", "shipped", "delivered",
        "completed"]
    await drain(settings, db, redis)
    fee = commission(PRICE - 70_000)
    assert await balance(client, seller) == {**await balance(client, seller), "pending": 0,
                                             "available": order["total"] - 70_000 - fee}
    assert await wallet_balance(client, buyer) == 70_000
    ledger = await books(client, admin)
    assert ledger["commission"] == fee and ledger["escrow"] == 0 and ledger["payment_clearing"] == 0
    assert ledger["cash"] == order["total"]
    journals = (await client.get("/api/admin/ledger/journals", headers=admin,
                                 params={"reference": order["id"]})).json()
    assert [j["kind"] for j in journals] == ["order_paid", "order_refund", "order_refund", "order_settled"]


async def test_partial_refund_keeps_cancel_and_admin_ship(client, settings, db, redis):
    admin, _, seller, product = await _setup(client, db)
    order, buyer = await paid_order(client, settings, db, redis, product)
    await _refunded(client, admin, order["id"], 30_000)
    cancelled = await client.post(f"/api/orders/{order['id']}/cancel", headers=buyer, json={"reason": "lama"})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["refunded_amount"] == order["total"]
    await drain(settings, db, redis)
    assert await wallet_balance(client, buyer) == order["total"]

    other, _ = await paid_order(client, settings, db, redis, product)
    await _refunded(client, admin, other["id"], 1)
    shipped = await client.post(f"/api/orders/{other['id']}/ship", headers=admin, json={})
    assert shipped.status_code == 200 and shipped.json()["status"] == "shipped", shipped.text
    await drain(settings, db, redis)
    assert (await balance(client, seller))["pending"] == other["total"] - 1
    ledger = await books(client, admin)
    assert ledger["escrow"] == other["total"] - 1 and ledger["payment_clearing"] == 0


async def test_refunding_everything_left_ends_the_order(client, settings, db, redis):
    admin, _, seller, product = await _setup(client, db)
    order, buyer = await paid_order(client, settings, db, redis, product)
    await _refunded(client, admin, order["id"], 50_000)
    last = await _refunded(client, admin, order["id"], order["total"] - 50_000)
    assert last["status"] == "refunded" and last["refunded_amount"] == order["total"]
    assert_problem(await _refund(client, admin, order["id"], 1), 409, "order_not_refundable")
    assert_problem(await client.post(f"/api/orders/{order['id']}/complete", headers=buyer), 409)
    assert_problem(await client.post(f"/api/sellers/me/orders/{order['id']}/accept", headers=seller), 409)
    await drain(settings, db, redis)
    assert await wallet_balance(client, buyer) == order["total"]
    assert (await balance(client, seller))["pending"] == 0
    ledger = await books(client, admin)
    assert ledger["escrow"] == 0 and ledger["payment_clearing"] == 0


@pytest.mark.parametrize("body", [
    {"amount": 0, "reason": "x"}, {"amount": -1, "reason": "x"}, {"amount": "lots", "reason": "x"},
    {"amount": 1.5, "reason": "x"}, {"amount": 1_000}, {"amount": 1_000, "reason": "  "},
    {"amount": 1_000, "reason": "x", "refund_to": "bank"}, {"amount": 1_000, "reason": "x", "status": "refunded"},
])
async def test_refund_bad_input_is_422(client, settings, db, redis, body):
    admin, _, _, product = await _setup(client, db)
    order, _ = await paid_order(client, settings, db, redis, product)
    response = await client.post(f"/api/orders/{order['id']}/refunds", headers=admin, json=body)
    assert_problem(response, 422)
    assert (await client.get(f"/api/orders/{order['id']}", headers=admin)).json()["refunded_amount"] == 0


@pytest.mark.parametrize("amount", [0, -5, True, 2.5])
async def test_the_refund_use_case_checks_the_amount_itself(db, settings, amount):
    """In-process callers (the seeder, the worker) do not pass through the API's validation."""
    async with db.session() as session:
        with pytest.raises(InvalidRefundAmount):
            await orders.refund(session, order_id=uuid.uuid4(), amount=amount, reason="x",
                                payment_secret=settings.webhook_secret("payments"))


async def test_refund_conflicts_users_and_unknown_orders(client, settings, db, redis):
    admin, _, seller, product = await _setup(client, db)
    order, buyer = await paid_order(client, settings, db, redis, product)
    await _refunded(client, admin, order["id"], 10_000)
    left = order["total"] - 10_000
    over = assert_problem(await _refund(client, admin, order["id"], left + 1), 409, "refund_exceeds_order")
    assert over["refundable"] == left
    # Only admins refund: the buyer and the seller are 403, anonymous 401.
    assert_problem(await _refund(client, buyer, order["id"], 1_000), 403)
    assert_problem(await _refund(client, seller, order["id"], 1_000), 403)
    assert_problem(await client.post(f"/api/orders/{order['id']}/refunds", json={"amount": 1, "reason": "x"}), 401)
    assert_problem(await _refund(client, admin, str(uuid.uuid4()), 1_000), 404, "order_not_found")
    assert_problem(await _refund(client, admin, "not-a-uuid", 1_000), 422)
    # An unpaid order has nothing to refund.
    _, other = await user_with_token(client)
    await add_to_cart(client, other, product["variants"][0]["id"])
    unpaid = (await checkout(client, other, (await address(client, other))["id"])).json()["orders"][0]
    assert_problem(await _refund(client, admin, unpaid["id"], 1_000), 409, "order_not_refundable")
    # A bank transfer cannot go back to its source.
    assert_problem(await _refund(client, admin, order["id"], 1_000, refund_to="original"), 422,
                   "refund_to_original_unavailable")
    now = (await client.get(f"/api/orders/{order['id']}", headers=admin)).json()
    assert now["refunded_amount"] == 10_000 and now["status"] == "paid"
    assert await _count(db, "order.refunded") == 1


async def test_a_checkout_payment_is_refunded_through_its_orders(client, settings, db, redis):
    """Refunding the intent directly would leave the orders paid in full and the escrow settling to
    the seller money the buyer got back."""
    admin, _, seller, product = await _setup(client, db)
    _, buyer = await user_with_token(client)
    await add_to_cart(client, buyer, product["variants"][0]["id"])
    placed = (await checkout(client, buyer, (await address(client, buyer))["id"], payment_method="card")).json()
    intent_id, [order] = placed["payment_intent_id"], placed["orders"]
    paid = await client.post("/api/payments", headers=buyer, json={"intent_id": intent_id, "test_scenario": "success"})
    assert paid.status_code == 200, paid.text
    await drain(settings, db, redis)

    for body in ({"amount": 10_000, "reason": "rusak"}, {"reason": "semua"}):
        refused = assert_problem(await client.post(f"/api/payments/{intent_id}/refunds", headers=admin, json=body),
                                 409, "refund_through_order")
        assert refused["order_ids"] == [order["id"]] and refused["checkout_id"] == placed["checkout_id"]
        assert f"/api/orders/{order['id']}/refunds" in refused["detail"]
    assert (await client.get(f"/api/payments/{intent_id}", headers=buyer)).json()["amount_refunded"] == 0
    assert await _count(db, "payment.refunded") == 0
    # Still admin-only and 404 for unknown payments, before anything else is looked at.
    assert_problem(await client.post(f"/api/payments/{intent_id}/refunds", headers=buyer, json={"reason": "x"}), 403)
    assert_problem(await client.post(f"/api/payments/{uuid.uuid4()}/refunds", headers=admin, json={"reason": "x"}),
                   404, "payment_not_found")

    refunded = await _refund(client, admin, order["id"], 10_000, refund_to="original")
    assert refunded.status_code == 200 and refunded.json()["refunded_to_wallet"] == 0, refunded.text
    assert (await client.get(f"/api/payments/{intent_id}", headers=buyer)).json()["amount_refunded"] == 10_000
    await drain(settings, db, redis)
    ledger = await books(client, admin)
    assert ledger["payment_clearing"] == 0 and ledger["cash"] == order["total"] - 10_000
    assert ledger["escrow"] == (await balance(client, seller))["pending"] == order["total"] - 10_000
