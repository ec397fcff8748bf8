"""Migration or01 on a database of its own: orders a partial refund left `partially_refunded` go back
to the fulfilment status their timestamps say they reached (with a timeline entry), the status is no
longer accepted, and the downgrade restores the old meaning."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from alembic import command

from commerce.core.db import libpq_url
from commerce.core.migrate import alembic_config, upgrade

# name → (timestamps set besides paid_at, refunded_amount, status expected after the upgrade)
ORDERS = {
    "paid": ((), 10_000, "paid"),
    "accepted": (("accepted_at",), 10_000, "processing"),
    "shipped": (("accepted_at", "shipped_at"), 10_000, "shipped"),
    "delivered": (("shipped_at", "delivered_at"), 10_000, "delivered"),
    "completed": (("shipped_at", "delivered_at", "completed_at"), 10_000, "completed"),
    "completed_unshipped": (("completed_at",), 10_000, "completed"),  # what the old bug allowed: kept as is
}


@pytest.fixture
def fresh_url(store_urls: tuple[str, str]) -> Iterator[str]:
    base, _, _ = libpq_url(store_urls[0]).rpartition("/")
    name = f"lakoo_mig_{secrets.token_hex(4)}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _insert(conn: psycopg.Connection, status: str, stamps: tuple[str, ...], refunded: int) -> uuid.UUID:
    checkout_id, order_id = uuid.uuid4(), uuid.uuid4()
    conn.execute("INSERT INTO orders.checkout (id, buyer_id, idempotency_key, request_hash, response, created_at) "
                 "VALUES (%s, %s, %s, 'h', '{}', now())", (checkout_id, uuid.uuid4(), secrets.token_hex(4)))
    columns = "".join(f", {stamp}" for stamp in stamps)
    values = ", now()" * len(stamps)
    conn.execute(
        "INSERT INTO orders.\"order\" (id, checkout_id, buyer_id, status, currency, subtotal, shipping_fee, total, "
        "refunded_amount, refunded_to_wallet, courier, courier_service, shipping_address, created_at, expires_at, "
        f"paid_at{columns}) VALUES (%s, %s, %s, %s, 'IDR', 90000, 10000, 100000, %s, %s, 'test', 'regular', '{{}}', "
        f"now(), now(), now(){values})", (order_id, checkout_id, uuid.uuid4(), status, refunded, refunded))
    return order_id


def _statuses(conn: psycopg.Connection, ids: dict[str, uuid.UUID]) -> dict[str, str]:
    rows = dict(conn.execute('SELECT id, status FROM orders."order"').fetchall())
    return {name: rows[order_id] for name, order_id in ids.items()}


def test_partially_refunded_orders_get_their_fulfilment_status_back(fresh_url):
    upgrade(fresh_url)
    command.downgrade(alembic_config(fresh_url), "sl01")
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        assert "or01" not in {r[0] for r in conn.execute("SELECT version_num FROM alembic_version")}
        ids = {name: _insert(conn, "partially_refunded", stamps, refunded)
               for name, (stamps, refunded, _) in ORDERS.items()}
        ids["untouched"] = _insert(conn, "delivered", ("shipped_at", "delivered_at"), 0)

    upgrade(fresh_url)
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        expected = {name: status for name, (_, _, status) in ORDERS.items()}
        assert _statuses(conn, ids) == {**expected, "untouched": "delivered"}
        timeline = conn.execute("SELECT order_id, from_status, to_status FROM orders.order_status_change").fetchall()
        assert sorted(timeline) == sorted((ids[name], "partially_refunded", status)
                                          for name, status in expected.items())
        with pytest.raises(psycopg.errors.CheckViolation):
            _insert(conn, "partially_refunded", (), 10_000)

    command.downgrade(alembic_config(fresh_url), "sl01")
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        assert set(_statuses(conn, ids).values()) == {"partially_refunded", "delivered"}
        assert _statuses(conn, ids)["untouched"] == "delivered"
    upgrade(fresh_url)
