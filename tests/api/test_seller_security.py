"""The sellers context's security promises, one test each: authentication on every seller endpoint,
sellers-only endpoints refuse everyone else, admins-only endpoints refuse sellers, and bank details
never leave the API unmasked."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.events import drain
from tests.helpers import admin_headers, assert_problem, login, user_with_token
from tests.seller_factories import ACCOUNT_NUMBER, NIK, application, apply, approved_seller, live_product, paid_order

ID = str(uuid.uuid4())
SELLER_ONLY = [
    ("PATCH", "/api/sellers/me", {"city": "Solo"}),
    ("GET", "/api/sellers/me/stats", None),
    ("GET", "/api/sellers/me/products", None),
    ("POST", "/api/sellers/me/products", {"name": "x", "category_id": ID}),
    ("GET", f"/api/sellers/me/products/{ID}", None),
    ("PATCH", f"/api/sellers/me/products/{ID}", {"name": "x"}),
    ("POST", f"/api/sellers/me/products/{ID}/variants", {"sku": "AB", "price": 1, "weight_grams": 1}),
    ("PATCH", f"/api/sellers/me/products/{ID}/variants/{ID}", {"price": 1}),
    ("POST", f"/api/sellers/me/products/{ID}/submit", None),
    ("POST", f"/api/sellers/me/products/{ID}/archive", None),
    ("GET", "/api/sellers/me/warehouses", None),
    ("POST", "/api/sellers/me/warehouses", {"code": "AB", "name": "x", "province": "Bali", "city": "Denpasar"}),
    ("GET", "/api/sellers/me/stock", None),
    ("POST", "/api/sellers/me/stock", {"warehouse_id": ID, "variant_id": ID, "quantity": 1}),
    ("POST", "/api/sellers/me/stock/adjust", {"warehouse_id": ID, "variant_id": ID, "delta": 1}),
    ("GET", "/api/sellers/me/orders", None),
    ("GET", f"/api/sellers/me/orders/{ID}", None),
    ("POST", f"/api/sellers/me/orders/{ID}/accept", None),
    ("POST", f"/api/sellers/me/orders/{ID}/pack", None),
    ("POST", f"/api/sellers/me/orders/{ID}/ship", {}),
    ("POST", f"/api/sellers/me/orders/{ID}/cancel", {"reason": "x"}),
]
ADMIN_ONLY = [
    ("GET", "/api/sellers/applications", None),
    ("GET", f"/api/sellers/applications/{ID}", None),
    ("POST", f"/api/sellers/applications/{ID}/approve", None),
    ("POST", f"/api/sellers/applications/{ID}/reject", {"reason": "x"}),
    ("GET", "/api/moderation/products", None),
    ("POST", f"/api/products/{ID}/approve", None),
    ("POST", f"/api/products/{ID}/reject", {"reason": "x"}),
]
SIGNED_IN = [("POST", "/api/sellers/apply", None), ("GET", "/api/sellers/me", None)]
EVERY = SELLER_ONLY + ADMIN_ONLY + SIGNED_IN


@pytest.mark.parametrize("method, path, body", EVERY)
async def test_no_or_bad_token_is_401(client, method, path, body):
    assert_problem(await client.request(method, path, json=body), 401, "unauthenticated")
    forged = "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIiwicm9sZXMiOlsic2VsbGVyIl19."  # alg none, roles [seller]
    for header in ("Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer ", forged):
        assert_problem(await client.request(method, path, json=body, headers={"Authorization": header}), 401)


async def test_non_sellers_get_403_on_every_seller_endpoint(client, db):
    admin = await admin_headers(client, db)
    _, buyer = await user_with_token(client)
    _, pending = await user_with_token(client)
    await apply(client, pending)
    rejected_user, rejected = await user_with_token(client)
    await apply(client, rejected)
    await client.post(f"/api/sellers/applications/{rejected_user['id']}/reject", headers=admin, json={"reason": "no"})
    # A token that claims `seller` is not enough: the shop must be approved.
    granted_user, _ = await user_with_token(client)
    await client.post(f"/api/auth/users/{granted_user['id']}/roles", json={"role": "seller"}, headers=admin)
    tokens = await login(client, granted_user["email"])
    role_only = {"Authorization": f"Bearer {tokens['access_token']}"}
    for headers in (buyer, pending, rejected, role_only, admin):
        for method, path, body in SELLER_ONLY:
            assert_problem(await client.request(method, path, json=body, headers=headers), 403, "seller_required")


async def test_sellers_get_403_on_admin_endpoints(client, db):
    admin = await admin_headers(client, db)
    _, seller = await approved_seller(client, admin)
    for method, path, body in ADMIN_ONLY:
        assert_problem(await client.request(method, path, json=body, headers=seller), 403, "role_required")


def test_no_response_schema_can_carry_an_account_number(app):
    """Structural half of the promise: no response model of the API has a field for the number."""
    spec = app.openapi()
    offenders = [name for name, schema in spec["components"]["schemas"].items()
                 if {"account_number", "payout_account_number"} & set(schema.get("properties", {}))
                 and not name.endswith("In") and "Input" not in name]
    assert offenders == [], offenders


async def test_bank_details_never_leave_the_api_unmasked(client, settings, db, redis):
    """Behavioural half: every response of a full seller life cycle is scanned for the number."""
    bodies: list[str] = []

    async def keep(response: httpx.Response) -> None:
        await response.aread()
        bodies.append(f"{response.request.method} {response.request.url.path} {response.text}")

    client.event_hooks["response"].append(keep)
    admin = await admin_headers(client, db)
    second_number = "1370012345678"
    user, headers = await user_with_token(client)
    await apply(client, headers, handle="aman-sekali")
    await client.post(f"/api/sellers/applications/{user['id']}/reject", headers=admin, json={"reason": "blurry"})
    await client.post("/api/sellers/apply", headers=headers, json=application(handle="aman-sekali"))
    await client.get("/api/sellers/applications", headers=admin, params={"status": "pending"})
    await client.get(f"/api/sellers/applications/{user['id']}", headers=admin)
    await client.post(f"/api/sellers/applications/{user['id']}/approve", headers=admin)
    await client.get("/api/sellers/me", headers=headers)
    await client.patch("/api/sellers/me", headers=headers, json={"payout_account": {
        "bank_code": "mandiri", "account_number": second_number, "holder_name": "Seruni"}})
    product = await live_product(client, headers, admin)
    await client.get("/api/sellers/me/products", headers=headers)
    order, _ = await paid_order(client, settings, db, redis, product)
    await client.post(f"/api/sellers/me/orders/{order['id']}/accept", headers=headers)
    await client.get("/api/sellers/me/orders", headers=headers)
    await drain(settings, db, redis)
    await client.get("/api/sellers/me/stats", headers=headers)
    await client.get("/api/shops/aman-sekali")
    await client.get("/api/shops/aman-sekali/products")
    await client.get(f"/api/users/{user['id']}")
    await client.get("/openapi.json")
    seller_calls = [b for b in bodies if "/api/sellers" in b or "/api/shops" in b]
    assert len(seller_calls) >= 15
    for body in bodies:
        assert ACCOUNT_NUMBER not in body and second_number not in body, body[:200]
    assert any("••••1297" in b for b in seller_calls) and any("••••5678" in b for b in seller_calls)
    # The KTP number appears only in the verifier's own view of an application.
    assert all(NIK not in b for b in bodies if "/api/sellers/applications/" not in b)
