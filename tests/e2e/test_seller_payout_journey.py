"""The money end of the brief's Seller journey over HTTP: receive an order → it is delivered and
completed → the seller sees the money (minus commission) → requests a payout → an admin approves
and marks it paid → the books balance. Until the sellers context lands, the seller role is granted
by an admin and the product is assigned to the seller directly; the integrator replaces those two
steps with onboarding and product drafts and keeps the rest."""

from __future__ import annotations

from sqlalchemy import text

from tests.events import drain
from tests.factories import ADDRESS, stocked_product
from tests.helpers import admin_headers, login, user_with_token


async def test_seller_gets_paid_out(client, settings, db, redis):
    admin = await admin_headers(client, db)
    shop, _ = await user_with_token(client, "tokobatik")
    assert (await client.post(f"/api/auth/users/{shop['id']}/roles", headers=admin,
                              json={"role": "seller"})).status_code == 200
    seller = {"Authorization": f"Bearer {(await login(client, shop['email']))['access_token']}"}
    product = await stocked_product(client, admin, quantity=5, name="Kemeja Batik", price=250_000)
    async with db.session() as session:
        await session.execute(text("UPDATE catalog.product SET seller_id = :s WHERE id = :p"),
                              {"s": shop["id"], "p": product["id"]})
        await session.commit()

    # receive an order: a buyer checks out and pays
    _, buyer = await user_with_token(client, "rina")
    address = (await client.post("/api/addresses", headers=buyer, json=ADDRESS)).json()
    await client.post("/api/cart/items", headers=buyer,
                      json={"variant_id": product["variants"][0]["id"], "quantity": 2})
    placed = (await client.post("/api/checkout", headers={**buyer, "Idempotency-Key": "rina-1"}, json={
        "address_id": address["id"], "shipping": {"courier": "test", "service": "regular"},
        "payment_method": "ewallet"})).json()
    order_id = placed["orders"][0]["id"]
    await client.post("/api/payments", headers=buyer, json={"intent_id": placed["payment_intent_id"],
                                                            "test_scenario": "success"})
    await drain(settings, db, redis)
    pending = (await client.get("/api/sellers/me/balance", headers=seller)).json()
    assert pending["pending"] == placed["amount"] and pending["available"] == 0

    # ship with tracking → delivered → the buyer confirms receipt
    shipped = (await client.post(f"/api/orders/{order_id}/ship", headers=admin, json={})).json()
    for _ in range(3):
        await client.post(f"/api/shipping/test-courier/shipments/{shipped['tracking']['id']}/advance", headers=admin)
    await drain(settings, db, redis)
    assert (await client.post(f"/api/orders/{order_id}/complete", headers=buyer)).json()["status"] == "completed"
    await drain(settings, db, redis)

    # the money is the seller's, minus the 5% commission on the goods
    balance = (await client.get("/api/sellers/me/balance", headers=seller)).json()
    assert balance["pending"] == 0 and balance["available"] == placed["amount"] - 25_000

    # receive payout: request → admin approves → admin marks paid with the bank reference
    payout = (await client.post("/api/payouts", headers=seller, json={"amount": balance["available"]})).json()
    assert payout["status"] == "requested"
    queue = (await client.get("/api/admin/payouts", headers=admin)).json()["items"]
    assert [p["id"] for p in queue] == [payout["id"]]
    approved = await client.post(f"/api/admin/payouts/{payout['id']}/approve", headers=admin)
    assert approved.json()["status"] == "approved"
    paid = (await client.post(f"/api/admin/payouts/{payout['id']}/mark-paid", headers=admin,
                              json={"reference": "BCA-TRF-000123"})).json()
    assert paid["status"] == "paid" and paid["bank_reference"] == "BCA-TRF-000123"
    assert (await client.get("/api/sellers/me/balance", headers=seller)).json()["available"] == 0
    statement = (await client.get("/api/sellers/me/entries", headers=seller)).json()["items"]
    assert [e["kind"] for e in statement][:2] == ["payout_paid", "payout_requested"]

    # and the ledger balances
    books = (await client.get("/api/admin/ledger/trial-balance", headers=admin)).json()
    assert books["balanced"] and books["cached_mismatches"] == []
    by_kind = {k["kind"]: k["balance"] for k in books["kinds"]}
    assert by_kind["commission"] == 25_000 and by_kind["cash"] == 25_000 and by_kind["escrow"] == 0
