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
