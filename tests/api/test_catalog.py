"""/api/categories, /api/brands, /api/products: curation, review lifecycle, browsing, search, and the
service functions content and feed build on (ensure_taggable, product_cards)."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from sqlalchemy import event, select, text

from commerce.catalog import service as catalog
from commerce.catalog.errors import ProductNotTaggable
from commerce.core.errors import ValidationFailed
from commerce.core.outbox import OutboxEvent
from tests.helpers import admin_headers, assert_problem, user_with_token

IMAGE = {"url": "https://img.example.com/p/1.jpg", "width": 1080, "height": 1080}


def variant(sku: str | None = None, price: int = 100_000, **extra) -> dict:
    return {"sku": sku or f"SKU-{uuid.uuid4().hex[:10]}", "price": price, "weight_grams": 500,
            "attributes": {"size": "M"}, **extra}


async def make_category(client, admin, name: str, parent: dict | None = None) -> dict:
    body = {"name": name, **({"parent_id": parent["id"]} if parent else {})}
    response = await client.post("/api/categories", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()


async def make_brand(client, admin, name: str) -> dict:
    response = await client.post("/api/brands", json={"name": name}, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()


async def make_product(client, admin, category: dict, *, name: str = "Kaos Polos", prices=(100_000,),
                       brand: dict | None = None, description: str = "", images=(IMAGE,), publish: bool = True) -> dict:
    body = {"name": name, "description": description, "category_id": category["id"],
            "variants": [variant(price=p) for p in prices], "images": list(images),
            **({"brand_id": brand["id"]} if brand else {})}
    response = await client.post("/api/products", json=body, headers=admin)
    assert response.status_code == 201, response.text
    product = response.json()
    if publish:
        for step in ("submit", "approve"):
            moved = await client.post(f"/api/products/{product['id']}/{step}", headers=admin)
            assert moved.status_code == 200, moved.text
        product = moved.json()
    return product


async def seed_catalog(client, admin) -> dict:
    """Fashion > Sepatu > Sepatu Lari, plus Tas; two brands; six live products and one draft."""
    fashion = await make_category(client, admin, "Fashion")
    shoes = await make_category(client, admin, "Sepatu", fashion)
    running = await make_category(client, admin, "Sepatu Lari", shoes)
    bags = await make_category(client, admin, "Tas")
    compass = await make_brand(client, admin, "Compass")
    eiger = await make_brand(client, admin, "Eiger")
    p = {
        "lari": await make_product(client, admin, running, name="Sepatu Lari Pria", prices=(450_000, 500_000),
                                   brand=compass, description="Ringan dan empuk untuk berlari setiap hari"),
        "trail": await make_product(client, admin, running, name="Trail Running Shoes", prices=(750_000,),
                                    brand=eiger, description="Grippy outsole for muddy trails"),
        "sneakers": await make_product(client, admin, shoes, name="Sneakers Kanvas Putih", prices=(300_000,),
                                       brand=compass, description="Kasual untuk kuliah"),
        "fashion": await make_product(client, admin, fashion, name="Kaos Polos Hitam", prices=(80_000,)),
        "tas": await make_product(client, admin, bags, name="Tas Ransel Gunung", prices=(300_000, 900_000),
                                  brand=eiger, description="Carrier 45L"),
        "dompet": await make_product(client, admin, bags, name="Dompet Kulit", prices=(150_000,)),
        "draft": await make_product(client, admin, shoes, name="Sepatu Draft", prices=(10_000,), publish=False),
    }
    return {"categories": {"fashion": fashion, "shoes": shoes, "running": running, "bags": bags},
            "brands": {"compass": compass, "eiger": eiger}, "products": p}


async def walk(client, params: dict) -> list[dict]:
    """Every page of a listing, following next_cursor to the end."""
    items, cursor = [], None
    for _ in range(50):
        response = await client.get("/api/products", params={**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("pagination did not end")


def names(items: list[dict]) -> list[str]:
    return [item["name"] for item in items]


# --- categories and brands ----------------------------------------------------------------------

async def test_categories_form_a_tree(client, db):
    admin = await admin_headers(client, db)
    fashion = await make_category(client, admin, "Fashion Wanita")
    assert fashion["slug"] == "fashion-wanita" and fashion["parent_id"] is None
    dress = await make_category(client, admin, "Dress", fashion)
    await make_category(client, admin, "Aksesoris")
    tree = (await client.get("/api/categories")).json()
    assert [node["name"] for node in tree] == ["Aksesoris", "Fashion Wanita"]
    assert tree[1]["children"][0]["id"] == dress["id"] and tree[1]["children"][0]["parent_id"] == fashion["id"]


@pytest.mark.parametrize("body, status, code", [
    ({"name": ""}, 422, None), ({"name": "x" * 201}, 422, None), ({"name": "Sepatu", "icon": "x"}, 422, None),
    ({"name": "Sepatu", "slug": "Not A Slug"}, 422, None), ({"name": "日常"}, 422, "slug_required"),
    ({"name": "Anak", "parent_id": str(uuid.uuid4())}, 422, "unknown_category"),
    ({"name": "Sepatu!"}, 409, "slug_taken"),
])
async def test_category_bad_input(client, db, body, status, code):
    admin = await admin_headers(client, db)
    await make_category(client, admin, "Sepatu")
    assert_problem(await client.post("/api/categories", json=body, headers=admin), status, code)


async def test_brands_create_list_and_paginate(client, db):
    admin = await admin_headers(client, db)
    for name in ("Eiger", "Compass", "Wardah", "Erigo", "Brodo"):
        await make_brand(client, admin, name)
    created = await client.post("/api/brands", json={"name": "Sare", "slug": "sare-id",
                                                     "logo_url": "https://img.example.com/sare.png"}, headers=admin)
    assert created.status_code == 201 and created.json()["logo_url"] == "https://img.example.com/sare.png"
    seen, cursor = [], None
    while True:
        page = (await client.get("/api/brands", params={"limit": 2, **({"cursor": cursor} if cursor else {})})).json()
        seen += [b["slug"] for b in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == ["brodo", "compass", "eiger", "erigo", "sare-id", "wardah"]
    assert_problem(await client.get("/api/brands", params={"cursor": "!!nope"}), 422, "invalid_cursor")
    assert_problem(await client.get("/api/brands", params={"limit": 101}), 422)


@pytest.mark.parametrize("body, status, code", [
    ({"name": "Bad", "logo_url": "javascript:alert(1)"}, 422, None), ({"name": "   "}, 422, None),
    ({"name": "Bad", "logo_url": "ftp://img.example.com/x.png"}, 422, None),
    ({"name": "Bad", "owner": "me"}, 422, None), ({"name": "EIGER"}, 409, "slug_taken"),
])
async def test_brand_bad_input(client, db, body, status, code):
    admin = await admin_headers(client, db)
    await make_brand(client, admin, "Eiger")
    assert_problem(await client.post("/api/brands", json=body, headers=admin), status, code)


# --- admin-only writes --------------------------------------------------------------------------

ADMIN_ROUTES = [
    ("POST", "/api/categories", {"name": "X"}), ("POST", "/api/brands", {"name": "X"}),
    ("POST", "/api/products", {"name": "X", "category_id": str(uuid.uuid4())}),
    ("PATCH", "/api/products/{id}", {"name": "Y"}), ("POST", "/api/products/{id}/variants", variant()),
    ("PATCH", "/api/products/{id}/variants/{variant}", {"price": 5}), ("POST", "/api/products/{id}/submit", None),
    ("POST", "/api/products/{id}/approve", None), ("POST", "/api/products/{id}/reject", {"reason": "no"}),
    ("POST", "/api/products/{id}/archive", None),
]


@pytest.mark.parametrize("method, path, body", ADMIN_ROUTES)
async def test_writes_are_admin_only(client, db, method, path, body):
    admin = await admin_headers(client, db)
    category = await make_category(client, admin, "Fashion")
    product = await make_product(client, admin, category, publish=False)
    url = path.format(id=product["id"], variant=product["variants"][0]["id"])
    _, buyer = await user_with_token(client)
    assert_problem(await client.request(method, url, json=body), 401, "unauthenticated")
    assert_problem(await client.request(method, url, json=body, headers=buyer), 403, "role_required")
    after = (await client.get(f"/api/products/{product['id']}", headers=admin)).json()
    assert after["status"] == "draft" and after["name"] == "Kaos Polos"


# --- creating and editing products --------------------------------------------------------------

async def test_create_product_draft_with_variants_and_images(client, db):
    admin = await admin_headers(client, db)
    category = await make_category(client, admin, "Sepatu")
    brand = await make_brand(client, admin, "Compass")
    body = {"name": "Gazelle Hi", "description": "Sepatu kanvas", "category_id": category["id"],
            "brand_id": brand["id"], "images": [IMAGE, {**IMAGE, "url": "https://img.example.com/p/2.jpg"}],
            "variants": [variant("gz-hi-42", 389_000, attributes={"size": "42", "colour": "black"}),
                         variant("GZ-HI-43", 409_000), variant("GZ-HI-44", 999_000, status="inactive")]}
    response = await client.post("/api/products", json=body, headers=admin)
    assert response.status_code == 201, response.text
    product = response.json()
    assert product["status"] == "draft" and product["seller_id"] is None and product["approved_at"] is None
    assert (product["price_min"], product["price_max"], product["currency"]) == (389_000, 409_000, "IDR")
    assert product["brand"]["name"] == "Compass" and product["category"]["slug"] == "sepatu"
    assert [i["url"] for i in product["images"]] == [IMAGE["url"], "https://img.example.com/p/2.jpg"]
    assert [v["sku"] for v in product["variants"]] == ["GZ-HI-42", "GZ-HI-43", "GZ-HI-44"]
    assert product["variants"][0]["attributes"] == {"size": "42", "colour": "black"}
    assert product["in_stock"] is False  # not public yet


@pytest.mark.parametrize("overrides", [
    {"name": ""}, {"name": "n" * 201}, {"description": "d" * 5001}, {"images": [IMAGE] * 11},
    {"variants": [variant() for _ in range(101)]}, {"variants": [variant("bad sku!")]},
    {"variants": [variant("-LEADING")]}, {"images": [{**IMAGE, "url": "ftp://img.example.com/a.jpg"}]},
    {"images": [{**IMAGE, "width": 0}]}, {"images": [{**IMAGE, "height": -5}]}, {"variants": [variant(price=0)]},
    {"variants": [variant(price=10.5)]}, {"variants": [variant(weight_grams=0)]},
    {"variants": [variant(currency="USD")]}, {"status": "active"}, {"seller_id": str(uuid.uuid4())},
    {"variants": [variant(status="deleted")]}, {"category_id": "not-a-uuid"},
])
async def test_create_product_rejects_bad_input(client, db, overrides):
    admin = await admin_headers(client, db)
    category = await make_category(client, admin, "Sepatu")
    body = {"name": "Ok", "category_id": category["id"], "variants": [variant()], **overrides}
    assert_problem(await client.post("/api/products", json=body, headers=admin), 422)


async def test_create_product_conflicts_and_unknown_references(client, db):
    admin = await admin_headers(client, db)
    category = await make_category(client, admin, "Sepatu")
    await make_product(client, admin, category, publish=False, prices=())
    first = await client.post("/api/products", json={"name": "A", "category_id": category["id"],
                                                     "variants": [variant("ABC-1")]}, headers=admin)
    assert first.status_code == 201
    for variants in ([variant("abc-1")], [variant("NEW-1"), variant("new-1")]):
        response = await client.post("/api/products", json={"name": "B", "category_id": category["id"],
                                                            "variants": variants}, headers=admin)
        assert_problem(response, 409, "sku_taken")
    unknown = {"name": "C", "category_id": str(uuid.uuid4())}
    assert_problem(await client.post("/api/products", json=unknown, headers=admin), 422, "unknown_category")
    unknown = {"name": "C", "category_id": category["id"], "brand_id": str(uuid.uuid4())}
    assert_problem(await client.post("/api/products", json=unknown, headers=admin), 422, "unknown_brand")


async def test_patch_product(client, db):
    admin = await admin_headers(client, db)
    category = await make_category(client, admin, "Sepatu")
    other = await make_category(client, admin, "Tas")
    brand = await make_brand(client, admin, "Eiger")
    product = await make_product(client, admin, category, publish=False)
    url = f"/api/products/{product['id']}"
    response = await client.patch(url, headers=admin, json={
        "name": "Tas Gunung", "category_id": other["id"], "brand_id": brand["id"],
        "images": [{**IMAGE, "url": "https://img.example.com/new.jpg"}]})
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["name"] == "Tas Gunung" and changed["category"]["id"] == other["id"]
    assert changed["brand"]["slug"] == "eiger" and [i["url"] for i in changed["images"]] == [
        "https://img.example.com/new.jpg"]
    assert (await client.patch(url, headers=admin, json={"brand_id": None})).json()["brand"] is None
    for body in ({"name": None}, {"status": "active"}, {"name": ""}, {"images": [IMAGE] * 11}):
        assert_problem(await client.patch(url, headers=admin, json=body), 422)
    assert_problem(await client.patch(url, headers=admin, json={"category_id": str(uuid.uuid4())}), 422,
                   "unknown_category")
    assert_problem(await client.patch(f"/api/products/{uuid.uuid4()}", headers=admin, json={"name": "x"}), 404,
                   "product_not_found")


async def test_variants_keep_the_price_range_in_step(client, db):
    admin = await admin_headers(client, db)
    category = await make_category(client, admin, "Sepatu")
    product = await make_product(client, admin, category, prices=(200_000,))
    url = f"/api/products/{product['id']}"
    added = await client.post(f"{url}/variants", headers=admin, json=variant("BIG-1", 350_000))
    assert added.status_code == 201 and added.json()["sku"] == "BIG-1"
    detail = (await client.get(url)).json()
    assert (detail["price_min"], detail["price_max"]) == (200_000, 350_000)
    first = product["variants"][0]["id"]
    patched = await client.patch(f"{url}/variants/{first}", headers=admin, json={"price": 150_000, "sku": "small-1"})
    assert patched.status_code == 200 and patched.json()["sku"] == "SMALL-1"
    deactivated = await client.patch(f"{url}/variants/{first}", headers=admin, json={"status": "inactive"})
    assert deactivated.status_code == 200 and deactivated.json()["status"] == "inactive"
    detail = (await client.get(url)).json()
    assert (detail["price_min"], detail["price_max"]) == (350_000, 350_000)
    assert [v["sku"] for v in detail["variants"]] == ["BIG-1"]  # the public never sees inactive variants
    last = added.json()["id"]
    assert_problem(await client.patch(f"{url}/variants/{last}", headers=admin, json={"status": "inactive"}), 422,
                   "active_variant_required")
    assert_problem(await client.patch(f"{url}/variants/{last}", headers=admin, json={"sku": "SMALL-1"}), 409,
                   "sku_taken")
    assert_problem(await client.post(f"{url}/variants", headers=admin, json=variant("big-1")), 409, "sku_taken")
    for body in (variant(price=0), variant(sku="no spaces"), {**variant(), "product_id": product["id"]}):
        assert_problem(await client.post(f"{url}/variants", headers=admin, json=body), 422)
    for body in ({"price": 0}, {"price": None}, {"weight_grams": -1}, {"colour": "red"}, {"status": "gone"}):
        assert_problem(await client.patch(f"{url}/variants/{last}", headers=admin, json=body), 422)
    other = await make_product(client, admin, category, publish=False)
    assert_problem(await client.patch(f"/api/products/{other['id']}/variants/{last}", headers=admin,
                                      json={"price": 1_000}), 404, "variant_not_found")
    assert_problem(await client.post(f"/api/products/{uuid.uuid4()}/variants", headers=admin, json=variant()), 404)


# --- lifecycle ----------------------------------------------------------------------------------

async def test_lifecycle_and_public_visibility(client, db):
    admin = await admin_headers(client, db)
    _, buyer = await user_with_token(client)
    category = await make_category(client, admin, "Sepatu")
    product = await make_product(client, admin, category, publish=False)
    url = f"/api/products/{product['id']}"

    async def visible() -> list[bool]:
        return [(await client.get(url, headers=h)).status_code == 200 for h in ({}, buyer)]

    assert await visible() == [False, False]
    assert_problem(await client.get(url), 404, "product_not_found")
    assert (await client.post(f"{url}/submit", headers=admin)).json()["status"] == "pending_review"
    assert await visible() == [False, False]
    assert (await client.get(url, headers=admin)).json()["status"] == "pending_review"  # admins see everything
    approved = (await client.post(f"{url}/approve", headers=admin)).json()
    assert approved["status"] == "active" and approved["approved_at"] is not None and approved["in_stock"] is True
    assert await visible() == [True, True]
    assert (await client.post(f"{url}/archive", headers=admin)).json()["status"] == "archived"
    assert await visible() == [False, False]
    assert (await client.get(url, headers=admin)).json()["status"] == "archived"
    assert_problem(await client.patch(url, headers=admin, json={"name": "again"}), 409, "product_not_editable")
    assert_problem(await client.post(f"{url}/variants", headers=admin, json=variant()), 409, "product_not_editable")
    assert_problem(await client.get("/api/products/not-a-uuid"), 422)


async def test_reject_edit_resubmit(client, db):
    admin = await admin_headers(client, db)
    category = await make_category(client, admin, "Sepatu")
    product = await make_product(client, admin, category, publish=False)
    url = f"/api/products/{product['id']}"
    await client.post(f"{url}/submit", headers=admin)
    for body in (None, {}, {"reason": "   "}, {"reason": "x" * 1001}, {"reason": "ok", "extra": 1}):
        assert_problem(await client.post(f"{url}/reject", headers=admin, json=body), 422)
    rejected = (await client.post(f"{url}/reject", headers=admin, json={"reason": "Foto buram"})).json()
    assert rejected["status"] == "rejected" and rejected["rejection_reason"] == "Foto buram"
    assert_problem(await client.post(f"{url}/submit", headers=admin), 409, "invalid_status_transition")
    edited = (await client.patch(url, headers=admin, json={"images": [IMAGE]})).json()
    assert edited["status"] == "draft" and edited["rejection_reason"] == "Foto buram"  # kept to show what to fix
    await client.post(f"{url}/submit", headers=admin)
    approved = (await client.post(f"{url}/approve", headers=admin)).json()
    assert approved["status"] == "active" and approved["rejection_reason"] is None


@pytest.mark.parametrize("path, steps", [
    ("approve", []), ("reject", []), ("archive", ["submit"]), ("submit", ["submit"]), ("submit", ["archive"]),
    ("submit", ["submit", "approve"]), ("approve", ["submit", "approve"]), ("reject", ["submit", "approve"]),
    ("archive", ["archive"]), ("approve", ["submit", "reject"]),
])
async def test_illegal_transitions_are_409(client, db, path, steps):
    admin = await admin_headers(client, db)
    category = await make_category(client, admin, "Sepatu")
    product = await make_product(client, admin, category, publish=False)
    url = f"/api/products/{product['id']}"
    for step in steps:
        response = await client.post(f"{url}/{step}", headers=admin, json={"reason": "r"} if step == "reject" else None)
        assert response.status_code == 200, response.text
    body = {"reason": "r"} if path == "reject" else None
    before = (await client.get(url, headers=admin)).json()["status"]
    assert_problem(await client.post(f"{url}/{path}", headers=admin, json=body), 409, "invalid_status_transition")
    assert (await client.get(url, headers=admin)).json()["status"] == before
    assert_problem(await client.post(f"/api/products/{uuid.uuid4()}/{path}", headers=admin, json=body), 404)
    assert_problem(await client.post(f"/api/products/not-a-uuid/{path}", headers=admin, json=body), 422)


async def test_submit_and_approve_need_an_active_variant(client, db):
    admin = await admin_headers(client, db)
    category = await make_category(client, admin, "Sepatu")
    empty = await make_product(client, admin, category, prices=(), publish=False)
    assert_problem(await client.post(f"/api/products/{empty['id']}/submit", headers=admin), 422,
                   "active_variant_required")
    pending = await make_product(client, admin, category, publish=False)
    await client.post(f"/api/products/{pending['id']}/submit", headers=admin)
    await client.patch(f"/api/products/{pending['id']}/variants/{pending['variants'][0]['id']}", headers=admin,
                       json={"status": "inactive"})
    assert_problem(await client.post(f"/api/products/{pending['id']}/approve", headers=admin), 422,
                   "active_variant_required")


async def test_approve_and_reject_write_outbox_events(client, db):
    admin = await admin_headers(client, db)
    category = await make_category(client, admin, "Sepatu")
    good = await make_product(client, admin, category, name="Sepatu Bagus", prices=(120_000, 150_000))
    bad = await make_product(client, admin, category, publish=False)
    await client.post(f"/api/products/{bad['id']}/submit", headers=admin)
    await client.post(f"/api/products/{bad['id']}/reject", headers=admin, json={"reason": "Merek palsu"})
    async with db.session() as session:
        rows = {e.topic: e.payload for e in await session.scalars(
            select(OutboxEvent).where(OutboxEvent.topic.like("product.%")))}
    assert set(rows) == {"product.approved", "product.rejected"}
    assert rows["product.approved"]["product_id"] == good["id"]
    assert rows["product.approved"]["name"] == "Sepatu Bagus" and rows["product.approved"]["price_min"] == 120_000
    assert rows["product.rejected"] == {**rows["product.rejected"], "product_id": bad["id"], "reason": "Merek palsu"}


# --- browsing -----------------------------------------------------------------------------------

async def test_filters(client, db):
    admin = await admin_headers(client, db)
    seed = await seed_catalog(client, admin)
    cats, brands = seed["categories"], seed["brands"]
    everything = await walk(client, {})
    assert "Sepatu Draft" not in names(everything) and len(everything) == 6
    by_shoes = await walk(client, {"category": cats["shoes"]["id"]})  # includes the Sepatu Lari sub-category
    assert set(names(by_shoes)) == {"Sepatu Lari Pria", "Trail Running Shoes", "Sneakers Kanvas Putih"}
    assert len(await walk(client, {"category": "fashion"})) == 4  # by slug, two levels down
    assert names(await walk(client, {"category": cats["running"]["id"], "brand": "eiger"})) == ["Trail Running Shoes"]
    assert set(names(await walk(client, {"brand": brands["compass"]["id"]}))) == {"Sepatu Lari Pria",
                                                                                   "Sneakers Kanvas Putih"}
    # Some active variant in budget, not merely an overlapping range: the 300k-900k bag has a 300k variant.
    in_budget = await walk(client, {"price_min": 290_000, "price_max": 460_000})
    assert set(names(in_budget)) == {"Sepatu Lari Pria", "Sneakers Kanvas Putih", "Tas Ransel Gunung"}
    assert names(await walk(client, {"price_min": 800_000})) == ["Tas Ransel Gunung"]
    assert await walk(client, {"category": "no-such-category"}) == []
    card = next(i for i in everything if i["name"] == "Tas Ransel Gunung")
    assert card["brand_name"] == "Eiger" and card["image_url"] == IMAGE["url"] and card["in_stock"] is True
    assert (card["price_min"], card["price_max"]) == (300_000, 900_000)
    for params in ({"price_min": 10, "price_max": 5}, {"price_min": -1}, {"limit": 0}, {"limit": 101},
                   {"sort": "cheapest"}, {"sort": "relevance"}, {"q": ""}):
        assert_problem(await client.get("/api/products", params=params), 422)


async def test_each_sort_walks_every_page_without_gaps(client, db):
    admin = await admin_headers(client, db)
    seed = await seed_catalog(client, admin)
    products = seed["products"]
    async with db.session() as session:
        for key, popularity in (("tas", 50), ("dompet", 50), ("fashion", 7), ("lari", 900)):
            await session.execute(text("UPDATE catalog.product SET popularity = :p WHERE id = :id"),
                                  {"p": popularity, "id": products[key]["id"]})
        await session.commit()
    live = [p for key, p in products.items() if key != "draft"]
    by_id = {p["id"]: p for p in live}
    newest = sorted(live, key=lambda p: (datetime.fromisoformat(p["created_at"]), p["id"]), reverse=True)
    expectations = {
        "newest": [p["id"] for p in newest],
        "price_asc": [p["id"] for p in sorted(live, key=lambda p: (p["price_min"], p["id"]))],
        "price_desc": [p["id"] for p in sorted(live, key=lambda p: (p["price_min"], p["id"]), reverse=True)],
    }
    for sort, expected in expectations.items():
        for limit in (1, 2, 4, 20):
            walked = await walk(client, {"sort": sort, "limit": limit})
            assert [i["id"] for i in walked] == expected, (sort, limit)
    assert [i["id"] for i in await walk(client, {"limit": 2})] == expectations["newest"]  # the default
    popular = await walk(client, {"sort": "popularity", "limit": 2})
    assert [i["popularity"] for i in popular] == [900, 50, 50, 7, 0, 0]
    assert len({i["id"] for i in popular}) == 6 and set(by_id) == {i["id"] for i in popular}
    assert popular[1]["id"] > popular[2]["id"]  # ties broken by id, in the sort's direction


async def test_nul_characters_are_422_not_500(client, db):
    admin = await admin_headers(client, db)
    await make_brand(client, admin, "Eiger")
    for params in ({"q": "sepatu\u0000"}, {"category": "fa\u0000shion"}, {"brand": "\u0000"}):
        body = assert_problem(await client.get("/api/products", params=params), 422, "validation_failed")
        assert body["errors"][0]["loc"] == ["query", next(iter(params))], body
    product = {"name": "Kaos", "description": "\u0000", "category_id": str(uuid.uuid4())}
    for path, payload in (("/api/brands", {"name": "Ei\u0000ger"}), ("/api/categories", {"name": "Tas\u0000"}),
                          ("/api/products", product)):
        assert_problem(await client.post(path, json=payload, headers=admin), 422, "validation_failed")
    assert [b["name"] for b in (await client.get("/api/brands")).json()["items"]] == ["Eiger"]


async def test_popularity_follows_recent_engagement(client, db, redis, settings):
    """Views, tag clicks, add-to-carts and purchases, weighted along the funnel, decaying by half a
    week, one count per person per day: the worker job turns them into `sort=popularity`."""
    from commerce.catalog.popularity import refresh_popularity
    from commerce.interactions import service as interactions
    from serving.workers.runner import periodic_jobs
    from tests.factories import add_to_cart, warehouse

    admin = await admin_headers(client, db)
    category = await make_category(client, admin, "Fashion")
    p = {key: await make_product(client, admin, category, name=key) for key in ("viewed", "carted", "bought",
                                                                                 "stale", "idle")}
    people = [await user_with_token(client) for _ in range(3)]
    now = datetime.now(UTC)

    def event(kind: str, product: str) -> dict:
        return {"event_id": str(uuid.uuid4()), "type": kind, "occurred_at": now.isoformat(),
                "product_id": p[product]["id"]}

    for _, headers in people:  # three people look at "viewed"; the first keeps reloading it
        response = await client.post("/api/interactions", json={"events": [event("product_view", "viewed")]},
                                     headers=headers)
        assert response.status_code == 202, response.text
    await client.post("/api/interactions", json={"events": [event("product_view", "viewed") for _ in range(20)]},
                      headers=people[0][1])
    stock = {"warehouse_id": (await warehouse(client, admin))["id"], "variant_id": p["carted"]["variants"][0]["id"],
             "quantity": 5}
    assert (await client.post("/api/inventory/stock", headers=admin, json=stock)).status_code in (200, 201)
    await add_to_cart(client, people[1][1], p["carted"]["variants"][0]["id"])
    buyer = uuid.UUID(people[2][0]["id"])
    async with db.session() as session:
        await interactions.record_many(session, events=[
            {"user_id": buyer, "event_type": "purchase", "product_id": uuid.UUID(p["bought"]["id"]),
             "quantity": 1, "occurred_at": now},
            {"user_id": buyer, "event_type": "product_view", "product_id": uuid.UUID(p["stale"]["id"]),
             "occurred_at": now - timedelta(days=7)},  # one half-life ago: half the points
            *({"user_id": uuid.UUID(u["id"]), "event_type": "purchase", "product_id": uuid.UUID(p["idle"]["id"]),
               "occurred_at": now - timedelta(days=31)} for u, _ in people),  # out of the window
        ])
        await session.commit()

    async def ranking(at: datetime) -> list[tuple[str, int]]:
        async with db.session() as session:
            await refresh_popularity(session, now=at)
        return [(i["name"], i["popularity"]) for i in await walk(client, {"sort": "popularity", "limit": 2})]

    [job] = [job for job in periodic_jobs(settings) if job.name == "catalog.popularity"]  # what the worker runs
    assert await job.fn(db, redis, settings) == 4
    expected = [("bought", 80), ("carted", 40), ("viewed", 30), ("stale", 5), ("idle", 0)]
    assert [(i["name"], i["popularity"]) for i in await walk(client, {"sort": "popularity", "limit": 2})] == expected
    later = now + timedelta(seconds=1)
    assert await ranking(later) == expected
    for _, headers in people:  # a tag click is worth two views: "viewed" overtakes both
        await client.post("/api/interactions", json={"events": [event("product_tag_click", "viewed")]},
                          headers=headers)
    assert [name for name, _ in await ranking(later)][:3] == ["viewed", "bought", "carted"]
    detail = (await client.get(f"/api/products/{p['viewed']['id']}")).json()
    assert detail["popularity"] == 90
    assert dict(await ranking(now + timedelta(days=7)))["viewed"] == 45  # a week on, half
    assert {points for _, points in await ranking(now + timedelta(days=31))} == {0}  # all out of the window
    async with db.session() as session:
        assert await refresh_popularity(session, now=now + timedelta(days=31)) == 0  # nothing left to change


async def test_tampered_cursors_are_422(client, db):
    admin = await admin_headers(client, db)
    category = await make_category(client, admin, "Sepatu")
    for i in range(3):
        await make_product(client, admin, category, name=f"Sepatu {i}")
    cursor = (await client.get("/api/products", params={"limit": 1})).json()["next_cursor"]
    assert cursor
    decoded = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))

    def forge(values) -> str:
        return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")

    for bad, params in [
        ("not base64 at all!", {}), (cursor[:-3], {}), (forge(decoded[:2]), {}),
        (forge([decoded[0], 12345, decoded[2]]), {}), (forge([decoded[0], decoded[1], "not-a-uuid"]), {}),
        (forge([decoded[0], "2026-01-01T00:00:00", decoded[2]]), {}),  # naive timestamp
        (forge(["0" * 16, decoded[1], decoded[2]]), {}),
        (cursor, {"sort": "price_asc"}), (cursor, {"category": "sepatu"}),  # another query's cursor
    ]:
        assert_problem(await client.get("/api/products", params={"limit": 1, "cursor": bad, **params}), 422,
                       "invalid_cursor")


# --- search -------------------------------------------------------------------------------------

@pytest.mark.parametrize("q, expected_first, also", [
    ("sepatu lari", "Sepatu Lari Pria", set()), ("carrier", "Tas Ransel Gunung", set()),
    ("berlari", "Sepatu Lari Pria", set()),  # Indonesian stemming, on the description
    ("running shoes", "Trail Running Shoes", set()),  # English stemming
    ("sneakres", "Sneakers Kanvas Putih", set()),  # a typo, caught by trigrams on the name
    ("eiger", None, {"Trail Running Shoes", "Tas Ransel Gunung"}),  # the brand name, both equally
])
async def test_search(client, db, q, expected_first, also):
    admin = await admin_headers(client, db)
    await seed_catalog(client, admin)
    found = names(await walk(client, {"q": q}))
    if expected_first is not None:
        assert found and found[0] == expected_first, found
    assert set(found) == ({expected_first} - {None}) | also, found
    assert "Sepatu Draft" not in names(await walk(client, {"q": "sepatu"}))


async def test_search_ranks_names_first_and_paginates(client, db):
    admin = await admin_headers(client, db)
    category = await make_category(client, admin, "Sepatu")
    await make_product(client, admin, category, name="Kaos Olahraga", description="Cocok dipakai dengan sepatu",
                       prices=(90_000,))
    for i in range(5):
        await make_product(client, admin, category, name=f"Sepatu Model {i}", prices=(100_000 + i,))
    relevance = await walk(client, {"q": "sepatu", "limit": 2})
    assert len(relevance) == 6 and len({i["id"] for i in relevance}) == 6
    assert relevance[-1]["name"] == "Kaos Olahraga"  # a description match ranks below name matches
    cheapest = await walk(client, {"q": "sepatu", "sort": "price_asc", "limit": 4})
    assert names(cheapest)[0] == "Kaos Olahraga" and names(cheapest)[1:] == [f"Sepatu Model {i}" for i in range(5)]
    in_category = await walk(client, {"q": "sepatu", "category": "sepatu", "price_min": 100_003})
    assert set(names(in_category)) == {"Sepatu Model 3", "Sepatu Model 4"}


# --- what other contexts call -------------------------------------------------------------------

async def test_ensure_taggable(client, db):
    admin = await admin_headers(client, db)
    category = await make_category(client, admin, "Sepatu")
    live = await make_product(client, admin, category, prices=(100_000, 200_000))
    other = await make_product(client, admin, category)
    draft = await make_product(client, admin, category, publish=False)
    live_id, variant_id = uuid.UUID(live["id"]), uuid.UUID(live["variants"][0]["id"])
    await client.patch(f"/api/products/{live['id']}/variants/{live['variants'][1]['id']}", headers=admin,
                       json={"status": "inactive"})
    inactive_id = uuid.UUID(live["variants"][1]["id"])
    missing = uuid.uuid4()
    async with db.session() as session:
        await catalog.ensure_taggable(session, tags=[])
        await catalog.ensure_taggable(session, tags=[(live_id, None), (live_id, variant_id)])
        for tags, offending in [
            ([(uuid.UUID(draft["id"]), None)], draft["id"]),
            ([(missing, None)], str(missing)),
            ([(live_id, missing)], str(missing)),
            ([(live_id, inactive_id)], str(inactive_id)),
            ([(uuid.UUID(other["id"]), variant_id)], str(variant_id)),  # someone else's variant
        ]:
            with pytest.raises(ProductNotTaggable) as caught:
                await catalog.ensure_taggable(session, tags=[(live_id, None), *tags])
            assert isinstance(caught.value, ValidationFailed) and caught.value.code == "product_not_taggable"
            assert offending in caught.value.detail
            assert offending in caught.value.extra["product_ids"] + caught.value.extra["variant_ids"]
            assert live["id"] not in caught.value.extra["product_ids"]


async def test_product_cards_in_one_query(client, db):
    admin = await admin_headers(client, db)
    category = await make_category(client, admin, "Sepatu")
    brand = await make_brand(client, admin, "Compass")
    live = await make_product(client, admin, category, name="Gazelle", prices=(389_000, 409_000), brand=brand,
                              images=[{**IMAGE, "url": "https://img.example.com/cover.jpg"}, IMAGE])
    draft = await make_product(client, admin, category, prices=(), images=(), publish=False)
    archived = await make_product(client, admin, category)
    await client.post(f"/api/products/{archived['id']}/archive", headers=admin)
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    ids = [uuid.UUID(p["id"]) for p in (live, draft, archived)] + [uuid.uuid4()]
    async with db.session() as session:
        event.listen(db.engine.sync_engine, "before_cursor_execute", count)
        try:
            cards = await catalog.product_cards(session, product_ids=iter(ids))
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", count)
        assert await catalog.product_cards(session, product_ids=[]) == {}
    assert len(statements) == 1
    assert set(cards) == set(ids[:3])
    card = cards[ids[0]]
    assert card.model_dump() == {"id": ids[0], "name": "Gazelle", "brand_name": "Compass", "price_min": 389_000,
                                 "price_max": 409_000, "currency": "IDR", "image_url": "https://img.example.com/cover.jpg",
                                 "status": "active", "in_stock": True}
    assert (cards[ids[1]].status, cards[ids[1]].in_stock, cards[ids[1]].price_min, cards[ids[1]].image_url) == (
        "draft", False, 0, None)
    assert (cards[ids[2]].status, cards[ids[2]].in_stock) == ("archived", False)
