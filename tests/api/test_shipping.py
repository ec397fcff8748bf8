"""/api/shipping: rate quotes, shipments, the signed courier webhook and the built-in test courier."""

from __future__ import annotations

import asyncio
import importlib.util
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from sqlalchemy import insert, select, text

from commerce.addresses.provinces import PROVINCES
from commerce.core.outbox import OutboxEvent
from commerce.shipping import service as shipping
from commerce.shipping.errors import (
    ShipmentExists,
    ShippingOptionUnavailable,
    TrackingNumberRequired,
    TrackingNumberTaken,
    UnknownProvince,
    WeightOutOfRange,
)
from commerce.shipping.signing import signature_header
from tests.helpers import admin_headers, assert_problem, user_with_token
from tests.locks import wait_for_lock_waiters

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK = "/api/shipping/webhooks/courier"


def _revision_0004():
    path = ROOT / "commerce/migrations/versions/2026_11_25_0004_addresses_shipping.py"
    spec = importlib.util.spec_from_file_location("revision_0004", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SEED = _revision_0004().seed_rows()


@pytest.fixture(autouse=True)
async def rate_card(_clean_stores, db):  # noqa: ANN001, ANN201
    """The rate card the migration seeds is reference data that tests/conftest.py keeps between tests.
    Some tests here change it (deactivate a service), so this module puts it back as seeded."""
    async with db.engine.begin() as conn:
        names = ", ".join(f"shipping.{table.name}" for table, _ in SEED)
        await conn.execute(text(f"TRUNCATE {names} CASCADE"))
        for table, rows in SEED:
            await conn.execute(insert(table), rows)


async def _quotes(client, **body) -> list[dict]:  # noqa: ANN001, ANN003
    response = await client.post("/api/shipping/rates", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _price(quotes: list[dict], courier: str, service: str) -> int:
    return next(q["price"] for q in quotes if (q["courier"], q["service"]) == (courier, service))


# --- rates ---------------------------------------------------------------------------------------

async def test_quotes_for_a_route_sorted_by_price(client):
    quotes = await _quotes(client, destination_province="Jawa Barat", weight_grams=1000)
    assert [(q["courier"], q["service"], q["price"]) for q in quotes] == [
        ("jne", "regular", 9_000), ("test", "regular", 10_000), ("jne", "express", 18_000),
        ("test", "express", 18_000)]
    test_regular = quotes[1]
    assert test_regular == {"courier": "test", "courier_name": "LAKOO Test Courier", "service": "regular",
                            "service_name": "Reguler", "price": 10_000, "currency": "IDR", "eta_days_min": 2,
                            "eta_days_max": 4}
    _, headers = await user_with_token(client)
    with_token = await client.post("/api/shipping/rates", headers=headers,
                                   json={"destination_province": "Jawa Barat", "weight_grams": 1000})
    assert with_token.json() == quotes


@pytest.mark.parametrize(("weight", "price"), [
    (1, 10_000), (999, 10_000), (1000, 10_000),  # one started kg is 8,000: the 10,000 minimum applies
    (1001, 16_000), (2000, 16_000), (2500, 24_000), (50_000, 400_000),
])
async def test_price_is_per_started_kg_with_a_minimum(client, weight, price):
    quotes = await _quotes(client, origin_province="Jawa Timur", destination_province="DKI Jakarta",
                           weight_grams=weight)
    assert _price(quotes, "test", "regular") == price


async def test_distance_raises_the_price(client):
    near = await _quotes(client, destination_province="Banten", weight_grams=3000)
    sumatra = await _quotes(client, destination_province="Sumatera Utara", weight_grams=3000)
    papua = await _quotes(client, destination_province="Papua Pegunungan", weight_grams=3000)
    assert _price(near, "test", "regular") == 24_000
    assert _price(sumatra, "test", "regular") == 42_000
    assert _price(papua, "test", "regular") == 165_000
    back = await _quotes(client, origin_province="Papua Pegunungan", destination_province="DKI Jakarta",
                         weight_grams=3000)
    assert _price(back, "test", "regular") == 165_000  # the card is symmetric
    assert _price(papua, "test", "express") > _price(papua, "test", "regular")


async def test_provinces_match_case_insensitively(client):
    quotes = await _quotes(client, origin_province="  dki   JAKARTA ", destination_province="jawa barat",
                           weight_grams=1000)
    assert _price(quotes, "test", "regular") == 10_000


@pytest.mark.parametrize("body", [
    {"destination_province": "Jawa Barat", "weight_grams": 0},
    {"destination_province": "Jawa Barat", "weight_grams": -5},
    {"destination_province": "Jawa Barat", "weight_grams": 50_001},
    {"destination_province": "Jawa Barat", "weight_grams": "heavy"},
    {"destination_province": "Jawa Barat"},
    {"weight_grams": 1000},
    {"destination_province": "", "weight_grams": 1000},
    {"destination_province": "Jawa Barat", "weight_grams": 1000, "courier": "jne"},
])
async def test_rates_reject_bad_input(client, body):
    assert_problem(await client.post("/api/shipping/rates", json=body), 422, "validation_failed")


async def test_unknown_provinces_are_422(client):
    for body in ({"destination_province": "Narnia", "weight_grams": 1000},
                 {"destination_province": "Bali", "origin_province": "Atlantis", "weight_grams": 1000}):
        assert_problem(await client.post("/api/shipping/rates", json=body), 422, "unknown_province")


async def test_every_province_has_a_zone(db):
    async with db.session() as session:
        zoned = set(await session.scalars(text("SELECT province FROM shipping.zone_province")))
    assert zoned == set(PROVINCES)


async def test_price_for_one_option_and_unavailable_ones(db):
    async with db.session() as session:
        rate = await shipping.price_for(session, courier="test", service="express", origin_province="DKI Jakarta",
                                        destination_province="Bali", weight_grams=1500)
        assert (rate.price, rate.currency, rate.eta_days_min, rate.eta_days_max) == (44_000, "IDR", 1, 2)
        for courier, service in (("test", "teleport"), ("pos", "regular")):
            with pytest.raises(ShippingOptionUnavailable):
                await shipping.price_for(session, courier=courier, service=service, origin_province="DKI Jakarta",
                                         destination_province="Bali", weight_grams=1500)
        with pytest.raises(UnknownProvince):
            await shipping.price_for(session, courier="test", service="regular", origin_province="DKI Jakarta",
                                     destination_province="Bikini Bottom", weight_grams=1500)
        for weight in (0, 50_001):
            with pytest.raises(WeightOutOfRange):
                await shipping.quote(session, origin_province="DKI Jakarta", destination_province="Bali",
                                     weight_grams=weight)
        await session.execute(text("UPDATE shipping.courier_service SET active = false "
                                   "WHERE courier_code = 'jne' AND code = 'express'"))
        await session.execute(text("UPDATE shipping.courier SET active = false WHERE code = 'test'"))
        await session.commit()
        with pytest.raises(ShippingOptionUnavailable) as raised:
            await shipping.price_for(session, courier="jne", service="express", origin_province="DKI Jakarta",
                                     destination_province="Bali", weight_grams=1500)
        assert raised.value.code == "shipping_option_unavailable"
        quotes = await shipping.quote(session, origin_province="DKI Jakarta", destination_province="Bali",
                                      weight_grams=1500)
    assert [(q.courier, q.service) for q in quotes] == [("jne", "regular")]


# --- shipments -----------------------------------------------------------------------------------

async def _shipment(db, *, courier: str = "test", service: str = "regular", tracking_number: str | None = None):  # noqa: ANN001, ANN202
    async with db.session() as session:
        shipment = await shipping.create_shipment(session, order_id=uuid.uuid4(), courier=courier, service=service,
                                                  tracking_number=tracking_number)
        await session.commit()
    return shipment


async def test_create_shipment_generates_test_tracking_numbers(db):
    shipment = await _shipment(db)
    assert re.fullmatch(r"LKT\d{12}", shipment.tracking_number)
    assert shipment.status == "label_created" and shipment.courier_name == "LAKOO Test Courier"
    assert [(t.status, t.location) for t in shipment.timeline] == [("label_created", None)]
    assert shipment.picked_up_at is None and shipment.delivered_at is None


async def test_create_shipment_joins_the_callers_transaction(db):
    order_id = uuid.uuid4()
    async with db.session() as session:
        await shipping.create_shipment(session, order_id=order_id, courier="test", service="express")
        await session.rollback()  # the caller's use case failed after shipping
    async with db.session() as session:
        assert await shipping.tracking(session, order_ids=[order_id]) == {}


async def test_create_shipment_rules(db):
    jne = await _shipment(db, courier="jne", service="regular", tracking_number=" JP1234567890 ")
    assert jne.tracking_number == "JP1234567890" and jne.service_name == "REG"
    async with db.session() as session:
        with pytest.raises(TrackingNumberRequired):
            await shipping.create_shipment(session, order_id=uuid.uuid4(), courier="jne", service="regular")
        with pytest.raises(TrackingNumberTaken):
            await shipping.create_shipment(session, order_id=uuid.uuid4(), courier="jne", service="express",
                                           tracking_number="JP1234567890")
        with pytest.raises(ShipmentExists):
            await shipping.create_shipment(session, order_id=jne.order_id, courier="test", service="regular")
        with pytest.raises(ShippingOptionUnavailable):
            await shipping.create_shipment(session, order_id=uuid.uuid4(), courier="test", service="teleport")


@pytest.mark.parametrize(("same", "error"), [("tracking_number", TrackingNumberTaken), ("order_id", ShipmentExists)])
async def test_a_concurrent_shipment_that_wins_the_unique_index_is_a_conflict(db, same, error):
    """Both pass the checks before either commits; the loser fails on the unique index and gets the
    same typed conflict (409) the checks give, not an IntegrityError (500)."""
    first_order, second_order = uuid.uuid4(), uuid.uuid4()
    second_order = first_order if same == "order_id" else second_order
    second_number = "JP-RACE-0001" if same == "tracking_number" else "JP-RACE-0002"

    async def second() -> None:
        async with db.session() as session:
            await shipping.create_shipment(session, order_id=second_order, courier="jne", service="express",
                                           tracking_number=second_number)
            await session.commit()

    async with db.session() as first:
        await shipping.create_shipment(first, order_id=first_order, courier="jne", service="regular",
                                       tracking_number="JP-RACE-0001")
        racer = asyncio.create_task(second())
        await wait_for_lock_waiters(db)  # the second insert waits on the first's index entry
        await first.commit()
    with pytest.raises(error):
        await racer
    async with db.session() as session:
        found = await shipping.tracking(session, order_ids=[first_order, second_order])
    assert [s.tracking_number for s in found.values()] == ["JP-RACE-0001"]


async def test_tracking_by_order(db):
    first, second = await _shipment(db), await _shipment(db, service="express")
    async with db.session() as session:
        found = await shipping.tracking(session, order_ids=[first.order_id, second.order_id, uuid.uuid4()])
        assert await shipping.tracking(session, order_ids=[]) == {}
    assert set(found) == {first.order_id, second.order_id}
    assert found[second.order_id].service == "express" and len(found[second.order_id].timeline) == 1


async def test_admin_reads_a_shipment(client, db):
    admin = await admin_headers(client, db)
    shipment = await _shipment(db)
    response = await client.get(f"/api/shipping/shipments/{shipment.id}", headers=admin)
    assert response.status_code == 200 and response.json()["tracking_number"] == shipment.tracking_number
    _, buyer = await user_with_token(client)
    assert_problem(await client.get(f"/api/shipping/shipments/{shipment.id}", headers=buyer), 403)
    assert_problem(await client.get(f"/api/shipping/shipments/{shipment.id}"), 401)
    assert_problem(await client.get(f"/api/shipping/shipments/{uuid.uuid4()}", headers=admin), 404,
                   "shipment_not_found")
    assert_problem(await client.get("/api/shipping/shipments/not-a-uuid", headers=admin), 422)


# --- courier webhooks ----------------------------------------------------------------------------

def _event(tracking_number: str, status: str, *, event_id: str | None = None, at: datetime | None = None,
           **extra) -> bytes:  # noqa: ANN003
    return orjson.dumps({"id": event_id or f"evt_{uuid.uuid4().hex}", "tracking_number": tracking_number,
                         "status": status, "location": "Hub Jakarta",
                         "occurred_at": (at or datetime.now(UTC)).isoformat(), **extra})


async def _send(client, settings, body: bytes, *, secret: str | None = None, timestamp: int | None = None,
                header: str | None = None):  # noqa: ANN001, ANN202
    if header is None:
        header = signature_header(body, secret=secret or settings.webhook_secret("courier"),
                                  timestamp=timestamp or int(time.time()))
    return await client.post(WEBHOOK, content=body,
                             headers={"Lakoo-Signature": header, "content-type": "application/json"})


async def _outbox(db, topic: str) -> list[dict]:  # noqa: ANN001
    async with db.session() as session:
        return list(await session.scalars(select(OutboxEvent.payload).where(OutboxEvent.topic == topic)
                                          .order_by(OutboxEvent.id)))


async def test_signed_webhook_moves_the_shipment_and_publishes(client, db, settings):
    shipment = await _shipment(db)
    picked_at = datetime.now(UTC) + timedelta(minutes=5)
    response = await _send(client, settings, _event(shipment.tracking_number, "picked_up", at=picked_at))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "picked_up" and [t["status"] for t in body["timeline"]] == ["label_created", "picked_up"]
    assert datetime.fromisoformat(body["picked_up_at"]) == picked_at
    assert await _outbox(db, "shipment.picked_up") == [{
        "shipment_id": str(shipment.id), "order_id": str(shipment.order_id),
        "tracking_number": shipment.tracking_number}]
    delivered_at = datetime.now(UTC) + timedelta(hours=3)
    done = await _send(client, settings, _event(shipment.tracking_number, "delivered", at=delivered_at))
    assert done.json()["status"] == "delivered"
    [event] = await _outbox(db, "shipment.delivered")
    assert event["order_id"] == str(shipment.order_id) and event["shipment_id"] == str(shipment.id)
    assert datetime.fromisoformat(event["delivered_at"]) == delivered_at


async def test_bad_stale_tampered_or_missing_signatures_change_nothing(client, db, settings):
    shipment = await _shipment(db)
    body = _event(shipment.tracking_number, "picked_up")
    good = signature_header(body, secret=settings.webhook_secret("courier"), timestamp=int(time.time()))
    cases = [
        await _send(client, settings, body, secret="not-the-secret"),
        await _send(client, settings, body, timestamp=int(time.time()) - 301),   # stale
        await _send(client, settings, body, timestamp=int(time.time()) + 301),   # from the future
        await _send(client, settings, body.replace(b"picked_up", b"delivered"), header=good),  # tampered
        await _send(client, settings, body, header=good.replace("v1=", "v0=")),
        await _send(client, settings, body, header="t=abc,v1=" + "0" * 64),
        await _send(client, settings, body, header="garbage"),
        await client.post(WEBHOOK, content=body, headers={"content-type": "application/json"}),  # no header
    ]
    for response in cases:
        assert_problem(response, 400, "invalid_signature")
    async with db.session() as session:
        current = await shipping.get_shipment(session, shipment_id=shipment.id)
    assert current.status == "label_created" and len(current.timeline) == 1
    assert await _outbox(db, "shipment.picked_up") == []
    # Within tolerance, and with a rotated key listed next to the current one, it is accepted.
    rotated = good.replace("v1=", "v1=" + "f" * 64 + ",v1=")
    assert (await _send(client, settings, body, header=rotated)).status_code == 200


async def test_duplicate_webhooks_have_no_second_effect(client, db, settings):
    shipment = await _shipment(db)
    body = _event(shipment.tracking_number, "picked_up", event_id="evt_same")
    first = await _send(client, settings, body)
    again = await _send(client, settings, body)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and len(again.json()["timeline"]) == 2
    assert len(await _outbox(db, "shipment.picked_up")) == 1
    # A courier reusing an event id for another parcel: the first delivery wins, nothing else moves.
    other = await _shipment(db)
    reused = await _send(client, settings, _event(other.tracking_number, "picked_up", event_id="evt_same"))
    assert reused.status_code == 200 and reused.json()["status"] == "label_created"
    assert len(await _outbox(db, "shipment.picked_up")) == 1


async def test_out_of_order_webhooks_never_move_the_status_back(client, db, settings):
    shipment = await _shipment(db)
    now = datetime.now(UTC) + timedelta(hours=10)  # courier clocks: all after the label was created
    delivered = await _send(client, settings, _event(shipment.tracking_number, "delivered", at=now))
    assert delivered.json()["status"] == "delivered"
    late = await _send(client, settings, _event(shipment.tracking_number, "in_transit", at=now - timedelta(hours=5)))
    assert late.status_code == 200
    body = late.json()
    assert body["status"] == "delivered"
    assert [t["status"] for t in body["timeline"]] == ["label_created", "in_transit", "delivered"]  # by time
    # Skipping straight to delivered still tells orders the parcel was picked up, exactly once.
    assert len(await _outbox(db, "shipment.picked_up")) == 1
    assert len(await _outbox(db, "shipment.delivered")) == 1
    await _send(client, settings, _event(shipment.tracking_number, "picked_up", at=now - timedelta(hours=9)))
    assert len(await _outbox(db, "shipment.picked_up")) == 1
    async with db.session() as session:
        applied = list(await session.scalars(text(
            "SELECT applied FROM shipping.shipment_event WHERE shipment_id = :s ORDER BY id"), {"s": shipment.id}))
    assert applied == [True, True, False, False]


@pytest.mark.parametrize("overrides", [
    {"status": "lost"}, {"status": "label_created"}, {"occurred_at": "2026-11-25T10:00:00"},  # naive time
    {"id": ""}, {"tracking_number": None},
])
async def test_signed_but_malformed_bodies_are_422(client, db, settings, overrides):
    shipment = await _shipment(db)
    payload = orjson.loads(_event(shipment.tracking_number, "picked_up"))
    body = orjson.dumps({**payload, **overrides})
    assert_problem(await _send(client, settings, body), 422, "invalid_webhook_body")
    assert_problem(await _send(client, settings, b"not json"), 422, "invalid_webhook_body")


async def test_unknown_tracking_numbers_are_404_and_unknown_fields_ignored(client, db, settings):
    assert_problem(await _send(client, settings, _event("LKT000000000000", "picked_up")), 404, "shipment_not_found")
    shipment = await _shipment(db)
    response = await _send(client, settings, _event(shipment.tracking_number, "picked_up", courier_hub="CGK"))
    assert response.status_code == 200


# --- the built-in test courier -------------------------------------------------------------------

async def test_test_courier_advances_one_step_per_call(client, db):
    admin = await admin_headers(client, db)
    shipment = await _shipment(db)
    url = f"/api/shipping/test-courier/shipments/{shipment.id}/advance"
    statuses = []
    for _ in range(3):
        response = await client.post(url, headers=admin)
        assert response.status_code == 200, response.text
        statuses.append(response.json()["status"])
    assert statuses == ["picked_up", "in_transit", "delivered"]
    body = response.json()
    assert [t["status"] for t in body["timeline"]] == ["label_created", "picked_up", "in_transit", "delivered"]
    assert body["delivered_at"] and body["picked_up_at"]
    assert_problem(await client.post(url, headers=admin), 409, "shipment_delivered")
    assert len(await _outbox(db, "shipment.picked_up")) == 1
    assert len(await _outbox(db, "shipment.delivered")) == 1


async def test_advance_is_admin_only_and_test_courier_only(client, db):
    admin = await admin_headers(client, db)
    shipment = await _shipment(db)
    url = f"/api/shipping/test-courier/shipments/{shipment.id}/advance"
    _, buyer = await user_with_token(client)
    assert_problem(await client.post(url, headers=buyer), 403)
    assert_problem(await client.post(url), 401)
    assert_problem(await client.post(f"/api/shipping/test-courier/shipments/{uuid.uuid4()}/advance", headers=admin),
                   404, "shipment_not_found")
    jne = await _shipment(db, courier="jne", tracking_number="JP0000000001")
    assert_problem(await client.post(f"/api/shipping/test-courier/shipments/{jne.id}/advance", headers=admin), 422,
                   "not_test_courier")
    async with db.session() as session:
        assert (await shipping.get_shipment(session, shipment_id=shipment.id)).status == "label_created"


# --- quotes for a cart ------------------------------------------------------------------------------

async def test_a_cart_is_quoted_per_seller_parcel_as_checkout_will_charge(client, db):
    from tests.factories import add_to_cart, address, checkout
    from tests.ledger_helpers import seller, seller_product

    admin = await admin_headers(client, db)
    shop, _ = await seller(client, admin)
    ours = await seller_product(client, admin, db, None, price=120_000)
    theirs = await seller_product(client, admin, db, shop["id"], price=80_000)
    _, headers = await user_with_token(client)
    home = await address(client, headers, province="Papua Pegunungan")
    assert_problem(await client.post("/api/shipping/rates", headers=headers, json={"address_id": home["id"]}),
                   422, "cart_empty")
    await add_to_cart(client, headers, ours, 2)
    await add_to_cart(client, headers, theirs, 1)
    response = await client.post("/api/shipping/rates", headers=headers, json={"address_id": home["id"]})
    assert response.status_code == 200, response.text
    quote = response.json()
    assert quote["destination_province"] == "Papua Pegunungan" and quote["subtotal"] == 320_000
    assert {(p["seller_id"], p["items"], p["subtotal"]) for p in quote["parcels"]} == {
        (None, 2, 240_000), (shop["id"], 1, 80_000)}
    options = {(o["courier"], o["service"]): o for o in quote["options"]}
    regular = options[("test", "regular")]
    assert regular["price"] == sum(regular["per_parcel"]) and len(regular["per_parcel"]) == 2
    assert [o["price"] for o in quote["options"]] == sorted(o["price"] for o in quote["options"])
    # Checkout charges exactly what was quoted.
    placed = (await checkout(client, headers, home["id"])).json()
    assert sum(o["shipping_fee"] for o in placed["orders"]) == regular["price"]


async def test_cart_quotes_need_the_callers_own_address(client, db):
    from tests.factories import add_to_cart, address, stocked_product

    admin = await admin_headers(client, db)
    product = await stocked_product(client, admin)
    _, headers = await user_with_token(client)
    await add_to_cart(client, headers, product["variants"][0]["id"])
    _, other_headers = await user_with_token(client)
    theirs = await address(client, other_headers)
    mine = await address(client, headers)
    assert_problem(await client.post("/api/shipping/rates", json={"address_id": mine["id"]}), 401)
    assert_problem(await client.post("/api/shipping/rates", headers=headers, json={"address_id": theirs["id"]}),
                   404)
    assert_problem(await client.post("/api/shipping/rates", headers=headers, json={"address_id": str(uuid.uuid4())}),
                   404)
    for body in ({"address_id": mine["id"], "weight_grams": 1000}, {"address_id": "not-a-uuid"},
                 {"address_id": mine["id"], "destination_province": "Bali"}):
        assert_problem(await client.post("/api/shipping/rates", headers=headers, json=body), 422, "validation_failed")
