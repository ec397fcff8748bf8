"""Helpers for notification tests: reading an inbox over HTTP, recording providers, and a product
sold by a seller (a user) — made the way the sellers context will make it, through the catalog."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path

import httpx

from commerce.notifications.channels import (
    DeliveryFailed,
    FileSink,
    OutboundMessage,
    SendResult,
    build_email,
    encode_json,
)
from commerce.notifications.config import NotificationConfig
from tests import factories


async def inbox(client: httpx.AsyncClient, headers: dict[str, str], **params) -> list[dict]:  # noqa: ANN003
    response = await client.get("/api/notifications", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def unread(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    response = await client.get("/api/notifications/unread-count", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["unread"]


class RecordingSink(FileSink):
    """A file sink that also counts calls, so a test can tell "called twice" from "sent twice"."""

    def __init__(self, name: str, directory: Path, suffix: str, encode) -> None:  # noqa: ANN001
        super().__init__(name, directory, suffix, encode)
        self.calls: list[OutboundMessage] = []

    async def send(self, message: OutboundMessage) -> SendResult:
        self.calls.append(message)
        return await super().send(message)

    def files(self) -> list[Path]:
        return sorted(self.directory.glob(f"*{self.suffix}")) if self.directory.exists() else []


class Flaky:
    """Fails the first `failures` calls (transiently), then delegates; `permanent` fails for good."""

    def __init__(self, inner, failures: int, *, permanent: bool = False) -> None:  # noqa: ANN001
        self.inner, self.failures, self.permanent = inner, failures, permanent
        self.name, self.deduplicates = inner.name, inner.deduplicates
        self.calls = 0

    async def send(self, message: OutboundMessage) -> SendResult:
        self.calls += 1
        if self.calls <= self.failures:
            raise DeliveryFailed(f"provider down (call {self.calls})", permanent=self.permanent)
        return await self.inner.send(message)


def sinks(root: Path) -> dict[str, RecordingSink]:
    def mail(message: OutboundMessage) -> bytes:
        return bytes(build_email(message, "LAKOO <no-reply@lakoo.id>"))

    return {
        "email": RecordingSink("file-email", root / "email", ".eml", mail),
        "push": RecordingSink("file-push", root / "push", ".json", encode_json),
        "sms": RecordingSink("file-sms", root / "sms", ".json", encode_json),
    }


def config(**overrides) -> NotificationConfig:  # noqa: ANN003
    return NotificationConfig(**{"batch_delay_s": 0, "retry_base_s": 10, "retry_max_s": 600, "max_attempts": 4,
                                 "lease_s": 120, **overrides})


async def seller_product(client: httpx.AsyncClient, db, admin: dict[str, str], *, seller_id: str,  # noqa: ANN001
                         quantity: int = 10, price: int = 150_000, name: str | None = None,
                         approve: bool = True) -> dict:
    """A seller's product: a draft created for the seller, submitted, then approved (or left pending)
    by an admin over HTTP, with stock when approved."""
    import uuid

    from commerce.catalog import service as catalog
    from commerce.catalog.schemas import ProductCreate

    category = await factories.category(client, admin)
    async with db.session() as session:
        draft = await catalog.create_product(session, seller_id=uuid.UUID(seller_id), data=ProductCreate(
            name=name or f"Produk {secrets.token_hex(3)}", description="Buatan tangan", category_id=category["id"],
            variants=[{"sku": f"SKU-{secrets.token_hex(4).upper()}", "attributes": {"warna": "hitam"},
                       "price": price, "weight_grams": 400}],
            images=[{"url": "https://img.example.com/s.jpg", "width": 800, "height": 800}]))
    product_id = str(draft.id)
    response = await client.post(f"/api/products/{product_id}/submit", headers=admin)
    assert response.status_code == 200, response.text
    if not approve:
        return response.json()
    response = await client.post(f"/api/products/{product_id}/approve", headers=admin)
    assert response.status_code == 200, response.text
    product = response.json()
    warehouse = await factories.warehouse(client, admin)
    stocked = await client.post("/api/inventory/stock", headers=admin, json={
        "warehouse_id": warehouse["id"], "variant_id": product["variants"][0]["id"], "quantity": quantity})
    assert stocked.status_code in (200, 201), stocked.text
    return product


def by_type(items: list[dict]) -> Mapping[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for item in items:
        out.setdefault(item["type"], []).append(item)
    return out
