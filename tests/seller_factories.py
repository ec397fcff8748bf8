"""Sellers, their products and their orders, made over HTTP the way a seller and an admin make them."""

from __future__ import annotations

import secrets

import httpx

from tests.events import drain
from tests.factories import add_to_cart, address, category, checkout
from tests.helpers import login, user_with_token

# A valid KTP number: Jakarta (31), born 17-08-1990 (a woman: day + 40), serial 0001.
NIK = "3174015708900001"
ACCOUNT_NUMBER = "8830451297"


def application(**overrides) -> dict:  # noqa: ANN003
    handle = f"toko-{secrets.token_hex(3)}"
    body = {
        "shop_name": "Toko Seruni", "handle": handle, "description": "Batik tulis dan kain tenun",
        "province": "DI Yogyakarta", "city": "Yogyakarta", "business_type": "individual",
        "legal_name": "Seruni Rahayu", "nik": NIK,
        "payout_account": {"bank_code": "bca", "account_number": ACCOUNT_NUMBER, "holder_name": "Seruni Rahayu"},
    }
    return {**body, **overrides}


async def apply(client: httpx.AsyncClient, headers: dict[str, str], **overrides) -> dict:  # noqa: ANN003
    response = await client.post("/api/sellers/apply", headers=headers, json=application(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


async def approved_seller(client: httpx.AsyncClient, admin: dict[str, str], username: str | None = None,
                          **overrides) -> tuple[dict, dict[str, str]]:  # noqa: ANN003
    """A user whose application an admin approved, logged in again so the token carries `seller`."""
    user, headers = await user_with_token(client, username)
    await apply(client, headers, **overrides)
    approved = await client.post(f"/api/sellers/applications/{user['id']}/approve", headers=admin)
    assert approved.status_code == 200, approved.text
    tokens = await login(client, user["email"])
    return {**user, **tokens, "handle": approved.json()["handle"]}, {
        "Authorization": f"Bearer {tokens['access_token']}"}


def product_body(*, name: str | None = None, price: int = 125_000, category_id: str,
                 sizes: tuple[str, ...] = ("M",)) -> dict:
    return {
        "name": name or f"Kain Tenun {secrets.token_hex(2)}", "description": "Tenun ikat asli",
        "category_id": category_id,
        "variants": [{"sku": f"SL-{secrets.token_hex(4).upper()}", "attributes": {"size": size}, "price": price,
                      "weight_grams": 400} for size in sizes],
        "images": [{"url": "https://img.example.com/tenun.jpg", "width": 1080, "height": 1080}],
    }


async def draft(client: httpx.AsyncClient, seller: dict[str, str], admin: dict[str, str], **kwargs) -> dict:  # noqa: ANN003
    category_id = kwargs.pop("category_id", None) or (await category(client, admin))["id"]
    response = await client.post("/api/sellers/me/products", headers=seller,
                                 json=product_body(category_id=category_id, **kwargs))
    assert response.status_code == 201, response.text
    return response.json()


async def live_product(client: httpx.AsyncClient, seller: dict[str, str], admin: dict[str, str], *,
                       stock: int = 10, **kwargs) -> dict:  # noqa: ANN003
    """Draft → submit → admin approves → stock in a new warehouse of the seller's."""
    product = await draft(client, seller, admin, **kwargs)
    submitted = await client.post(f"/api/sellers/me/products/{product['id']}/submit", headers=seller)
    assert submitted.status_code == 200, submitted.text
    approved = await client.post(f"/api/products/{product['id']}/approve", headers=admin)
    assert approved.status_code == 200, approved.text
    if stock:
        warehouse = await client.post("/api/sellers/me/warehouses", headers=seller, json={
            "code": f"WH-{secrets.token_hex(3).upper()}", "name": "Gudang Toko", "province": "DI Yogyakarta",
            "city": "Sleman"})
        assert warehouse.status_code == 201, warehouse.text
        for variant in approved.json()["variants"]:
            received = await client.post("/api/sellers/me/stock", headers=seller, json={
                "warehouse_id": warehouse.json()["id"], "variant_id": variant["id"], "quantity": stock})
            assert received.status_code == 200, received.text
    return approved.json()


Buyer = tuple[dict, dict[str, str]]


async def paid_order(client: httpx.AsyncClient, settings, db, redis, product: dict, *,  # noqa: ANN001
                     quantity: int = 1, buyer: Buyer | None = None) -> Buyer:
    """A buyer orders the product's first variant and pays with the test provider; the worker's
    consumers have run, so the order is paid."""
    user, headers = buyer or await user_with_token(client)
    where = await address(client, headers)
    await add_to_cart(client, headers, product["variants"][0]["id"], quantity)
    placed = await checkout(client, headers, where["id"])
    assert placed.status_code == 201, placed.text
    paid = await client.post("/api/payments", headers=headers, json={
        "intent_id": placed.json()["payment_intent_id"], "test_scenario": "success"})
    assert paid.status_code == 200, paid.text
    await drain(settings, db, redis)
    order = (await client.get(f"/api/orders/{placed.json()['orders'][0]['id']}", headers=headers)).json()
    assert order["status"] == "paid", order
    return order, headers
