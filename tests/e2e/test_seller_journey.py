"""The brief's Seller journey over HTTP: register as seller → verified → create product draft → submit →
approved → live → receive order → process → ship with tracking → delivered → completed → payout."""

from __future__ import annotations

from tests.events import drain
from tests.factories import ADDRESS
from tests.helpers import PASSWORD, admin_headers


async def _token(client, email: str) -> dict[str, str]:
    tokens = (await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def test_seller_journey(client, settings, db, redis):
    admin = await admin_headers(client, db)
    category = (await client.post("/api/categories", headers=admin, json={"name": "Kain"})).json()

    # register → apply as a seller
    registered = await client.post("/api/auth/register", json={
        "email": "seruni@example.com", "password": PASSWORD, "username": "seruni"})
    assert registered.status_code == 201
    seller_id = registered.json()["id"]
    seller = await _token(client, "seruni@example.com")
    applied = await client.post("/api/sellers/apply", headers=seller, json={
        "shop_name": "Tenun Seruni", "handle": "tenun-seruni", "description": "Tenun ikat dari Sumba",
        "province": "Nusa Tenggara Timur", "city": "Waingapu", "business_type": "individual",
        "legal_name": "Seruni Rahayu", "nik": "5302015708900001",
        "payout_account": {"bank_code": "bri", "account_number": "0123-01-000123-56-7",
                           "holder_name": "Seruni Rahayu"}})
    assert applied.status_code == 201, applied.text
    assert applied.json()["status"] == "pending"
    assert applied.json()["payout_account"]["account_number_masked"] == "••••3567"

    # admin verifies
    queue = (await client.get("/api/sellers/applications", headers=admin, params={"status": "pending"})).json()
    assert [a["user_id"] for a in queue["items"]] == [seller_id]
    verified = await client.post(f"/api/sellers/applications/{seller_id}/approve", headers=admin)
    assert verified.status_code == 200 and verified.json()["status"] == "approved"
    seller = await _token(client, "seruni@example.com")  # the new token carries the seller role
    assert "seller" in (await client.get("/api/auth/verify", headers=seller)).json()["roles"]

    # create product draft → submit
    draft = await client.post("/api/sellers/me/products", headers=seller, json={
        "name": "Kain Tenun Ikat Sumba", "description": "Tenun ikat pewarna alami, 2 x 1 m",
        "category_id": category["id"],
        "variants": [{"sku": "SUMBA-IKAT-01", "attributes": {"motif": "kuda"}, "price": 850_000, "weight_grams": 600}],
        "images": [{"url": "https://img.example.com/sumba.jpg", "width": 1080, "height": 1350}]})
    assert draft.status_code == 201, draft.text
    product_id = draft.json()["id"]
    variant_id = draft.json()["variants"][0]["id"]
    warehouse = (await client.post("/api/sellers/me/warehouses", headers=seller, json={
        "code": "SUMBA-1", "name": "Rumah Tenun", "province": "NTT", "city": "Waingapu"})).json()
    stocked = await client.post("/api/sellers/me/stock", headers=seller, json={
        "warehouse_id": warehouse["id"], "variant_id": variant_id, "quantity": 5})
    assert stocked.status_code == 200
    submitted = await client.post(f"/api/sellers/me/products/{product_id}/submit", headers=seller)
    assert submitted.json()["status"] == "pending_review"

    # admin approves → live: listed publicly and taggable in a post
    pending = (await client.get("/api/moderation/products", headers=admin)).json()["items"]
    assert [p["id"] for p in pending] == [product_id]
    approved = await client.post(f"/api/products/{product_id}/approve", headers=admin)
    assert approved.status_code == 200 and approved.json()["status"] == "active"
    listed = (await client.get("/api/products", params={"q": "tenun sumba"})).json()["items"]
    assert [p["id"] for p in listed] == [product_id] and listed[0]["in_stock"] is True
    post = await client.post("/api/posts", headers=seller, json={
        "text": "Koleksi baru dari Sumba #tenun",
        "images": [{"url": "https://img.example.com/post.jpg", "width": 1080, "height": 1350}],
        "product_tags": [{"product_id": product_id, "image_index": 0, "x": 0.5, "y": 0.5}]})
    assert post.status_code == 201, post.text
    assert (await client.get("/api/shops/tenun-seruni")).json()["products"]["items"][0]["id"] == product_id

    # a buyer orders it: cart → checkout → pay with the test provider
    await client.post("/api/auth/register", json={"email": "dina@example.com", "password": PASSWORD,
                                                  "username": "dina"})
    buyer = await _token(client, "dina@example.com")
    await client.post("/api/cart/items", headers=buyer, json={"variant_id": variant_id, "quantity": 1,
                                                              "post_id": post.json()["id"], "surface": "following"})
    address = (await client.post("/api/addresses", headers=buyer, json=ADDRESS)).json()
    placed = await client.post("/api/checkout", headers={**buyer, "Idempotency-Key": "dina-tenun-1"}, json={
        "address_id": address["id"], "shipping": {"courier": "test", "service": "regular"},
        "payment_method": "bank_va"})
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["orders"][0]["id"]
    assert placed.json()["orders"][0]["seller_id"] == seller_id
    paid = await client.post("/api/payments", headers=buyer, json={
        "intent_id": placed.json()["payment_intent_id"], "test_scenario": "success"})
    assert paid.status_code == 200
    await drain(settings, db, redis)

    # the seller receives the order → accepts → packs → ships with tracking
    inbox = (await client.get("/api/sellers/me/orders", headers=seller, params={"status": "paid"})).json()["items"]
    assert [o["id"] for o in inbox] == [order_id]
    assert (await client.post(f"/api/sellers/me/orders/{order_id}/accept", headers=seller)).json()["status"] == \
        "processing"
    assert (await client.post(f"/api/sellers/me/orders/{order_id}/pack", headers=seller)).json()["packed_at"]
    shipped = await client.post(f"/api/sellers/me/orders/{order_id}/ship", headers=seller,
                                json={"courier": "test", "tracking_number": "LKT-SUMBA-0001"})
    assert shipped.status_code == 200, shipped.text
    shipment_id = shipped.json()["tracking"]["id"]

    # the courier delivers (test courier) → the buyer tracks it and confirms
    for _ in range(3):
        await client.post(f"/api/shipping/test-courier/shipments/{shipment_id}/advance", headers=admin)
    await drain(settings, db, redis)
    tracked = (await client.get(f"/api/orders/{order_id}", headers=buyer)).json()
    assert tracked["status"] == "delivered" and tracked["tracking"]["tracking_number"] == "LKT-SUMBA-0001"
    assert [t["to_status"] for t in tracked["timeline"]] == [
        "pending_payment", "paid", "processing", "processing", "shipped", "delivered"]
    completed = await client.post(f"/api/orders/{order_id}/complete", headers=buyer)
    assert completed.status_code == 200 and completed.json()["status"] == "completed"
    await drain(settings, db, redis)

    # the seller's figures follow
    stats = (await client.get("/api/sellers/me/stats", headers=seller)).json()
    assert stats["active_products"] == 1 and stats["orders_completed"] == 1
    assert stats["gmv_completed"] == placed.json()["orders"][0]["total"]
    stock = (await client.get("/api/sellers/me/stock", headers=seller)).json()["items"]
    assert [(s["on_hand"], s["available"]) for s in stock] == [(4, 4)]

    # the money is the seller's once the order completes, minus the 5% commission on the goods
    balance = (await client.get("/api/sellers/me/balance", headers=seller)).json()
    total = placed.json()["orders"][0]["total"]
    assert balance["pending"] == 0 and balance["available"] == total - 850_000 * 5 // 100

    # receive payout: request → admin approves → admin marks paid with the bank reference
    payout = (await client.post("/api/payouts", headers=seller, json={"amount": balance["available"]})).json()
    assert payout["status"] == "requested"
    assert [p["id"] for p in (await client.get("/api/admin/payouts", headers=admin)).json()["items"]] == [payout["id"]]
    assert (await client.post(f"/api/admin/payouts/{payout['id']}/approve", headers=admin)).json()["status"] == \
        "approved"
    paid = (await client.post(f"/api/admin/payouts/{payout['id']}/mark-paid", headers=admin,
                              json={"reference": "BRI-TRF-000123"})).json()
    assert paid["status"] == "paid" and paid["bank_reference"] == "BRI-TRF-000123"
    assert (await client.get("/api/sellers/me/balance", headers=seller)).json()["available"] == 0
    statement = (await client.get("/api/sellers/me/entries", headers=seller)).json()["items"]
    assert [e["kind"] for e in statement][:2] == ["payout_paid", "payout_requested"]
    await drain(settings, db, redis)

    # and the books balance: every account equals the sum of its entries
    books = (await client.get("/api/admin/ledger/trial-balance", headers=admin)).json()
    assert books["balanced"] and books["cached_mismatches"] == []
    by_kind = {k["kind"]: k["balance"] for k in books["kinds"]}
    assert by_kind["commission"] == 850_000 * 5 // 100 and by_kind["escrow"] == 0

    # every step told the right person: the brief's notifications, newest first in each inbox
    seller_types = [n["type"] for n in (await client.get("/api/notifications", headers=seller)).json()["items"]]
    assert sorted(seller_types) == ["order_paid", "payout_paid", "product_approved", "seller_approved"]
    buyer_inbox = (await client.get("/api/notifications", headers=buyer)).json()["items"]
    assert sorted(n["type"] for n in buyer_inbox) == ["order_delivered", "order_paid", "order_placed",
                                                      "order_shipped"]
    shipped_note = next(n for n in buyer_inbox if n["type"] == "order_shipped")
    assert shipped_note["data"]["tracking_number"] == "LKT-SUMBA-0001"
    seller_paid = next(n for n in (await client.get("/api/notifications", headers=seller)).json()["items"]
                       if n["type"] == "order_paid")
    assert seller_paid["data"]["role"] == "seller"
