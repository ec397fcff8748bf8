"""/api/wallet and the wallet at checkout: refunds land in the wallet, the wallet pays whole or part
of a checkout in the checkout's transaction, and never goes below zero."""

from __future__ import annotations

import uuid

from sqlalchemy import select, text

from commerce.core.outbox import OutboxEvent
from tests.events import drain
from tests.factories import add_to_cart, address, checkout
from tests.helpers import admin_headers, assert_problem, user_with_token
from tests.ledger_helpers import (
    books,
    bought_and_paid,
    buy,
    goodwill,
    pay,
    seller,
    seller_product,
    wallet_balance,
)


async def _available(client, admin, variant_id: str) -> int:
    response = await client.post("/api/inventory/check", headers=admin,
                                 json={"items": [{"variant_id": variant_id, "quantity": 1}]})
    return response.json()["items"][0]["available"]


async def _topics(db, topic: str) -> list[dict]:
    async with db.session() as session:
        return list(await session.scalars(select(OutboxEvent.payload).where(OutboxEvent.topic == topic)
                                          .order_by(OutboxEvent.id)))


async def test_a_new_wallet_is_empty_and_needs_a_login(client, db):
    user, headers = await user_with_token(client)
    body = (await client.get("/api/wallet", headers=headers)).json()
    assert body == {"user_id": user["id"], "balance": 0, "currency": "IDR", "entries": [], "next_cursor": None}
    assert_problem(await client.get("/api/wallet"), 401)
    assert_problem(await client.get("/api/wallet", headers=headers, params={"cursor": "%%%"}), 422, "invalid_cursor")
    assert_problem(await client.get("/api/wallet", headers=headers, params={"limit": 0}), 422)


async def test_cancelling_a_paid_order_refunds_to_the_wallet(client, db, settings, redis):
    admin = await admin_headers(client, db)
    shop, _ = await seller(client, admin)
    variant = await seller_product(client, admin, db, shop["id"], price=120_000)
    buyer, headers = await user_with_token(client)
    body = await bought_and_paid(client, headers, [variant], settings, db, redis)
    order = body["orders"][0]
    cancelled = await client.post(f"/api/orders/{order['id']}/cancel", headers=headers, json={"reason": "salah ukuran"})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["refunded_to_wallet"] == order["total"] == cancelled.json()["refunded_amount"]
    await drain(settings, db, redis)
    wallet = (await client.get("/api/wallet", headers=headers)).json()
    assert wallet["balance"] == order["total"]
    [entry] = wallet["entries"]
    assert entry["amount"] == order["total"] and entry["balance_after"] == order["total"]
    assert entry["kind"] == "order_refund" and entry["reference"] == order["id"] and entry["account"] == "wallet"
    intent = (await client.get(f"/api/payments/{body['payment_intent_id']}", headers=headers)).json()
    assert intent["amount_refunded"] == 0  # the card was not touched
    [credited] = await _topics(db, "wallet.credited")
    assert credited["user_id"] == buyer["id"] and credited["amount"] == order["total"]
    # Another user's wallet is untouched and cannot be asked for.
    _, stranger = await user_with_token(client)
    assert (await client.get("/api/wallet", headers=stranger)).json()["balance"] == 0
    books_now = await books(client, admin)
    assert books_now["wallet"] == order["total"] and books_now["escrow"] == 0


async def test_refund_to_the_original_card_and_never_to_a_bank_transfer(client, db, settings, redis):
    admin = await admin_headers(client, db)
    variant = await seller_product(client, admin, db, None, price=80_000)
    _, headers = await user_with_token(client)
    card = await bought_and_paid(client, headers, [variant], settings, db, redis, payment_method="card")
    order_id = card["orders"][0]["id"]
    bad = await client.post(f"/api/orders/{order_id}/cancel", headers=headers,
                            json={"reason": "x", "refund_to": "bank"})
    assert_problem(bad, 422)
    back = await client.post(f"/api/orders/{order_id}/cancel", headers=headers,
                             json={"reason": "changed my mind", "refund_to": "original"})
    assert back.status_code == 200 and back.json()["refunded_to_wallet"] == 0
    await drain(settings, db, redis)
    intent = (await client.get(f"/api/payments/{card['payment_intent_id']}", headers=headers)).json()
    assert intent["status"] == "refunded" and intent["amount_refunded"] == card["amount"]
    assert await wallet_balance(client, headers) == 0

    va = await bought_and_paid(client, headers, [variant], settings, db, redis, payment_method="bank_va")
    refused = await client.post(f"/api/orders/{va['orders'][0]['id']}/cancel", headers=headers,
                                json={"reason": "x", "refund_to": "original"})
    assert_problem(refused, 422, "refund_to_original_unavailable")
    assert (await client.get(f"/api/orders/{va['orders'][0]['id']}", headers=headers)).json()["status"] == "paid"
    books_now = await books(client, admin)
    assert books_now["cash"] == va["amount"] and books_now["payment_clearing"] == 0


async def test_wallet_pays_everything_and_the_order_is_paid_at_once(client, db, settings, redis):
    admin = await admin_headers(client, db)
    shop, _ = await seller(client, admin)
    variant = await seller_product(client, admin, db, shop["id"], price=50_000, quantity=5)
    buyer, headers = await user_with_token(client)
    await goodwill(client, admin, buyer["id"], 500_000)
    where = await address(client, headers)
    await add_to_cart(client, headers, variant, 2)
    response = await checkout(client, headers, where["id"], key="all-wallet", use_wallet=True)
    assert response.status_code == 201, response.text
    body = response.json()
    [order] = body["orders"]
    assert body["payment_intent_id"] is None and body["payment_amount"] == 0
    assert body["wallet_amount"] == body["amount"] == order["total"] == order["wallet_amount"]
    assert order["status"] == "paid" and order["paid_at"]
    assert await _available(client, admin, variant) == 3
    assert await wallet_balance(client, headers) == 500_000 - order["total"]
    replay = await checkout(client, headers, where["id"], key="all-wallet", use_wallet=True)
    assert replay.json() == body and replay.headers["Idempotent-Replayed"] == "true"
    assert await wallet_balance(client, headers) == 500_000 - order["total"]
    [paid] = await _topics(db, "order.paid")
    assert paid["order_id"] == order["id"] and paid["wallet_amount"] == order["total"] and paid["paid"] is True
    [debited] = await _topics(db, "wallet.debited")
    assert debited["amount"] == order["total"] and debited["balance"] == 500_000 - order["total"]
    await drain(settings, db, redis)
    detail = (await client.get(f"/api/orders/{order['id']}", headers=headers)).json()
    assert [t["to_status"] for t in detail["timeline"]] == ["pending_payment", "paid"]
    books_now = await books(client, admin)
    assert books_now["escrow"] == order["total"] and books_now["payment_clearing"] == 0
    assert books_now["cash"] == 0 and books_now["goodwill"] == 500_000


async def test_wallet_and_card_split_across_sellers(client, db, settings, redis):
    admin = await admin_headers(client, db)
    first, _ = await seller(client, admin)
    second, _ = await seller(client, admin)
    a = await seller_product(client, admin, db, first["id"], price=100_000)
    b = await seller_product(client, admin, db, second["id"], price=300_000)
    buyer, headers = await user_with_token(client)
    await goodwill(client, admin, buyer["id"], 150_001)
    response = await buy(client, headers, [a, b], wallet_amount=150_001)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["wallet_amount"] == 150_001 and body["payment_amount"] == body["amount"] - 150_001
    assert sum(o["wallet_amount"] for o in body["orders"]) == 150_001
    assert all(0 < o["wallet_amount"] < o["total"] for o in body["orders"])
    assert all(o["status"] == "pending_payment" for o in body["orders"])
    intent = (await client.get(f"/api/payments/{body['payment_intent_id']}", headers=headers)).json()
    assert intent["amount"] == body["payment_amount"]
    assert await wallet_balance(client, headers) == 0
    await pay(client, headers, body["payment_intent_id"])
    await drain(settings, db, redis)
    statuses = {(await client.get(f"/api/orders/{o['id']}", headers=headers)).json()["status"] for o in body["orders"]}
    assert statuses == {"paid"}
    books_now = await books(client, admin)
    assert books_now["escrow"] == body["amount"] and books_now["payment_clearing"] == 0
    assert books_now["cash"] == body["payment_amount"]


async def test_overdrawing_the_wallet_charges_nothing(client, db, settings, redis):
    admin = await admin_headers(client, db)
    variant = await seller_product(client, admin, db, None, price=100_000, quantity=3)
    buyer, headers = await user_with_token(client)
    await goodwill(client, admin, buyer["id"], 20_000)
    where = await address(client, headers)
    await add_to_cart(client, headers, variant, 1)
    over = await checkout(client, headers, where["id"], wallet_amount=20_001)
    body = assert_problem(over, 422, "insufficient_wallet_balance")
    assert body["available"] == 20_000
    assert (await client.get("/api/orders", headers=headers)).json()["items"] == []
    assert (await client.get("/api/cart", headers=headers)).json()["item_count"] == 1
    assert await _available(client, admin, variant) == 3
    assert await wallet_balance(client, headers) == 20_000
    assert await _topics(db, "wallet.debited") == []
    # More than the checkout costs, and contradictory or negative amounts, are refused as well.
    assert_problem(await checkout(client, headers, where["id"], wallet_amount=10**9), 422,
                   "wallet_amount_exceeds_total")
    assert_problem(await checkout(client, headers, where["id"], wallet_amount=-1), 422)
    assert_problem(await checkout(client, headers, where["id"], wallet_amount=1, use_wallet=True), 422)
    assert_problem(await checkout(client, headers, where["id"], wallet_amount="lots"), 422)
    # use_wallet takes what there is and the card pays the rest.
    ok = await checkout(client, headers, where["id"], use_wallet=True)
    assert ok.status_code == 201 and ok.json()["wallet_amount"] == 20_000
    assert await wallet_balance(client, headers) == 0


async def test_an_unpaid_order_gives_its_wallet_money_back(client, db, settings, redis):
    admin = await admin_headers(client, db)
    variant = await seller_product(client, admin, db, None, price=60_000)
    buyer, headers = await user_with_token(client)
    await goodwill(client, admin, buyer["id"], 100_000)
    cancelled = (await buy(client, headers, [variant], wallet_amount=40_000)).json()
    expired = (await buy(client, headers, [variant], wallet_amount=30_000)).json()
    assert await wallet_balance(client, headers) == 30_000
    response = await client.post(f"/api/orders/{cancelled['orders'][0]['id']}/cancel", headers=headers,
                                 json={"reason": "pakai kartu lain"})
    assert response.status_code == 200 and response.json()["refunded_amount"] == 0
    async with db.session() as session:
        await session.execute(text("UPDATE inventory.reservation SET expires_at = now() - interval '1 minute' "
                                   "WHERE reference = :r"), {"r": expired["orders"][0]["id"]})
        await session.commit()
    from commerce.inventory.jobs import release_expired_job

    assert await release_expired_job(db, redis, settings) == 1
    await drain(settings, db, redis)
    expired_order = (await client.get(f"/api/orders/{expired['orders'][0]['id']}", headers=headers)).json()
    assert expired_order["status"] == "expired"
    assert await wallet_balance(client, headers) == 100_000
    kinds = [e["kind"] for e in (await client.get("/api/wallet", headers=headers)).json()["entries"]]
    assert kinds.count("wallet_released") == 2
    # The card part of the expired order is paid late: it goes straight back, the wallet is not paid twice.
    await pay(client, headers, expired["payment_intent_id"])
    await drain(settings, db, redis)
    intent = (await client.get(f"/api/payments/{expired['payment_intent_id']}", headers=headers)).json()
    assert intent["status"] == "refunded" and intent["amount_refunded"] == expired["payment_amount"]
    assert await wallet_balance(client, headers) == 100_000
    books_now = await books(client, admin)
    assert books_now["payment_clearing"] == 0 and books_now["cash"] == 0 and books_now["escrow"] == 0


async def test_wallet_entries_paginate_newest_first(client, db):
    admin = await admin_headers(client, db)
    buyer, headers = await user_with_token(client)
    for amount in (1_000, 2_000, 3_000):
        await goodwill(client, admin, buyer["id"], amount)
    first = (await client.get("/api/wallet", headers=headers, params={"limit": 2})).json()
    assert first["balance"] == 6_000 and [e["amount"] for e in first["entries"]] == [3_000, 2_000]
    assert [e["balance_after"] for e in first["entries"]] == [6_000, 3_000]
    rest = (await client.get("/api/wallet", headers=headers,
                             params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert [e["amount"] for e in rest["entries"]] == [1_000] and rest["next_cursor"] is None


async def test_goodwill_is_for_admins_and_known_users(client, db):
    admin = await admin_headers(client, db)
    buyer, headers = await user_with_token(client)
    url = f"/api/admin/wallets/{buyer['id']}/goodwill"
    granted = await client.post(url, headers=admin, json={"amount": 25_000, "reason": "paket telat"})
    assert granted.status_code == 201 and granted.json()["balance"] == 25_000
    assert_problem(await client.post(url, headers=headers, json={"amount": 1, "reason": "me"}), 403)
    assert_problem(await client.post(url, json={"amount": 1, "reason": "me"}), 401)
    assert_problem(await client.post(f"/api/admin/wallets/{uuid.uuid4()}/goodwill", headers=admin,
                                     json={"amount": 1, "reason": "x"}), 404)
    for bad in ({"amount": 0, "reason": "x"}, {"amount": -5, "reason": "x"}, {"amount": 10, "reason": ""},
                {"amount": 10}, {"amount": 10, "reason": "x", "balance": 1}):
        assert_problem(await client.post(url, headers=admin, json=bad), 422)
    assert await wallet_balance(client, headers) == 25_000
