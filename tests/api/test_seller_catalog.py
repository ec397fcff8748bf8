"""A seller's product drafts, the moderation queue, and the seller's warehouses and stock."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from commerce.core.outbox import OutboxEvent
from tests.factories import category, stocked_product, warehouse
from tests.helpers import admin_headers, assert_problem, user_with_token
from tests.seller_factories import apply, approved_seller, draft, live_product, product_body


async def _payloads(db, topic: str) -> list[dict]:
    async with db.session() as session:
        return list(await session.scalars(select(OutboxEvent.payload).where(OutboxEvent.topic == topic)))


async def test_draft_submit_approve_goes_live_and_taggable(client, db):
    admin = await admin_headers(client, db)
    seller_user, seller = await approved_seller(client, admin)
    product = await draft(client, seller, admin, name="Kain Songket Palembang")
    assert product["status"] == "draft" and product["seller_id"] == seller_user["id"]
    assert (await client.get(f"/api/products/{product['id']}")).status_code == 404  # not public yet

    edited = await client.patch(f"/api/sellers/me/products/{product['id']}", headers=seller,
                                json={"description": "Songket tenun tangan, benang emas"})
    assert edited.status_code == 200 and edited.json()["description"].startswith("Songket")
    variant = await client.post(f"/api/sellers/me/products/{product['id']}/variants", headers=seller, json={
        "sku": f"SONG-{uuid.uuid4().hex[:6]}", "attributes": {"size": "L"}, "price": 1_250_000, "weight_grams": 700})
    assert variant.status_code == 201, variant.text
    changed = await client.patch(f"/api/sellers/me/products/{product['id']}/variants/{variant.json()['id']}",
                                 headers=seller, json={"price": 1_200_000})
    assert changed.status_code == 200 and changed.json()["price"] == 1_200_000

    submitted = await client.post(f"/api/sellers/me/products/{product['id']}/submit", headers=seller)
    assert submitted.status_code == 200 and submitted.json()["status"] == "pending_review"
    queue = (await client.get("/api/moderation/products", headers=admin)).json()["items"]
    assert [(p["id"], p["seller_id"]) for p in queue] == [(product["id"], seller_user["id"])]

    approved = await client.post(f"/api/products/{product['id']}/approve", headers=admin)
    assert approved.status_code == 200 and approved.json()["status"] == "active"
    [event] = await _payloads(db, "product.approved")
    assert event["seller_id"] == seller_user["id"] and event["product_id"] == product["id"]
    listed = (await client.get("/api/products", params={"seller_id": seller_user["id"]})).json()["items"]
    assert [p["id"] for p in listed] == [product["id"]]
    _, poster = await user_with_token(client)
    post = await client.post("/api/posts", headers=poster, json={
        "text": "Songket untuk kondangan #batik",
        "images": [{"url": "https://img.example.com/songket.jpg", "width": 1080, "height": 1350}],
        "product_tags": [{"product_id": product["id"], "image_index": 0, "x": 0.4, "y": 0.6}]})
    assert post.status_code == 201, post.text

    mine = (await client.get("/api/sellers/me/products", headers=seller)).json()["items"]
    assert [(p["id"], p["status"]) for p in mine] == [(product["id"], "active")]


async def test_rejection_reason_reaches_the_seller_and_edit_reopens_the_draft(client, db):
    admin = await admin_headers(client, db)
    seller_user, seller = await approved_seller(client, admin)
    product = await draft(client, seller, admin)
    await client.post(f"/api/sellers/me/products/{product['id']}/submit", headers=seller)
    rejected = await client.post(f"/api/products/{product['id']}/reject", headers=admin,
                                 json={"reason": "Photos show a different product"})
    assert rejected.status_code == 200
    [event] = await _payloads(db, "product.rejected")
    assert event["seller_id"] == seller_user["id"] and event["reason"] == "Photos show a different product"
    rows = (await client.get("/api/sellers/me/products", headers=seller, params={"status": "rejected"})).json()
    assert rows["items"][0]["rejection_reason"] == "Photos show a different product"
    reopened = await client.patch(f"/api/sellers/me/products/{product['id']}", headers=seller,
                                  json={"images": [{"url": "https://img.example.com/real.jpg", "width": 900,
                                                    "height": 900}]})
    assert reopened.json()["status"] == "draft"
    assert (await client.get("/api/sellers/me/products", headers=seller,
                             params={"status": "rejected"})).json()["items"] == []
    archived = await client.post(f"/api/sellers/me/products/{product['id']}/archive", headers=seller)
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    assert_problem(await client.patch(f"/api/sellers/me/products/{product['id']}", headers=seller,
                                      json={"name": "Again"}), 409, "product_not_editable")


async def test_seller_product_bad_input(client, db):
    admin = await admin_headers(client, db)
    _, seller = await approved_seller(client, admin)
    category_id = (await category(client, admin))["id"]
    body = product_body(category_id=category_id)
    for bad in ({**body, "status": "active"}, {**body, "seller_id": str(uuid.uuid4())}, {**body, "name": ""},
                {**body, "category_id": str(uuid.uuid4())}):
        assert_problem(await client.post("/api/sellers/me/products", headers=seller, json=bad), 422)
    product = await draft(client, seller, admin, category_id=category_id)
    assert_problem(await client.patch(f"/api/sellers/me/products/{product['id']}", headers=seller,
                                      json={"status": "active"}), 422)
    assert_problem(await client.patch(f"/api/sellers/me/products/{product['id']}", headers=seller,
                                      json={"approved_at": "2026-01-01T00:00:00Z"}), 422)
    empty = (await client.post("/api/sellers/me/products", headers=seller,
                               json={"name": "Tanpa Varian", "category_id": category_id})).json()
    assert_problem(await client.post(f"/api/sellers/me/products/{empty['id']}/submit", headers=seller), 422,
                   "active_variant_required")
    assert_problem(await client.post(f"/api/sellers/me/products/{product['id']}/variants", headers=seller,
                                     json={"sku": product["variants"][0]["sku"], "price": 1, "weight_grams": 1}),
                   409, "sku_taken")
    assert_problem(await client.get("/api/sellers/me/products", headers=seller, params={"status": "live"}), 422)
    assert_problem(await client.get("/api/sellers/me/products/not-a-uuid", headers=seller), 422)
    await client.post(f"/api/sellers/me/products/{product['id']}/submit", headers=seller)
    assert_problem(await client.post(f"/api/sellers/me/products/{product['id']}/submit", headers=seller), 409,
                   "invalid_status_transition")


async def test_sellers_cannot_review_their_own_products(client, db):
    admin = await admin_headers(client, db)
    _, seller = await approved_seller(client, admin)
    product = await draft(client, seller, admin)
    await client.post(f"/api/sellers/me/products/{product['id']}/submit", headers=seller)
    assert_problem(await client.post(f"/api/products/{product['id']}/approve", headers=seller), 403, "role_required")
    assert_problem(await client.post(f"/api/products/{product['id']}/reject", headers=seller, json={"reason": "x"}),
                   403)
    assert_problem(await client.get("/api/moderation/products", headers=seller), 403)
    # An admin who sells is a seller for their own products: they cannot approve them.
    await apply(client, admin)
    second_admin = await admin_headers(client, db, email="second@example.com")
    me = (await client.get("/api/sellers/me", headers=admin)).json()
    await client.post(f"/api/sellers/applications/{me['user_id']}/approve", headers=second_admin)
    own = await draft(client, admin, admin)
    await client.post(f"/api/sellers/me/products/{own['id']}/submit", headers=admin)
    assert_problem(await client.post(f"/api/products/{own['id']}/approve", headers=admin), 403,
                   "self_review_forbidden")
    assert (await client.post(f"/api/products/{own['id']}/approve", headers=second_admin)).status_code == 200


async def _two_sellers(client, db) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    admin = await admin_headers(client, db)
    _, alice = await approved_seller(client, admin)
    _, bob = await approved_seller(client, admin)
    return admin, alice, bob


async def test_seller_never_touches_another_sellers_products(client, db):
    admin, alice, bob = await _two_sellers(client, db)
    theirs = await draft(client, bob, admin)
    live = await live_product(client, bob, admin, stock=0)
    base = f"/api/sellers/me/products/{theirs['id']}"
    variant = theirs["variants"][0]["id"]
    for method, url, body in (
        ("GET", base, None), ("PATCH", base, {"name": "Mine now"}), ("POST", f"{base}/submit", None),
        ("POST", f"{base}/archive", None), ("POST", f"{base}/variants", {"sku": "STEAL-1", "price": 1,
                                                                        "weight_grams": 1}),
        ("PATCH", f"{base}/variants/{variant}", {"price": 1}),
        ("GET", f"/api/sellers/me/products/{live['id']}", None),
        ("POST", f"/api/sellers/me/products/{live['id']}/archive", None),
    ):
        assert_problem(await client.request(method, url, headers=alice, json=body), 404, "product_not_found")
    assert (await client.get("/api/sellers/me/products", headers=alice)).json()["items"] == []
    # Admin-made platform products are nobody's to edit through the seller endpoints either.
    platform = await stocked_product(client, admin)
    assert_problem(await client.patch(f"/api/sellers/me/products/{platform['id']}", headers=alice,
                                      json={"name": "x"}), 404)
    unchanged = (await client.get(f"/api/sellers/me/products/{theirs['id']}", headers=bob)).json()
    assert unchanged["name"] == theirs["name"] and unchanged["status"] == "draft"


async def test_moderation_queue_filters(client, db):
    admin = await admin_headers(client, db)
    seller_a, a = await approved_seller(client, admin)
    _, b = await approved_seller(client, admin)
    first, second = await draft(client, a, admin), await draft(client, b, admin)
    for headers, product in ((a, first), (b, second)):
        await client.post(f"/api/sellers/me/products/{product['id']}/submit", headers=headers)
    page = await client.get("/api/moderation/products", headers=admin, params={"limit": 1})
    assert [p["id"] for p in page.json()["items"]] == [first["id"]]
    rest = await client.get("/api/moderation/products", headers=admin, params={"cursor": page.json()["next_cursor"]})
    assert [p["id"] for p in rest.json()["items"]] == [second["id"]]
    only_a = await client.get("/api/moderation/products", headers=admin, params={"seller_id": seller_a["id"]})
    assert [p["id"] for p in only_a.json()["items"]] == [first["id"]]
    drafts = await client.get("/api/moderation/products", headers=admin, params={"status": "draft"})
    assert drafts.json()["items"] == []
    assert_problem(await client.get("/api/moderation/products", headers=admin, params={"status": "nope"}), 422)


async def test_seller_stock_in_own_warehouses(client, db):
    admin = await admin_headers(client, db)
    seller_user, seller = await approved_seller(client, admin)
    product = await live_product(client, seller, admin, stock=0, sizes=("S", "M"))
    small, medium = (v["id"] for v in product["variants"])
    created = await client.post("/api/sellers/me/warehouses", headers=seller, json={
        "code": "jogja-1", "name": "Gudang Jogja", "province": "DIY", "city": "Sleman"})
    assert created.status_code == 201, created.text
    wh = created.json()
    assert wh["seller_id"] == seller_user["id"] and wh["code"] == "JOGJA-1" and wh["province"] == "DI Yogyakarta"
    assert_problem(await client.post("/api/sellers/me/warehouses", headers=seller, json={
        "code": "JOGJA-1", "name": "Dup", "province": "Bali", "city": "Denpasar"}), 409, "warehouse_code_taken")
    assert_problem(await client.post("/api/sellers/me/warehouses", headers=seller, json={
        "code": "X-2", "name": "Other", "province": "Bali", "city": "Denpasar", "seller_id": str(uuid.uuid4())}), 422)

    received = await client.post("/api/sellers/me/stock", headers=seller,
                                 json={"warehouse_id": wh["id"], "variant_id": small, "quantity": 12})
    assert received.status_code == 200 and received.json()["available"] == 12
    await client.post("/api/sellers/me/stock", headers=seller,
                      json={"warehouse_id": wh["id"], "variant_id": medium, "quantity": 3})
    adjusted = await client.post("/api/sellers/me/stock/adjust", headers=seller,
                                 json={"warehouse_id": wh["id"], "variant_id": small, "delta": -2})
    assert adjusted.status_code == 200 and adjusted.json()["on_hand"] == 10
    assert_problem(await client.post("/api/sellers/me/stock/adjust", headers=seller, json={
        "warehouse_id": wh["id"], "variant_id": medium, "delta": -4}), 409, "stock_below_reserved")
    assert_problem(await client.post("/api/sellers/me/stock", headers=seller, json={
        "warehouse_id": wh["id"], "variant_id": small, "quantity": 0}), 422)

    rows = (await client.get("/api/sellers/me/stock", headers=seller)).json()["items"]
    assert {(r["variant_id"], r["on_hand"]) for r in rows} == {(small, 10), (medium, 3)}
    one = (await client.get("/api/sellers/me/stock", headers=seller, params={"variant_id": medium, "limit": 1})).json()
    assert [r["on_hand"] for r in one["items"]] == [3] and one["next_cursor"] is None
    first = (await client.get("/api/sellers/me/stock", headers=seller, params={"limit": 1})).json()
    second = (await client.get("/api/sellers/me/stock", headers=seller,
                               params={"limit": 1, "cursor": first["next_cursor"]})).json()
    assert {first["items"][0]["variant_id"], second["items"][0]["variant_id"]} == {small, medium}
    assert (await client.get(f"/api/products/{product['id']}")).json()["in_stock"] is True
    listed = (await client.get("/api/sellers/me/warehouses", headers=seller)).json()["items"]
    assert [w["code"] for w in listed] == ["JOGJA-1"]


async def test_seller_never_touches_another_sellers_stock(client, db):
    admin, alice, bob = await _two_sellers(client, db)
    alice_product = await live_product(client, alice, admin)
    bob_product = await live_product(client, bob, admin, stock=5)
    bob_wh = (await client.get("/api/sellers/me/warehouses", headers=bob)).json()["items"][0]
    alice_wh = (await client.get("/api/sellers/me/warehouses", headers=alice)).json()["items"][0]
    platform_wh = await warehouse(client, admin)
    # Bob's warehouse, even with Alice's own variant; a platform warehouse; Bob's variant in Alice's warehouse.
    for wh_id, variant in ((bob_wh["id"], alice_product["variants"][0]["id"]),
                           (platform_wh["id"], alice_product["variants"][0]["id"]),
                           (str(uuid.uuid4()), alice_product["variants"][0]["id"])):
        assert_problem(await client.post("/api/sellers/me/stock", headers=alice, json={
            "warehouse_id": wh_id, "variant_id": variant, "quantity": 1}), 404, "warehouse_not_found")
        assert_problem(await client.post("/api/sellers/me/stock/adjust", headers=alice, json={
            "warehouse_id": wh_id, "variant_id": variant, "delta": -1}), 404, "warehouse_not_found")
    for body in ({"quantity": 1}, {"delta": -1}):
        url = "/api/sellers/me/stock" if "quantity" in body else "/api/sellers/me/stock/adjust"
        assert_problem(await client.post(url, headers=alice, json={
            "warehouse_id": alice_wh["id"], "variant_id": bob_product["variants"][0]["id"], **body}), 404,
            "variant_not_found")
    seen = (await client.get("/api/sellers/me/stock", headers=alice,
                             params={"variant_id": bob_product["variants"][0]["id"]})).json()
    assert seen["items"] == []
    assert [w["id"] for w in (await client.get("/api/sellers/me/warehouses", headers=alice)).json()["items"]] == [
        alice_wh["id"]]
    bob_rows = (await client.get("/api/sellers/me/stock", headers=bob)).json()["items"]
    assert [r["on_hand"] for r in bob_rows] == [5]
