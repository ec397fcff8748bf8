"""/api/cart: stock-checked adds, bounds, price snapshots, seller groups, owner-only access."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import add_to_cart, draft_product, stocked_product
from tests.helpers import admin_headers, assert_problem, user_with_token


async def test_add_update_remove_and_totals(client, db):
    admin = await admin_headers(client, db)
    shoes = await stocked_product(client, admin, quantity=5, price=450_000)
    bag = await stocked_product(client, admin, quantity=5, price=189_000)
    _, headers = await user_with_token(client)
    await add_to_cart(client, headers, shoes["variants"][0]["id"], 2)
    cart = await add_to_cart(client, headers, bag["variants"][0]["id"], 1)
    assert cart["subtotal"] == 2 * 450_000 + 189_000 and cart["item_count"] == 3
    line = next(i for g in cart["groups"] for i in g["items"] if i["variant_id"] == shoes["variants"][0]["id"])
    assert line["unit_price"] == 450_000 and line["line_total"] == 900_000 and line["price_changed"] is False
    again = await add_to_cart(client, headers, shoes["variants"][0]["id"], 1)  # adds up
    assert next(i for g in again["groups"] for i in g["items"]
                if i["variant_id"] == shoes["variants"][0]["id"])["quantity"] == 3
    updated = await client.patch(f"/api/cart/items/{bag['variants'][0]['id']}", json={"quantity": 4}, headers=headers)
    assert updated.status_code == 200 and updated.json()["item_count"] == 7
    removed = await client.delete(f"/api/cart/items/{bag['variants'][0]['id']}", headers=headers)
    assert removed.json()["item_count"] == 3


async def test_price_change_is_flagged(client, db):
    admin = await admin_headers(client, db)
    product = await stocked_product(client, admin, price=100_000)
    variant = product["variants"][0]["id"]
    _, headers = await user_with_token(client)
    await add_to_cart(client, headers, variant)
    patched = await client.patch(f"/api/products/{product['id']}/variants/{variant}", json={"price": 120_000},
                                 headers=admin)
    assert patched.status_code == 200, patched.text
    cart = (await client.get("/api/cart", headers=headers)).json()
    line = cart["groups"][0]["items"][0]
    assert line["price_changed"] is True and line["unit_price"] == 120_000 and line["price_at_add"] == 100_000
    assert cart["has_price_changes"] is True


async def test_stock_check_and_bounds(client, db):
    admin = await admin_headers(client, db)
    product = await stocked_product(client, admin, quantity=3)
    variant = product["variants"][0]["id"]
    _, headers = await user_with_token(client)
    assert_problem(await client.post("/api/cart/items", json={"variant_id": variant, "quantity": 4}, headers=headers),
                   409, "out_of_stock")
    for quantity in (0, -1, 100):
        assert_problem(await client.post("/api/cart/items", json={"variant_id": variant, "quantity": quantity},
                                         headers=headers), 422)
    assert_problem(await client.post("/api/cart/items", json={"variant_id": variant, "price": 1}, headers=headers),
                   422)
    await add_to_cart(client, headers, variant, 3)
    assert_problem(await client.patch(f"/api/cart/items/{variant}", json={"quantity": 4}, headers=headers), 409)
    assert_problem(await client.patch(f"/api/cart/items/{variant}", json={"quantity": 0}, headers=headers), 422)
    assert_problem(await client.patch(f"/api/cart/items/{uuid.uuid4()}", json={"quantity": 1}, headers=headers), 404)


@pytest.mark.parametrize("kind", ["draft", "unknown"])
async def test_unpurchasable_variants_are_rejected(client, db, kind):
    admin = await admin_headers(client, db)
    variant = (await draft_product(client, admin))["variants"][0]["id"] if kind == "draft" else str(uuid.uuid4())
    _, headers = await user_with_token(client)
    assert_problem(await client.post("/api/cart/items", json={"variant_id": variant}, headers=headers), 422,
                   "variant_not_purchasable")


async def test_nobody_reads_or_changes_another_users_cart(client, db):
    admin = await admin_headers(client, db)
    product = await stocked_product(client, admin)
    variant = product["variants"][0]["id"]
    owner, owner_h = await user_with_token(client)
    _, other_h = await user_with_token(client)
    await add_to_cart(client, owner_h, variant, 2)
    assert (await client.get(f"/api/cart/{owner['id']}", headers=owner_h)).json()["item_count"] == 2
    assert_problem(await client.get(f"/api/cart/{owner['id']}", headers=other_h), 404, "cart_not_found")
    # The other user's cart operations only ever touch their own cart.
    assert_problem(await client.delete(f"/api/cart/items/{variant}", headers=other_h), 404)
    assert (await client.get("/api/cart", headers=owner_h)).json()["item_count"] == 2
    assert_problem(await client.get("/api/cart"), 401)
