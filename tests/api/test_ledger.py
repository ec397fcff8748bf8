"""The books seen by an admin: the trial balance, journals per order, and the settlement of orders
with refunds before and after completion, commission included, to the rupiah."""

from __future__ import annotations

from tests.events import drain
from tests.helpers import admin_headers, assert_problem, user_with_token
from tests.ledger_helpers import (
    balance,
    books,
    bought_and_paid,
    commission,
    completed_order,
    deliver,
    seller,
    seller_product,
    wallet_balance,
)


async def _refund(client, admin, order_id: str, amount: int, **extra):
    response = await client.post(f"/api/orders/{order_id}/refunds", headers=admin,
                                 json={"amount": amount, "reason": "barang rusak", **extra})
    assert response.status_code == 200, response.text
    return response.json()


async def test_trial_balance_is_for_admins_and_starts_balanced(client, db):
    admin = await admin_headers(client, db)
    report = (await books(client, admin))["_report"]
    assert report["total_debits"] == report["total_credits"] == 0 and report["journals"] == 0
    assert {k["kind"] for k in report["kinds"]} >= {"cash", "escrow", "commission", "wallet", "seller_available"}
    _, buyer = await user_with_token(client)
    assert_problem(await client.get("/api/admin/ledger/trial-balance", headers=buyer), 403)
    assert_problem(await client.get("/api/admin/ledger/trial-balance"), 401)


async def test_refund_before_completion_settles_the_rest(client, db, settings, redis):
    admin = await admin_headers(client, db)
    shop, shop_h = await seller(client, admin)
    variant = await seller_product(client, admin, db, shop["id"], price=200_000)
    buyer, buyer_h = await user_with_token(client)
    body = await bought_and_paid(client, buyer_h, [variant], settings, db, redis)
    order = body["orders"][0]
    await deliver(client, admin, order["id"], settings, db, redis)
    refunded = await _refund(client, admin, order["id"], 50_000)
    assert refunded["status"] == "delivered" and refunded["refunded_to_wallet"] == 50_000
    await drain(settings, db, redis)
    assert (await balance(client, shop_h))["pending"] == order["total"] - 50_000
    done = await client.post(f"/api/orders/{order['id']}/complete", headers=buyer_h)
    assert done.status_code == 200 and done.json()["status"] == "completed"
    await drain(settings, db, redis)
    fee = commission(200_000 - 50_000)
    now = await balance(client, shop_h)
    assert now == {**now, "available": order["total"] - 50_000 - fee, "pending": 0}
    assert await wallet_balance(client, buyer_h) == 50_000
    ledger = await books(client, admin)
    assert ledger["commission"] == fee and ledger["escrow"] == 0 and ledger["cash"] == order["total"]
    journals = await client.get("/api/admin/ledger/journals", headers=admin, params={"reference": order["id"]})
    assert [j["kind"] for j in journals.json()] == ["order_paid", "order_refund", "order_settled"]
    for journal in journals.json():
        assert sum(line["amount"] for line in journal["lines"]) == 0
    assert_problem(await client.get("/api/admin/ledger/journals", headers=admin), 422)
    assert_problem(await client.get("/api/admin/ledger/journals", headers=buyer_h,
                                    params={"reference": order["id"]}), 403)


async def test_refunds_after_completion_come_from_the_seller_and_the_commission(client, db, settings, redis):
    admin = await admin_headers(client, db)
    shop, shop_h = await seller(client, admin)
    variant = await seller_product(client, admin, db, shop["id"], price=200_000)
    buyer, buyer_h = await user_with_token(client)
    order = await completed_order(client, admin, buyer_h, variant, settings, db, redis)
    total = order["total"]
    assert (await balance(client, shop_h))["available"] == total - commission(200_000)
    await _refund(client, admin, order["id"], 100_000)
    await drain(settings, db, redis)
    given_back = commission(200_000) - commission(100_000)
    assert (await balance(client, shop_h))["available"] == total - commission(200_000) - (100_000 - given_back)
    assert (await books(client, admin))["commission"] == commission(100_000)
    # The seller withdraws everything, then the rest is refunded: the seller owes it (negative).
    available = (await balance(client, shop_h))["available"]
    payout = (await client.post("/api/payouts", headers=shop_h, json={"amount": available})).json()
    await client.post(f"/api/admin/payouts/{payout['id']}/approve", headers=admin)
    await client.post(f"/api/admin/payouts/{payout['id']}/mark-paid", headers=admin, json={"reference": "TRF-0001"})
    await _refund(client, admin, order["id"], total - 100_000)
    await drain(settings, db, redis)
    owed = await balance(client, shop_h)
    assert owed["available"] == -available and owed["in_payout"] == 0
    assert_problem(await client.post("/api/payouts", headers=shop_h, json={"amount": 10_000}), 422,
                   "insufficient_balance")
    assert await wallet_balance(client, buyer_h) == total
    ledger = await books(client, admin)
    assert ledger["commission"] == 0 and ledger["seller_available"] == -available
    assert ledger["cash"] == total - available  # the money went to the seller's bank and back to the buyer


async def test_platform_orders_are_sales_revenue(client, db, settings, redis):
    admin = await admin_headers(client, db)
    variant = await seller_product(client, admin, db, None, price=75_000)
    _, buyer_h = await user_with_token(client)
    order = await completed_order(client, admin, buyer_h, variant, settings, db, redis, payment_method="ewallet")
    ledger = await books(client, admin)
    assert ledger["sales"] == order["total"] and ledger["commission"] == 0 and ledger["escrow"] == 0
    assert ledger["seller_available"] == 0
    await _refund(client, admin, order["id"], 5_000, refund_to="original")
    await drain(settings, db, redis)
    ledger = await books(client, admin)
    assert ledger["sales"] == order["total"] - 5_000 and ledger["cash"] == order["total"] - 5_000
    assert ledger["payment_clearing"] == 0 and await wallet_balance(client, buyer_h) == 0
