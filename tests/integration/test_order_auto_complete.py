"""The worker's periodic `orders.auto_complete` job: an order delivered more than
LAKOO_AUTO_COMPLETE_DAYS ago completes by itself and its escrow settles to the seller (net of the
commission, and of a partial refund); one delivered more recently waits for the buyer."""

from __future__ import annotations

from sqlalchemy import text

from commerce.orders.handlers import auto_complete_job
from tests.events import drain
from tests.helpers import admin_headers
from tests.ledger_helpers import balance, books, commission, deliver
from tests.seller_factories import approved_seller, live_product, paid_order

PRICE = 150_000


async def _delivered_days_ago(db, order_id: str, days: float) -> None:
    async with db.session() as session:
        await session.execute(text('UPDATE orders."order" SET delivered_at = now() - make_interval(secs => :s) '
                                   "WHERE id = :id"), {"s": days * 86_400, "id": order_id})
        await session.commit()


async def test_delivered_orders_complete_after_n_days_and_settle(client, settings, db, redis):
    days = settings.auto_complete_days
    admin = await admin_headers(client, db)
    shop, seller = await approved_seller(client, admin)
    product = await live_product(client, seller, admin, stock=10, price=PRICE)
    old, old_buyer = await paid_order(client, settings, db, redis, product)
    recent, _ = await paid_order(client, settings, db, redis, product)
    for order in (old, recent):
        await deliver(client, admin, order["id"], settings, db, redis)
    refunded = await client.post(f"/api/orders/{old['id']}/refunds", headers=admin,
                                 json={"amount": 25_000, "reason": "kemasan penyok"})
    assert refunded.status_code == 200 and refunded.json()["status"] == "delivered", refunded.text
    await _delivered_days_ago(db, old["id"], days + 1)
    await _delivered_days_ago(db, recent["id"], days - 1)

    assert await auto_complete_job(db, redis, settings) == 1
    assert await auto_complete_job(db, redis, settings) == 0  # nothing left to do, nothing done twice
    await drain(settings, db, redis)

    done = (await client.get(f"/api/orders/{old['id']}", headers=old_buyer)).json()
    assert done["status"] == "completed" and done["completed_at"]
    assert done["timeline"][-1]["from_status"] == "delivered"
    assert done["timeline"][-1]["note"] == "completed automatically after delivery"
    waiting = (await client.get(f"/api/orders/{recent['id']}", headers=admin)).json()
    assert waiting["status"] == "delivered" and waiting["completed_at"] is None

    kept = old["total"] - 25_000
    fee = commission(PRICE - 25_000)
    journals = (await client.get("/api/admin/ledger/journals", headers=admin, params={"reference": old["id"]})).json()
    assert [j["kind"] for j in journals] == ["order_paid", "order_refund", "order_settled"]
    settled = {line["account"]: line["amount"] for line in journals[-1]["lines"]}
    assert settled == {f"escrow:{shop['id']}": kept, f"seller_available:{shop['id']}": -(kept - fee),
                       "commission:platform": -fee}, journals[-1]
    now = await balance(client, seller)
    assert now["available"] == kept - fee and now["pending"] == recent["total"]
    ledger = await books(client, admin)
    assert ledger["commission"] == fee and ledger["escrow"] == recent["total"]

