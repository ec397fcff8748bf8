"""The marketplace side of the seeded history: sellers applying and verified over the window, shops
owning most of what is listed, orders fulfilled by their sellers, payouts, the wallet, books that
balance — and a demo that shows it over HTTP, with an inbox that sends nothing for months-old events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from commerce.core.eventbus import read_dead_letters
from commerce.ledger import service as ledger
from serving.seed import DEMO_ADMIN, DEMO_PASSWORD, seed_demo
from tests.events import drain_all
from tests.helpers import login

USERS, DAYS = 500, 45


async def _rows(db, sql: str, **params) -> list:  # noqa: ANN001
    async with db.session() as session:
        return (await session.execute(text(sql), params)).all()


async def _value(db, sql: str, **params):  # noqa: ANN001, ANN202
    return (await _rows(db, sql, **params))[0][0]


async def _headers(client, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:  # noqa: ANN001
    tokens = await login(client, f"{username}@demo.lakoo.id", password)
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def test_sellers_shops_fulfilment_payouts_and_wallet_in_the_history(settings, db, redis, client):
    end = datetime.now(UTC).replace(microsecond=0)
    start = end - timedelta(days=DAYS)
    summary = await seed_demo(db, users=USERS, days=DAYS, seed=5, settings=settings, end=end)

    # Sellers in every status, applications and decisions spread over the window by the demo admin.
    statuses = dict(await _rows(db, "SELECT status, count(*) FROM sellers.seller GROUP BY 1"))
    assert statuses.get("approved", 0) >= 5 and statuses.get("rejected", 0) >= 1 and statuses.get("pending", 0) >= 1
    assert sum(statuses.values()) == summary.sellers["applications"]
    assert summary.sellers["approvals"] == statuses["approved"] and summary.sellers["reapplications"] >= 1
    weeks = await _value(db, "SELECT count(DISTINCT date_trunc('week', at)) FROM sellers.seller_review "
                             "WHERE decision = 'applied'")
    assert weeks >= 4, "applications should arrive week after week"
    low, high = (await _rows(db, "SELECT min(at), max(at) FROM sellers.seller_review"))[0]
    assert start <= low and high <= end
    reviewers = await _rows(db, "SELECT DISTINCT a.email FROM sellers.seller_review r "
                                "JOIN auth.account a ON a.id = r.reviewer_id")
    assert reviewers == [(DEMO_ADMIN["email"],)]
    assert await _value(db, "SELECT count(*) FROM sellers.seller_review WHERE decision = 'rejected' "
                            "AND reason IS NULL") == 0
    assert await _value(db, "SELECT count(*) FROM auth.account_role WHERE role = 'seller'") == statuses["approved"]
    # Decisions come in office hours (Monday to Saturday, 09:00–18:00 Jakarta time).
    assert await _value(db, """SELECT count(*) FROM sellers.seller_review WHERE decision <> 'applied' AND (
        extract(isodow FROM at AT TIME ZONE 'Asia/Jakarta') = 7
        OR extract(hour FROM at AT TIME ZONE 'Asia/Jakarta') NOT BETWEEN 9 AND 17)""") == 0

    # Sellers own most live products, each sold from its own seller's warehouses only.
    owned = dict(await _rows(db, "SELECT seller_id IS NOT NULL, count(*) FROM catalog.product "
                                 "WHERE status = 'active' GROUP BY 1"))
    assert owned[True] > 0 and owned[False] > 0
    assert await _value(db, "SELECT count(*) FROM catalog.product p LEFT JOIN sellers.seller s "
                            "ON s.user_id = p.seller_id WHERE p.seller_id IS NOT NULL "
                            "AND (s.user_id IS NULL OR s.status <> 'approved')") == 0
    assert await _value(db, "SELECT count(*) FROM catalog.product WHERE status = 'rejected' "
                            "AND rejection_reason IS NULL") == 0
    assert await _value(db, """
        SELECT count(*) FROM inventory.stock st JOIN inventory.warehouse w ON w.id = st.warehouse_id
        JOIN catalog.product_variant v ON v.id = st.variant_id JOIN catalog.product p ON p.id = v.product_id
        WHERE p.seller_id IS DISTINCT FROM w.seller_id""") == 0

    # A seller's orders are accepted, packed and shipped by the seller (with a tracking number),
    # delivered by the test courier and completed, or cancelled by the seller with a reason.
    seller_orders = dict(await _rows(db, "SELECT status, count(*) FROM orders.\"order\" "
                                         "WHERE seller_id IS NOT NULL GROUP BY 1"))
    assert seller_orders.get("completed", 0) > 0 and seller_orders.get("cancelled", 0) > 0, seller_orders
    assert seller_orders.get("paid", 0) + seller_orders.get("processing", 0) > 0, seller_orders
    reached = (await _rows(db, "SELECT count(accepted_at), count(packed_at), count(shipped_at), count(delivered_at), "
                               "count(completed_at) FROM orders.\"order\" WHERE seller_id IS NOT NULL"))[0]
    assert all(reached), reached
    assert await _value(db, "SELECT count(*) FROM orders.\"order\" WHERE seller_id IS NOT NULL AND shipped_at "
                            "IS NOT NULL AND (accepted_at IS NULL OR packed_at IS NULL)") == 0
    assert await _value(db, "SELECT count(*) FROM orders.order_status_change c JOIN orders.\"order\" o "
                            "ON o.id = c.order_id WHERE o.seller_id IS NOT NULL AND c.to_status = 'shipped' "
                            "AND c.note LIKE 'test LKS%'") > 0
    assert summary.order_outcomes["cancelled by the seller"] > 0
    assert await _value(db, "SELECT count(*) FROM platform.outbox_event WHERE topic = 'order.cancelled' "
                            "AND payload->>'cancelled_by' = 'seller' AND payload->>'reason' <> ''") > 0
    assert await _value(db, "SELECT count(*) FROM orders.\"order\" WHERE seller_id IS NULL "
                            "AND accepted_at IS NOT NULL") == 0  # the platform's own orders: the admin ships

    # Payouts asked for, approved and paid by the admin; the wallet spent at checkout.
    payouts = dict(await _rows(db, "SELECT status, count(*) FROM payouts.payout GROUP BY 1"))
    assert payouts.get("paid", 0) > 0 and payouts["paid"] == summary.payouts["paid"]
    assert await _value(db, "SELECT count(*) FROM payouts.payout WHERE status = 'paid' "
                            "AND (bank_reference IS NULL OR paid_by IS NULL)") == 0
    assert summary.wallet_checkouts > 0
    assert await _value(db, "SELECT count(*) FROM orders.\"order\" WHERE wallet_amount > 0") > 0

    # The books balance, and every order event is booked.
    async with db.session() as session:
        trial = await ledger.trial_balance(session)
    assert trial.balanced and trial.unbalanced_journals == 0 and trial.cached_mismatches == []
    assert trial.total_debits > 0
    assert await _value(db, """SELECT count(*) FROM platform.outbox_event e WHERE e.topic = 'order.completed'
        AND NOT EXISTS (SELECT 1 FROM ledger.journal j WHERE j.reference = e.payload->>'order_id'
                        AND j.kind = 'order_settled')
        """) == 0

    # The demo: the admin's queue, the demo shop's to-do list, balance and payouts, a buyer's wallet.
    admin = await _headers(client, "admin", DEMO_ADMIN["password"])
    queue = (await client.get("/api/sellers/applications", params={"status": "pending"}, headers=admin)).json()
    assert queue["items"] and all(item["status"] == "pending" for item in queue["items"])
    sari = await _headers(client, "demo_sari")
    todo = await client.get("/api/sellers/me/orders", params=[("status", "paid"), ("status", "processing")],
                            headers=sari)
    assert todo.status_code == 200 and todo.json()["items"]
    balance = (await client.get("/api/sellers/me/balance", headers=sari)).json()
    assert balance["available"] + balance["pending"] + balance["in_payout"] > 0
    assert (await client.get("/api/payouts", headers=sari)).json()["items"]
    budi = await _headers(client, "demo_budi")
    assert (await client.get("/api/wallet", headers=budi)).json()["balance"] > 0


async def test_the_worker_turns_the_history_into_inboxes_without_sending_old_news(settings, db, redis, client):
    end = datetime.now(UTC).replace(microsecond=0)
    start = end - timedelta(days=20)
    await seed_demo(db, users=120, days=20, seed=3, settings=settings, end=end)
    await drain_all(settings, db, redis)
    assert await read_dead_letters(redis) == []
    for name in ("demo_budi", "demo_sari"):
        inbox = (await client.get("/api/notifications", headers=await _headers(client, name))).json()["items"]
        assert inbox, name
    # Dated by their events, across the window; only the last day's (the demo shop's last orders)
    # go out by email, push or SMS.
    assert await _value(db, "SELECT min(created_at) FROM notifications.notification") < start + timedelta(days=3)
    sent_for = await _rows(db, """SELECT n.created_at FROM notifications.delivery d
        JOIN notifications.notification n ON n.id = d.notification_id""")
    assert sent_for and all(at > end - timedelta(seconds=settings.notification_outbound_max_age_s)
                            for (at,) in sent_for)
