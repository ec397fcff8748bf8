"""Money flows over HTTP for the ledger, wallet and payout tests: sellers, their products, buying,
paying, delivering and completing orders, and reading the books."""

from __future__ import annotations

import secrets

import httpx
from sqlalchemy import text

from tests.events import drain
from tests.factories import add_to_cart, address, checkout, stocked_product
from tests.seller_factories import approved_seller

COMMISSION_BPS = 500


def commission(goods: int, bps: int = COMMISSION_BPS) -> int:
    """The platform's share, rounded up to the rupiah (Money.allocate gives the remainder to it)."""
    return -(-goods * bps // 10_000) if goods > 0 else 0


async def seller(client: httpx.AsyncClient, admin: dict[str, str], username: str | None = None
                 ) -> tuple[dict, dict[str, str]]:
    """A user whose shop an admin approved (through onboarding), logged in again so the token
    carries the seller role."""
    return await approved_seller(client, admin, username)


async def seller_product(client: httpx.AsyncClient, admin: dict[str, str], db, seller_id: str | None, *,  # noqa: ANN001
                         price: int = 100_000, quantity: int = 100) -> str:
    """An active, stocked product sold by `seller_id` (None: the platform). Returns its variant id."""
    product = await stocked_product(client, admin, quantity=quantity, price=price)
    if seller_id is not None:
        async with db.session() as session:
            await session.execute(text("UPDATE catalog.product SET seller_id = :s WHERE id = :p"),
                                  {"s": seller_id, "p": product["id"]})
            await session.commit()
    return product["variants"][0]["id"]


async def buy(client: httpx.AsyncClient, headers: dict[str, str], variants: list[str], *, quantity: int = 1,
              where: dict | None = None, **overrides) -> httpx.Response:  # noqa: ANN003
    where = where or await address(client, headers)
    for variant in variants:
        await add_to_cart(client, headers, variant, quantity)
    return await checkout(client, headers, where["id"], **overrides)


async def pay(client: httpx.AsyncClient, headers: dict[str, str], intent_id: str) -> None:
    response = await client.post("/api/payments", headers=headers,
                                 json={"intent_id": intent_id, "test_scenario": "success"})
    assert response.status_code == 200, response.text


async def deliver(client: httpx.AsyncClient, admin: dict[str, str], order_id: str, settings, db, redis) -> None:  # noqa: ANN001
    shipped = await client.post(f"/api/orders/{order_id}/ship", json={}, headers=admin)
    assert shipped.status_code == 200, shipped.text
    for _ in range(3):
        moved = await client.post(f"/api/shipping/test-courier/shipments/{shipped.json()['tracking']['id']}/advance",
                                  headers=admin)
        assert moved.status_code == 200, moved.text
    await drain(settings, db, redis)


async def bought_and_paid(client: httpx.AsyncClient, headers: dict[str, str], variants: list[str], settings, db,  # noqa: ANN001
                          redis, **overrides) -> dict:  # noqa: ANN003
    body = (await buy(client, headers, variants, **overrides)).json()
    if body.get("payment_intent_id"):
        await pay(client, headers, body["payment_intent_id"])
    await drain(settings, db, redis)
    return body


async def completed_order(client: httpx.AsyncClient, admin: dict[str, str], buyer: dict[str, str], variant: str,
                          settings, db, redis, **overrides) -> dict:  # noqa: ANN001, ANN003
    """Bought, paid, delivered and confirmed by the buyer; returns the order."""
    body = await bought_and_paid(client, buyer, [variant], settings, db, redis, **overrides)
    order_id = body["orders"][0]["id"]
    await deliver(client, admin, order_id, settings, db, redis)
    done = await client.post(f"/api/orders/{order_id}/complete", headers=buyer)
    assert done.status_code == 200, done.text
    await drain(settings, db, redis)
    return done.json()


async def wallet_balance(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    response = await client.get("/api/wallet", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["balance"]


async def goodwill(client: httpx.AsyncClient, admin: dict[str, str], user_id: str, amount: int) -> None:
    response = await client.post(f"/api/admin/wallets/{user_id}/goodwill", headers=admin,
                                 json={"amount": amount, "reason": "test credit"})
    assert response.status_code == 201, response.text


async def balance(client: httpx.AsyncClient, headers: dict[str, str]) -> dict:
    response = await client.get("/api/sellers/me/balance", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def books(client: httpx.AsyncClient, admin: dict[str, str]) -> dict:
    """The trial balance, asserted to balance; returns {kind: balance} plus the report."""
    response = await client.get("/api/admin/ledger/trial-balance", headers=admin)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["balanced"] and report["unbalanced_journals"] == 0 and report["cached_mismatches"] == [], report
    assert report["total_debits"] == report["total_credits"]
    return {**{k["kind"]: k["balance"] for k in report["kinds"]}, "_report": report}


def key() -> str:
    return secrets.token_hex(8)
