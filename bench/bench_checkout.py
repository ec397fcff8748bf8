"""Checkout under contention and a webhook storm: `python -m bench.bench_checkout [--buyers 500] [--units 100]`.

1. Race: BUYERS concurrent buyers check out one SKU that has UNITS units, over HTTP against the real
   server. Exactly UNITS orders must succeed, every other buyer gets 409 with code `out_of_stock` (no
   other status, no other conflict), and the stock ends at 0 available, never negative; a violated
   invariant exits 1. Reported: checkouts/s, and pgbench's TPC-B tps on the same database
   in the same run, with the ratio (goal ≥ 0.10).
2. Webhook storm: each payment event delivered 10 times, shuffled, concurrently: exactly one
   transition per payment and one `payment.succeeded` outbox row each.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import re
import secrets
import shutil
import subprocess
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from bench.bench_social import make_users
from bench.harness import RESULTS_DIR, BenchServer

console = Console()
JWT_SECRET = secrets.token_urlsafe(48)
CLIENT_CONNECTIONS = 50  # buyers per httpx client, see race()


def _pgbench() -> str | None:
    found = shutil.which("pgbench")
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"))
    if candidates:
        return str(candidates[-1])
    try:
        from commerce.core.embedded import EmbeddedPostgres

        return str(EmbeddedPostgres._bin("pgbench"))
    except Exception:  # noqa: BLE001
        return None


def pgbench_tps(db_url: str, seconds: int = 10, clients: int = 8) -> float | None:
    """TPC-B-like tps on the same database, the baseline for 'how fast can this Postgres commit'."""
    binary = _pgbench()
    if binary is None:
        return None
    subprocess.run([binary, "-i", "-s", "1", "-q", db_url], check=True, capture_output=True, text=True)
    out = subprocess.run([binary, "-c", str(clients), "-j", "2", "-T", str(seconds), "-n", db_url],
                         check=True, capture_output=True, text=True).stdout
    match = re.search(r"tps = ([0-9.]+)", out)
    return float(match.group(1)) if match else None


async def _setup(server: BenchServer, buyers: int, units: int) -> tuple[str, list[str], list[str]]:
    """Product with UNITS on hand; BUYERS users, each with an address and one unit in the cart."""
    from commerce.addresses import service as addresses
    from commerce.addresses.schemas import AddressCreate
    from commerce.auth.tokens import issue_access_token
    from commerce.cart import service as cart
    from commerce.cart.schemas import AddItem
    from commerce.catalog import service as catalog
    from commerce.catalog.schemas import CategoryCreate, ProductCreate
    from commerce.core.db import Database
    from commerce.core.settings import Settings
    from commerce.inventory import service as inventory
    from commerce.inventory.schemas import WarehouseCreate

    settings = Settings(jwt_secret=JWT_SECRET, _env_file=None)
    db = Database(server.stores.db_url, pool_size=4)
    try:
        async with db.session() as session:
            category = await catalog.create_category(session, data=CategoryCreate(name="Bench"))
            product = await catalog.create_product(session, data=ProductCreate.model_validate({
                "name": "Limited Sneakers", "category_id": str(category.id),
                "variants": [{"sku": "BENCH-1", "price": 250_000, "weight_grams": 800}]}))
            await catalog.submit_product(session, product_id=product.id)
            await catalog.approve_product(session, product_id=product.id)
            variant_id = product.variants[0].id
            warehouse = await inventory.create_warehouse(session, data=WarehouseCreate.model_validate(
                {"code": "WH-BENCH", "name": "Bench", "province": "DKI Jakarta", "city": "Jakarta"}))
            await inventory.receive(session, warehouse_id=warehouse.id, variant_id=variant_id, quantity=units)
        user_ids = make_users(server.stores.db_url, buyers)
        address_ids, tokens = [], []
        now = datetime.now(UTC)
        for user_id in user_ids:
            async with db.session() as session:
                address = await addresses.create_address(session, user_id=user_id, data=AddressCreate.model_validate({
                    "recipient": "Pembeli", "phone": "081234567890", "province": "Jawa Barat", "city": "Bandung",
                    "district": "Coblong", "postal_code": "40132", "street": "Jl. Dago 1"}))
                await cart.add_item(session, user_id=user_id, data=AddItem(variant_id=variant_id, quantity=1))
            address_ids.append(str(address.id))
            token, _ = issue_access_token(secret=JWT_SECRET, user_id=user_id, roles=["buyer"], now=now,
                                          ttl_s=3600, issuer=settings.jwt_issuer, audience=settings.jwt_audience)
            tokens.append(token)
        return str(variant_id), tokens, address_ids
    finally:
        await db.dispose()


async def race(server: BenchServer, buyers: int, units: int) -> dict:
    variant_id, tokens, address_ids = await _setup(server, buyers, units)
    # One httpx client per CLIENT_CONNECTIONS buyers: httpcore's pool scans every connection for
    # each waiting request, so one client of 500 connections spent more CPU than the server (500
    # requests to the no-op bare endpoint took 5.7 s that way) and the figure measured the client.
    clients = [httpx.AsyncClient(base_url=server.base_url, timeout=120, limits=httpx.Limits(
        max_connections=CLIENT_CONNECTIONS, max_keepalive_connections=CLIENT_CONNECTIONS))
        for _ in range(-(-buyers // CLIENT_CONNECTIONS))]
    async with contextlib.AsyncExitStack() as stack:
        for client in clients:
            await stack.enter_async_context(client)
        http = clients[0]

        async def one(i: int, token: str, address_id: str) -> int:
            response = await clients[i // CLIENT_CONNECTIONS].post("/api/checkout", json={
                "address_id": address_id, "shipping": {"courier": "test", "service": "regular"},
                "payment_method": "bank_va"}, headers={"Authorization": f"Bearer {token}",
                                                       "Idempotency-Key": secrets.token_hex(8)})
            if response.status_code == 409:
                conflict_codes.append(response.json().get("code"))
            elif response.status_code != 201:
                unexpected.append(f"{response.status_code} {response.json().get('code')}")
            return response.status_code

        unexpected: list[str] = []
        conflict_codes: list[str | None] = []
        started = time.perf_counter()
        statuses = await asyncio.gather(*[one(i, t, a)
                                          for i, (t, a) in enumerate(zip(tokens, address_ids, strict=True))])
        if unexpected:
            from collections import Counter

            from bench.harness import summarise_log_line

            console.print(f"[yellow]other answers: {dict(Counter(unexpected))}")
            errors = [x for x in server.log_tail(2000).splitlines() if '"error"' in x]
            for line in sorted({summarise_log_line(x) for x in errors})[:5]:
                console.print(f"  server: {line}")
            if errors:
                exc = json.loads(errors[-1]).get("exc", "")
                console.print("  last traceback: " + " | ".join(exc.strip().splitlines()[-4:])[:600])
        elapsed = time.perf_counter() - started
        check = await http.post("/api/inventory/check", headers={"Authorization": f"Bearer {tokens[0]}"},
                                json={"items": [{"variant_id": variant_id, "quantity": 1}]})
    import psycopg

    with psycopg.connect(server.stores.db_url) as conn:
        negative = conn.execute("SELECT count(*) FROM inventory.stock WHERE on_hand < 0").fetchone()[0]
    return {
        "buyers": buyers, "units": units, "succeeded": statuses.count(201),
        "out_of_stock": conflict_codes.count("out_of_stock"),
        "other_conflicts": len(conflict_codes) - conflict_codes.count("out_of_stock"),
        "other": len(statuses) - statuses.count(201) - statuses.count(409),
        "available_after": check.json()["items"][0]["available"], "negative_stock_rows": negative,
        "seconds": elapsed, "checkouts_per_s": buyers / elapsed, "orders_per_s": statuses.count(201) / elapsed,
    }


async def webhook_storm(server: BenchServer, payments_count: int = 50, copies: int = 10) -> dict:
    import psycopg

    from commerce.core.db import Database
    from commerce.core.settings import Settings
    from commerce.payments import service as payments
    from commerce.payments.webhooks import SIGNATURE_HEADER, sign

    secret = Settings(jwt_secret=JWT_SECRET, _env_file=None).webhook_secret("payments")
    db = Database(server.stores.db_url, pool_size=2)
    deliveries = []
    try:
        for i in range(payments_count):
            async with db.session() as session:
                buyer = uuid.uuid4()
                intent = await payments.create_intent(session, reference=f"storm-{i}-{uuid.uuid4()}",
                                                      buyer_id=buyer, amount=100_000, method="bank_va")
                await session.commit()
                # A virtual account: the buyer has the number and the bank's webhooks are pending.
                await payments.pay(session, intent_id=intent.id, buyer_id=buyer, method="bank_va",
                                   scenario="pending_then_success", secret=secret)
            created = int(time.time())
            body = json.dumps({"id": f"evt_{uuid.uuid4().hex}", "type": "payment.succeeded", "created": created,
                               "data": {"intent_id": str(intent.id), "amount": 100_000}}).encode()
            deliveries += [body] * copies
    finally:
        await db.dispose()
    random.shuffle(deliveries)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as http:
        sem = asyncio.Semaphore(32)

        async def deliver(body: bytes) -> int:
            """Like a provider: a dropped connection is retried (that is one more duplicate delivery)."""
            async with sem:
                for attempt in range(5):
                    try:
                        response = await http.post("/api/payments/webhooks/test", content=body, headers={
                            "content-type": "application/json", SIGNATURE_HEADER: sign(secret, body)})
                        return response.status_code
                    except httpx.TransportError:
                        await asyncio.sleep(0.2 * (attempt + 1))
                return 599

        started = time.perf_counter()
        statuses = await asyncio.gather(*[deliver(b) for b in deliveries])
        elapsed = time.perf_counter() - started
    with psycopg.connect(server.stores.db_url) as conn:
        succeeded = conn.execute(
            "SELECT count(*) FROM payments.payment_intent WHERE status = 'succeeded'").fetchone()[0]
        outbox = conn.execute(
            "SELECT count(*) FROM platform.outbox_event WHERE topic = 'payment.succeeded'").fetchone()[0]
    return {"payments": payments_count, "deliveries": len(deliveries), "non_2xx": sum(s >= 300 for s in statuses),
            "succeeded_intents": succeeded, "payment_succeeded_events": outbox, "seconds": elapsed,
            "deliveries_per_s": len(deliveries) / elapsed}


def race_holds(figures: dict) -> bool:
    """Exactly UNITS buyers get an order, every other buyer a 409 whose code is `out_of_stock` (no
    other conflict, no other status), and the stock ends at zero, never below."""
    units = min(figures["units"], figures["buyers"])
    return (figures["succeeded"] == units and figures["out_of_stock"] == figures["buyers"] - units
            and figures["other_conflicts"] == 0 and figures["other"] == 0
            and figures["available_after"] == figures["units"] - units and figures["negative_stock_rows"] == 0)


def storm_holds(storm: dict) -> bool:
    """One transition and one `payment.succeeded` per payment, however often each was delivered."""
    return (storm["succeeded_intents"] == storm["payments"]
            and storm["payment_succeeded_events"] == storm["payments"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=500)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    args = parser.parse_args()
    with BenchServer(workers=args.workers, extra_env={"LAKOO_JWT_SECRET": JWT_SECRET}) as server:
        figures = asyncio.run(race(server, args.buyers, args.units))
        tps = pgbench_tps(server.stores.db_url, seconds=args.pgbench_seconds)
        figures["pgbench_tps"] = tps
        figures["ratio_vs_pgbench"] = figures["checkouts_per_s"] / tps if tps else None
        console.print(figures)
        storm = asyncio.run(webhook_storm(server))
    table = Table("figure", "value", title="checkout race and webhook storm")
    for key, value in {**figures, **{f"storm_{k}": v for k, v in storm.items()}}.items():
        table.add_row(key, f"{value:,.3f}" if isinstance(value, float) else str(value))
    console.print(table)
    ok = race_holds(figures) and storm_holds(storm)
    console.print("[green]invariants hold[/green]" if ok else "[red]INVARIANTS VIOLATED[/red]")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "checkout.json").write_text(json.dumps({"race": figures, "storm": storm}, indent=2))
    if not ok:
        raise SystemExit(1)  # a violated invariant is a failed run, whatever the throughput


if __name__ == "__main__":
    main()
