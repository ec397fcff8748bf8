"""Seller balances and payouts: the money of a completed order, minus the commission, becomes
withdrawable; payouts are reserved, approved, paid — each step on the ledger — and a seller only
ever sees their own."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import select, text

from commerce.core.outbox import OutboxEvent
from commerce.payouts import service as payouts
from commerce.payouts.errors import BankReferenceTaken
from tests.events import drain
from tests.helpers import admin_headers, assert_problem, user_with_token
from tests.ledger_helpers import (
    balance,
    books,
    bought_and_paid,
    commission,
    completed_order,
    seller,
    seller_product,
)
from tests.locks import wait_for_lock_waiters


async def _earning_seller(client, db, settings, redis, *, price: int = 200_000):
    """A seller with one completed order; returns (admin, seller, seller headers, order)."""
    admin = await admin_headers(client, db)
    shop, shop_h = await seller(client, admin)
    variant = await seller_product(client, admin, db, shop["id"], price=price)
    _, buyer = await user_with_token(client)
    order = await completed_order(client, admin, buyer, variant, settings, db, redis)
    return admin, shop, shop_h, order


async def _request(client, headers, amount, **extra):
    return await client.post("/api/payouts", headers=headers, json={"amount": amount, **extra})


async def test_completed_order_becomes_available_minus_commission(client, db, settings, redis):
    admin = await admin_headers(client, db)
    shop, shop_h = await seller(client, admin)
    variant = await seller_product(client, admin, db, shop["id"], price=99_999)
    _, buyer = await user_with_token(client)
    assert await balance(client, shop_h) == {"seller_id": shop["id"], "currency": "IDR", "available": 0,
                                             "pending": 0, "in_payout": 0, "minimum_payout": 10_000}
    body = await bought_and_paid(client, buyer, [variant], settings, db, redis)
    order = body["orders"][0]
    assert (await balance(client, shop_h))["pending"] == order["total"]
    done = await completed_order(client, admin, buyer, variant, settings, db, redis)
    fee = commission(done["subtotal"])
    assert fee == 5_000  # 4,999.95 rounds up: the rupiah goes to the platform, none is lost
    now = await balance(client, shop_h)
    assert now["available"] == done["total"] - fee and now["pending"] == order["total"]
    entries = (await client.get("/api/sellers/me/entries", headers=shop_h)).json()["items"]
    settled = [e for e in entries if e["kind"] == "order_settled"]
    assert {(e["account"], e["amount"]) for e in settled} == {("escrow", -done["total"]),
                                                              ("seller_available", done["total"] - fee)}
    ledger = await books(client, admin)
    assert ledger["commission"] == fee and ledger["escrow"] == order["total"]


async def test_payout_request_approve_and_pay(client, db, settings, redis):
    admin, shop, shop_h, order = await _earning_seller(client, db, settings, redis)
    available = (await balance(client, shop_h))["available"]
    response = await _request(client, shop_h, 100_000, note="tarik dana minggu ini")
    assert response.status_code == 201, response.text
    payout = response.json()
    assert payout["status"] == "requested" and payout["seller_id"] == shop["id"] and payout["amount"] == 100_000
    assert await balance(client, shop_h) == {**await balance(client, shop_h), "available": available - 100_000,
                                             "in_payout": 100_000}
    queue = (await client.get("/api/admin/payouts", headers=admin)).json()["items"]
    assert [p["id"] for p in queue] == [payout["id"]]
    approved = await client.post(f"/api/admin/payouts/{payout['id']}/approve", headers=admin)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert (await client.get("/api/admin/payouts", headers=admin)).json()["items"] == []
    transfer_queue = (await client.get("/api/admin/payouts", headers=admin, params={"status": "approved"})).json()
    assert [p["id"] for p in transfer_queue["items"]] == [payout["id"]]
    paid = await client.post(f"/api/admin/payouts/{payout['id']}/mark-paid", headers=admin,
                             json={"reference": "BCA-20261125-0001"})
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid" and paid.json()["bank_reference"] == "BCA-20261125-0001"
    now = await balance(client, shop_h)
    assert now["available"] == available - 100_000 and now["in_payout"] == 0
    mine = (await client.get("/api/payouts", headers=shop_h)).json()["items"]
    assert [(p["id"], p["status"]) for p in mine] == [(payout["id"], "paid")]
    kinds = [e["kind"] for e in (await client.get("/api/sellers/me/entries", headers=shop_h,
                                                  params={"account": "payout"})).json()["items"]]
    assert kinds == ["payout_paid", "payout_requested"]
    ledger = await books(client, admin)
    assert ledger["cash"] == order["total"] - 100_000 and ledger["seller_payout"] == 0
    async with db.session() as session:
        topics = list(await session.scalars(select(OutboxEvent.topic).where(OutboxEvent.topic.like("payout.%"))
                                            .order_by(OutboxEvent.id)))
    assert topics == ["payout.requested", "payout.approved", "payout.paid"]


async def test_payout_amount_rules(client, db, settings, redis):
    admin, shop, shop_h, order = await _earning_seller(client, db, settings, redis)
    available = (await balance(client, shop_h))["available"]
    over = assert_problem(await _request(client, shop_h, available + 1), 422, "insufficient_balance")
    assert over["available"] == available
    assert_problem(await _request(client, shop_h, 0), 422)
    assert_problem(await _request(client, shop_h, -50_000), 422)
    assert_problem(await _request(client, shop_h, 9_999), 422, "payout_below_minimum")
    assert_problem(await _request(client, shop_h, "100000"), 422)
    assert_problem(await _request(client, shop_h, 10.5), 422)
    assert_problem(await _request(client, shop_h, 20_000, status="paid"), 422)
    assert_problem(await _request(client, shop_h, 20_000, seller_id=str(uuid.uuid4())), 422)
    assert_problem(await client.post("/api/payouts", headers=shop_h, content=b"{"), 422)
    assert (await balance(client, shop_h))["available"] == available
    # Reserved amounts count: two requests cannot withdraw more than the balance together.
    assert (await _request(client, shop_h, available - 10_000)).status_code == 201
    assert_problem(await _request(client, shop_h, 10_001), 422, "insufficient_balance")
    assert (await _request(client, shop_h, 10_000)).status_code == 201
    assert (await balance(client, shop_h))["available"] == 0
    await books(client, admin)


async def test_reject_and_cancel_return_the_money(client, db, settings, redis):
    admin, shop, shop_h, _ = await _earning_seller(client, db, settings, redis)
    available = (await balance(client, shop_h))["available"]
    first = (await _request(client, shop_h, 50_000)).json()
    second = (await _request(client, shop_h, 30_000)).json()
    rejected = await client.post(f"/api/admin/payouts/{first['id']}/reject", headers=admin,
                                 json={"reason": "nama rekening tidak cocok"})
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected" and rejected.json()["reject_reason"] == "nama rekening tidak cocok"
    cancelled = await client.post(f"/api/payouts/{second['id']}/cancel", headers=shop_h)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert await balance(client, shop_h) == {**await balance(client, shop_h), "available": available, "in_payout": 0}
    # Ended payouts stay ended.
    for url, body in ((f"/api/admin/payouts/{first['id']}/approve", None),
                      (f"/api/admin/payouts/{first['id']}/mark-paid", {"reference": "REF-0001"}),
                      (f"/api/admin/payouts/{second['id']}/reject", {"reason": "x"})):
        assert_problem(await client.post(url, headers=admin, json=body), 409, "invalid_payout_transition")
    assert_problem(await client.post(f"/api/payouts/{second['id']}/cancel", headers=shop_h), 409)
    # An approved payout is the admin's to reject, not the seller's to cancel; paying needs approval.
    third = (await _request(client, shop_h, 20_000)).json()
    assert_problem(await client.post(f"/api/admin/payouts/{third['id']}/mark-paid", headers=admin,
                                     json={"reference": "REF-0002"}), 409)
    await client.post(f"/api/admin/payouts/{third['id']}/approve", headers=admin)
    assert_problem(await client.post(f"/api/payouts/{third['id']}/cancel", headers=shop_h), 409)
    bounced = await client.post(f"/api/admin/payouts/{third['id']}/reject", headers=admin,
                                json={"reason": "transfer bounced"})
    assert bounced.status_code == 200
    assert (await balance(client, shop_h))["available"] == available
    await books(client, admin)


async def test_admin_payout_inputs(client, db, settings, redis):
    admin, shop, shop_h, _ = await _earning_seller(client, db, settings, redis)
    payout = (await _request(client, shop_h, 40_000)).json()
    url = f"/api/admin/payouts/{payout['id']}"
    assert_problem(await client.post(f"{url}/reject", headers=admin, json={}), 422)
    assert_problem(await client.post(f"{url}/reject", headers=admin, json={"reason": "  "}), 422)
    await client.post(f"{url}/approve", headers=admin)
    for reference in ("", "ab", "x" * 101, "; DROP TABLE", "<script>"):
        assert_problem(await client.post(f"{url}/mark-paid", headers=admin, json={"reference": reference}), 422)
    assert_problem(await client.post(f"/api/admin/payouts/{uuid.uuid4()}/approve", headers=admin), 404,
                   "payout_not_found")
    assert_problem(await client.get("/api/admin/payouts", headers=admin, params={"status": "lost"}), 422)
    paid = await client.post(f"{url}/mark-paid", headers=admin, json={"reference": "MANDIRI 778812"})
    assert paid.status_code == 200
    # One bank transfer pays one payout.
    other = (await _request(client, shop_h, 10_000)).json()
    await client.post(f"/api/admin/payouts/{other['id']}/approve", headers=admin)
    taken = assert_problem(await client.post(f"/api/admin/payouts/{other['id']}/mark-paid", headers=admin,
                                             json={"reference": "MANDIRI 778812"}), 409, "bank_reference_taken")
    assert taken["reference"] == "MANDIRI 778812"
    assert (await client.get(f"/api/payouts/{other['id']}", headers=shop_h)).json()["status"] == "approved"


async def test_a_bank_reference_used_concurrently_pays_one_payout(client, db, settings, redis):
    """Another admin's mark-paid with the same reference is in flight (written, not committed): the
    check cannot see it, the unique index can — 409 `bank_reference_taken`, never a 500, and the
    payout stays approved with its money still reserved."""
    admin, shop, shop_h, _ = await _earning_seller(client, db, settings, redis)
    first, second = [(await _request(client, shop_h, 20_000)).json()["id"] for _ in range(2)]
    for payout_id in (first, second):
        assert (await client.post(f"/api/admin/payouts/{payout_id}/approve", headers=admin)).status_code == 200

    async def mark_second() -> None:
        async with db.session() as session:
            await payouts.mark_paid(session, payout_id=uuid.UUID(second), admin_id=uuid.uuid4(),
                                    reference="BCA-RACE-0001")

    async with db.session() as other_admin:
        await other_admin.execute(text("UPDATE payouts.payout SET bank_reference = 'BCA-RACE-0001' WHERE id = :id"),
                                  {"id": first})
        racer = asyncio.create_task(mark_second())
        await wait_for_lock_waiters(db)
        await other_admin.commit()
    with pytest.raises(BankReferenceTaken):
        await racer
    assert (await client.get(f"/api/payouts/{second}", headers=shop_h)).json()["status"] == "approved"
    assert (await balance(client, shop_h))["in_payout"] == 40_000
    paid = await client.post(f"/api/admin/payouts/{second}/mark-paid", headers=admin,
                             json={"reference": "BCA-RACE-0002"})
    assert paid.status_code == 200, paid.text
    await books(client, admin)


async def test_sellers_only_ever_see_their_own(client, db, settings, redis):
    admin, shop, shop_h, _ = await _earning_seller(client, db, settings, redis)
    rival, rival_h = await seller(client, admin)
    payout = (await _request(client, shop_h, 30_000)).json()
    assert_problem(await client.get(f"/api/payouts/{payout['id']}", headers=rival_h), 404, "payout_not_found")
    assert_problem(await client.post(f"/api/payouts/{payout['id']}/cancel", headers=rival_h), 404)
    assert (await client.get("/api/payouts", headers=rival_h)).json()["items"] == []
    assert (await client.get("/api/sellers/me/entries", headers=rival_h)).json()["items"] == []
    assert (await balance(client, rival_h))["available"] == 0
    assert (await client.get(f"/api/payouts/{payout['id']}", headers=admin)).json()["id"] == payout["id"]
    # Sellers are not admins; buyers are not sellers; nobody anonymous.
    for method, url in (("post", f"/api/admin/payouts/{payout['id']}/approve"), ("get", "/api/admin/payouts"),
                        ("get", "/api/admin/ledger/trial-balance")):
        assert_problem(await getattr(client, method)(url, headers=shop_h), 403, "role_required")
    _, buyer = await user_with_token(client)
    for method, url in (("get", "/api/sellers/me/balance"), ("get", "/api/sellers/me/entries"),
                        ("get", "/api/payouts"), ("post", f"/api/payouts/{payout['id']}/cancel")):
        assert_problem(await getattr(client, method)(url, headers=buyer), 403, "seller_required")
        assert_problem(await getattr(client, method)(url), 401)
    assert_problem(await _request(client, buyer, 10_000), 403, "seller_required")
    assert_problem(await client.get(f"/api/payouts/{payout['id']}", headers=buyer), 404)
    assert (await client.get(f"/api/payouts/{payout['id']}", headers=shop_h)).json()["status"] == "requested"


async def test_an_admin_never_decides_on_their_own_payout(client, db, settings, redis):
    admin, shop, shop_h, _ = await _earning_seller(client, db, settings, redis)
    made_admin = await client.post(f"/api/auth/users/{shop['id']}/roles", headers=admin, json={"role": "admin"})
    assert made_admin.status_code == 200
    from tests.helpers import login

    both = {"Authorization": f"Bearer {(await login(client, shop['email']))['access_token']}"}
    payout = (await _request(client, both, 10_000)).json()
    assert_problem(await client.post(f"/api/admin/payouts/{payout['id']}/approve", headers=both), 403, "own_payout")
    assert (await client.post(f"/api/admin/payouts/{payout['id']}/approve", headers=admin)).status_code == 200


async def test_entries_filter_and_paginate(client, db, settings, redis):
    admin, shop, shop_h, order = await _earning_seller(client, db, settings, redis)
    for _ in range(2):
        await _request(client, shop_h, 10_000)
    everything = (await client.get("/api/sellers/me/entries", headers=shop_h, params={"limit": 100})).json()["items"]
    assert len(everything) == 3 + 2 * 2  # escrow in and out, available in; two payouts on two accounts each
    pages, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/sellers/me/entries", headers=shop_h, params=params)).json()
        pages += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert [e["id"] for e in pages] == [e["id"] for e in everything]
    pending = (await client.get("/api/sellers/me/entries", headers=shop_h, params={"account": "pending"})).json()
    assert {e["account"] for e in pending["items"]} == {"escrow"}
    assert_problem(await client.get("/api/sellers/me/entries", headers=shop_h, params={"account": "wallet"}), 422)
    assert_problem(await client.get("/api/sellers/me/entries", headers=shop_h, params={"cursor": "bm9wZQ"}), 422,
                   "invalid_cursor")
    await drain(settings, db, redis)
