"""Catalog objects made through the admin API, as production makes them."""

from __future__ import annotations

import secrets

import httpx


async def category(client: httpx.AsyncClient, admin: dict[str, str], name: str | None = None) -> dict:
    name = name or f"Kategori {secrets.token_hex(3)}"
    response = await client.post("/api/categories", json={"name": name}, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()


async def draft_product(client: httpx.AsyncClient, admin: dict[str, str], *, name: str | None = None,
                        price: int = 99_000, category_id: str | None = None) -> dict:
    category_id = category_id or (await category(client, admin))["id"]
    response = await client.post("/api/products", headers=admin, json={
        "name": name or f"Produk {secrets.token_hex(3)}",
        "description": "Demo product",
        "category_id": category_id,
        "variants": [{"sku": f"SKU-{secrets.token_hex(4).upper()}", "attributes": {"size": "M"}, "price": price,
                      "weight_grams": 500}],
        "images": [{"url": "https://img.example.com/p.jpg", "width": 800, "height": 800}],
    })
    assert response.status_code == 201, response.text
    return response.json()


async def active_product(client: httpx.AsyncClient, admin: dict[str, str], **kwargs) -> dict:  # noqa: ANN003
    product = await draft_product(client, admin, **kwargs)
    for step in ("submit", "approve"):
        response = await client.post(f"/api/products/{product['id']}/{step}", headers=admin)
        assert response.status_code == 200, response.text
    return response.json()


async def warehouse(client: httpx.AsyncClient, admin: dict[str, str], province: str = "DKI Jakarta") -> dict:
    response = await client.post("/api/inventory/warehouses", headers=admin, json={
        "code": f"WH-{secrets.token_hex(3).upper()}", "name": "Gudang Cakung", "province": province,
        "city": "Jakarta Timur"})
    assert response.status_code == 201, response.text
    return response.json()


async def stocked_product(client: httpx.AsyncClient, admin: dict[str, str], *, quantity: int = 10,
                          warehouse_id: str | None = None, **kwargs) -> dict:  # noqa: ANN003
    """An active product whose first variant has QUANTITY units on hand."""
    product = await active_product(client, admin, **kwargs)
    warehouse_id = warehouse_id or (await warehouse(client, admin))["id"]
    response = await client.post("/api/inventory/stock", headers=admin, json={
        "warehouse_id": warehouse_id, "variant_id": product["variants"][0]["id"], "quantity": quantity})
    assert response.status_code in (200, 201), response.text
    return product


ADDRESS = {"label": "Rumah", "recipient": "Ayu Lestari", "phone": "081234567890", "province": "Jawa Barat",
           "city": "Bandung", "district": "Coblong", "postal_code": "40132", "street": "Jl. Dago No. 12"}


async def address(client: httpx.AsyncClient, headers: dict[str, str], **overrides) -> dict:  # noqa: ANN003
    response = await client.post("/api/addresses", headers=headers, json={**ADDRESS, **overrides})
    assert response.status_code == 201, response.text
    return response.json()


async def add_to_cart(client: httpx.AsyncClient, headers: dict[str, str], variant_id: str, quantity: int = 1,
                      **extra) -> dict:  # noqa: ANN003
    response = await client.post("/api/cart/items", headers=headers,
                                 json={"variant_id": variant_id, "quantity": quantity, **extra})
    assert response.status_code == 200, response.text
    return response.json()


CHECKOUT = {"shipping": {"courier": "test", "service": "regular"}, "payment_method": "bank_va"}


async def checkout(client: httpx.AsyncClient, headers: dict[str, str], address_id: str, key: str | None = None,
                   **overrides) -> httpx.Response:  # noqa: ANN003
    return await client.post("/api/checkout", headers={**headers, "Idempotency-Key": key or secrets.token_hex(8)},
                             json={**CHECKOUT, "address_id": address_id, **overrides})
