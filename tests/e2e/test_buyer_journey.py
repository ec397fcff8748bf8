"""The brief's Buyer journey over HTTP: register → login → browse feed → see posts with product tags
→ tap a tag → product → add to cart → view cart → checkout with a shipping address → pay →
confirmation → track order → delivered → leave a review."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from tests.events import drain
from tests.factories import ADDRESS, stocked_product
from tests.helpers import PASSWORD, admin_headers, user_with_token


async def test_buyer_journey(client, settings, db, redis):
    admin = await admin_headers(client, db)
    shoes = await stocked_product(client, admin, quantity=10, name="Sepatu Lari Pria", price=450_000)
    creator, creator_h = await user_with_token(client, "sari")
    post = (await client.post("/api/posts", headers=creator_h, json={
        "text": "Sepatu andalan lari pagi #laripagi",
        "images": [{"url": "https://img.example.com/run.jpg", "width": 1080, "height": 1350}],
        "product_tags": [{"product_id": shoes["id"], "image_index": 0, "x": 0.5, "y": 0.8}],
    })).json()

    # register → login
    registered = await client.post("/api/auth/register",
                                   json={"email": "dina@example.com", "password": PASSWORD, "username": "dina"})
    assert registered.status_code == 201
    tokens = (await client.post("/api/auth/login", json={"email": "dina@example.com", "password": PASSWORD})).json()
    me = {"Authorization": f"Bearer {tokens['access_token']}"}
    await client.post(f"/api/users/{creator['id']}/follow", headers=me)
    await drain(settings, db, redis)

    # browse feed → see the post with its product tag → tap the tag → product page
    feed = (await client.get("/api/feed/following", headers=me)).json()
    card = feed["items"][0]
    assert card["id"] == post["id"]
    tag = card["product_tags"][0]
    assert tag["product"]["name"] == "Sepatu Lari Pria" and tag["product"]["in_stock"] is True
    now = datetime.now(UTC).isoformat()
    await client.post("/api/interactions", headers=me, json={"events": [
        {"event_id": str(uuid.uuid4()), "type": "product_tag_click", "occurred_at": now, "surface": "following",
         "post_id": post["id"], "product_id": tag["product_id"]}]})
    product = (await client.get(f"/api/products/{tag['product_id']}")).json()
    variant = product["variants"][0]["id"]

    # add to cart (attributed to the post) → view cart
    added = await client.post("/api/cart/items", headers=me, json={
        "variant_id": variant, "quantity": 2, "post_id": post["id"], "surface": "following"})
    assert added.status_code == 200
    cart = (await client.get("/api/cart", headers=me)).json()
    assert cart["subtotal"] == 900_000

    # checkout with a shipping address → pay (test mode) → confirmation
    address = (await client.post("/api/addresses", headers=me, json=ADDRESS)).json()
    rates = (await client.post("/api/shipping/rates", json={
        "destination_province": ADDRESS["province"], "weight_grams": 1000})).json()
    choice = next(r for r in rates if r["courier"] == "test")
    placed = await client.post("/api/checkout", headers={**me, "Idempotency-Key": "dina-1"}, json={
        "address_id": address["id"], "shipping": {"courier": choice["courier"], "service": choice["service"]},
        "payment_method": "ewallet"})
    assert placed.status_code == 201, placed.text
    body = placed.json()
    order_id = body["orders"][0]["id"]
    paid = await client.post("/api/payments", headers=me, json={"intent_id": body["payment_intent_id"],
                                                                "test_scenario": "success"})
    assert paid.status_code == 200, paid.text
    await drain(settings, db, redis)
    order = (await client.get(f"/api/orders/{order_id}", headers=me)).json()
    assert order["status"] == "paid"

    # track → delivered
    shipment = (await client.post(f"/api/orders/{order_id}/ship", json={}, headers=admin)).json()["tracking"]
    for _ in range(3):
        await client.post(f"/api/shipping/test-courier/shipments/{shipment['id']}/advance", headers=admin)
    await drain(settings, db, redis)
    tracked = (await client.get(f"/api/orders/{order_id}", headers=me)).json()
    assert tracked["status"] == "delivered"
    assert [t["to_status"] for t in tracked["timeline"]] == ["pending_payment", "paid", "shipped", "delivered"]

    # leave a review
    review = await client.post("/api/reviews", headers=me, json={
        "order_item_id": tracked["items"][0]["id"], "rating": 5, "text": "Mantap, pengiriman cepat"})
    assert review.status_code == 201
    assert (await client.get(f"/api/products/{product['id']}")).json()["rating_count"] == 1
