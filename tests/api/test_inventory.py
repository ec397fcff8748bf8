"""/api/inventory: admin warehouses and stock, the signed-in stock check, and the reservation endpoints."""

from __future__ import annotations

import uuid

from tests.factories import active_product, warehouse
from tests.helpers import admin_headers, assert_problem, user_with_token


async def _setup(client, db, quantity: int = 5):  # noqa: ANN001, ANN202
    admin = await admin_headers(client, db)
    product = await active_product(client, admin, name="Kaos Polos", price=75_000)
    variant = product["variants"][0]["id"]
    where = await warehouse(client, admin)
    response = await client.post("/api/inventory/stock", headers=admin,
                                 json={"warehouse_id": where["id"], "variant_id": variant, "quantity": quantity})
    assert response.status_code == 200, response.text
    _, user = await user_with_token(client)
    return admin, user, product, variant, where


async def test_warehouses_create_list_and_guard(client, db):
    admin = await admin_headers(client, db)
    body = {"code": "jkt-01", "name": "Gudang Cakung", "province": "DKI Jakarta", "city": "Jakarta Timur"}
    created = await client.post("/api/inventory/warehouses", headers=admin, json=body)
    assert created.status_code == 201, created.text
    assert created.json()["code"] == "JKT-01" and created.json()["seller_id"] is None
    assert_problem(await client.post("/api/inventory/warehouses", headers=admin, json={**body, "code": "JKT-01"}),
                   409, "warehouse_code_taken")
    for bad in ({**body, "code": "no spaces"}, {**body, "extra": 1}, {**body, "name": ""},
                {k: v for k, v in body.items() if k != "city"}):
        assert_problem(await client.post("/api/inventory/warehouses", headers=admin, json=bad), 422)
    for code in ("BDG-01", "SBY-01"):
        await client.post("/api/inventory/warehouses", headers=admin, json={**body, "code": code})
    first = (await client.get("/api/inventory/warehouses?limit=2", headers=admin)).json()
    assert [w["code"] for w in first["items"]] == ["BDG-01", "JKT-01"] and first["next_cursor"]
    rest = (await client.get(f"/api/inventory/warehouses?limit=2&cursor={first['next_cursor']}", headers=admin)).json()
    assert [w["code"] for w in rest["items"]] == ["SBY-01"] and rest["next_cursor"] is None
    assert_problem(await client.get("/api/inventory/warehouses?cursor=%%%", headers=admin), 422)

    _, user = await user_with_token(client)
    assert_problem(await client.post("/api/inventory/warehouses", headers=user, json=body), 403)
    assert_problem(await client.get("/api/inventory/warehouses", headers=user), 403)
    assert_problem(await client.get("/api/inventory/warehouses"), 401)


async def test_receive_adjust_and_read_stock(client, db):
    admin, user, product, variant, where = await _setup(client, db, quantity=5)
    adjusted = await client.post("/api/inventory/stock/adjust", headers=admin,
                                 json={"warehouse_id": where["id"], "variant_id": variant, "delta": -2,
                                       "reference": "stock-take 2026-11"})
    assert adjusted.status_code == 200 and adjusted.json()["on_hand"] == 3
    stock = (await client.get(f"/api/inventory/stock?variant_id={variant}", headers=admin)).json()
    assert (stock["on_hand"], stock["reserved"], stock["available"]) == (3, 0, 3)
    assert [w["warehouse_id"] for w in stock["warehouses"]] == [where["id"]]
    never = (await client.get(f"/api/inventory/stock?variant_id={uuid.uuid4()}", headers=admin)).json()
    assert never["available"] == 0 and never["warehouses"] == []

    receive = {"warehouse_id": where["id"], "variant_id": variant, "quantity": 1}
    assert_problem(await client.post("/api/inventory/stock", headers=admin,
                                     json={**receive, "variant_id": str(uuid.uuid4())}), 422, "unknown_variant")
    assert_problem(await client.post("/api/inventory/stock", headers=admin,
                                     json={**receive, "warehouse_id": str(uuid.uuid4())}), 422, "unknown_warehouse")
    for bad in ({**receive, "quantity": 0}, {**receive, "quantity": -3}, {**receive, "quantity": "many"},
                {**receive, "surprise": True}):
        assert_problem(await client.post("/api/inventory/stock", headers=admin, json=bad), 422)
    assert_problem(await client.post("/api/inventory/stock/adjust", headers=admin,
                                     json={"warehouse_id": where["id"], "variant_id": variant, "delta": 0}), 422)
    assert_problem(await client.post("/api/inventory/stock/adjust", headers=admin,
                                     json={"warehouse_id": where["id"], "variant_id": variant, "delta": -4}),
                   409, "stock_below_reserved")
    assert_problem(await client.get("/api/inventory/stock", headers=admin), 422)
    assert_problem(await client.get("/api/inventory/stock?variant_id=nope", headers=admin), 422)

    assert_problem(await client.post("/api/inventory/stock", headers=user, json=receive), 403)
    assert_problem(await client.post("/api/inventory/stock/adjust", headers=user,
                                     json={"warehouse_id": where["id"], "variant_id": variant, "delta": 1}), 403)
    assert_problem(await client.get(f"/api/inventory/stock?variant_id={variant}", headers=user), 403)


async def test_ledger_pages_newest_first(client, db):
    admin, user, _, variant, where = await _setup(client, db, quantity=1)
    for quantity in (2, 3):
        await client.post("/api/inventory/stock", headers=admin,
                          json={"warehouse_id": where["id"], "variant_id": variant, "quantity": quantity})
    first = (await client.get(f"/api/inventory/ledger?variant_id={variant}&limit=2", headers=admin)).json()
    assert [m["delta_on_hand"] for m in first["items"]] == [3, 2]
    assert {m["reason"] for m in first["items"]} == {"receive"}
    rest = (await client.get(f"/api/inventory/ledger?variant_id={variant}&limit=2&cursor={first['next_cursor']}",
                             headers=admin)).json()
    assert [m["delta_on_hand"] for m in rest["items"]] == [1] and rest["next_cursor"] is None
    assert len((await client.get("/api/inventory/ledger", headers=admin)).json()["items"]) == 3
    assert_problem(await client.get("/api/inventory/ledger?cursor=WyJ4Il0", headers=admin), 422, "invalid_cursor")
    assert_problem(await client.get("/api/inventory/ledger?limit=0", headers=admin), 422)
    assert_problem(await client.get("/api/inventory/ledger?variant_id=1", headers=admin), 422)
    assert_problem(await client.get("/api/inventory/ledger", headers=user), 403)


async def test_check_for_signed_in_users(client, db):
    _, user, _, variant, _ = await _setup(client, db, quantity=2)
    unknown = str(uuid.uuid4())
    response = await client.post("/api/inventory/check", headers=user, json={"items": [
        {"variant_id": variant, "quantity": 2}, {"variant_id": unknown, "quantity": 1}]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] is False
    assert [(i["available"], i["ok"]) for i in body["items"]] == [(2, True), (0, False)]
    for bad in ({"items": []}, {"items": [{"variant_id": variant, "quantity": 0}]},
                {"items": [{"variant_id": variant, "quantity": 1}, {"variant_id": variant, "quantity": 1}]},
                {"items": [{"variant_id": "x", "quantity": 1}]}, {}):
        assert_problem(await client.post("/api/inventory/check", headers=user, json=bad), 422)
    assert_problem(await client.post("/api/inventory/check", json={"items": [{"variant_id": variant,
                                                                              "quantity": 1}]}), 401)


async def test_reserve_confirm_release_endpoints(client, db):
    admin, user, product, variant, _ = await _setup(client, db, quantity=3)
    body = {"reference": "order-abc", "items": [{"variant_id": variant, "quantity": 2}], "ttl_s": 600}
    reserved = await client.post("/api/inventory/reserve", headers=admin, json=body)
    assert reserved.status_code == 201, reserved.text
    assert reserved.json()["status"] == "live" and reserved.json()["lines"][0]["quantity"] == 2
    replay = await client.post("/api/inventory/reserve", headers=admin, json=body)
    assert replay.status_code == 201 and replay.json()["id"] == reserved.json()["id"]
    assert_problem(await client.post("/api/inventory/reserve", headers=admin,
                                     json={**body, "items": [{"variant_id": variant, "quantity": 1}]}),
                   409, "reservation_mismatch")
    short = assert_problem(await client.post("/api/inventory/reserve", headers=admin, json={
        "reference": "order-def", "items": [{"variant_id": variant, "quantity": 2}]}), 409, "out_of_stock")
    assert short["variants"] == [{"variant_id": variant, "requested": 2, "available": 1}]
    fetched = await client.get("/api/inventory/reservations/order-abc", headers=admin)
    assert fetched.status_code == 200 and fetched.json()["id"] == reserved.json()["id"]

    confirmed = await client.post("/api/inventory/reservations/order-abc/confirm", headers=admin)
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert (await client.post("/api/inventory/reservations/order-abc/confirm", headers=admin)).status_code == 200
    assert_problem(await client.post("/api/inventory/reservations/order-abc/release", headers=admin), 409,
                   "reservation_confirmed")
    returned = await client.post("/api/inventory/reservations/order-abc/release", headers=admin,
                                 json={"reason": "returned"})
    assert returned.status_code == 200
    assert (returned.json()["status"], returned.json()["release_reason"]) == ("released", "returned")
    stock = (await client.get(f"/api/inventory/stock?variant_id={variant}", headers=admin)).json()
    assert (stock["on_hand"], stock["available"]) == (3, 3)

    live = await client.post("/api/inventory/reserve", headers=admin, json={**body, "reference": "order-ghi"})
    assert live.status_code == 201
    released = await client.post("/api/inventory/reservations/order-ghi/release", headers=admin)
    assert released.status_code == 200 and released.json()["status"] == "released"
    assert (await client.post("/api/inventory/reservations/order-ghi/release", headers=admin)).status_code == 200
    assert_problem(await client.post("/api/inventory/reserve", headers=admin, json={**body, "reference": "order-ghi"}),
                   409, "reservation_closed")
    assert_problem(await client.post("/api/inventory/reservations/order-ghi/confirm", headers=admin), 409,
                   "reservation_closed")


async def test_reservation_endpoints_reject_bad_input_and_non_admins(client, db):
    admin, user, _, variant, _ = await _setup(client, db, quantity=3)
    body = {"reference": "order-1", "items": [{"variant_id": variant, "quantity": 1}]}
    for bad in ({**body, "ttl_s": 5}, {**body, "reference": "has space"}, {**body, "reference": ""},
                {**body, "items": []}, {**body, "items": [{"variant_id": variant, "quantity": 0}]},
                {**body, "items": [{"variant_id": variant, "quantity": 1}] * 2}, {**body, "extra": 1}):
        assert_problem(await client.post("/api/inventory/reserve", headers=admin, json=bad), 422)
    for action in ("confirm", "release"):
        assert_problem(await client.post(f"/api/inventory/reservations/missing/{action}", headers=admin), 404,
                       "reservation_not_found")
        assert_problem(await client.post(f"/api/inventory/reservations/bad%20ref/{action}", headers=admin), 422)
    assert_problem(await client.get("/api/inventory/reservations/missing", headers=admin), 404)
    assert_problem(await client.post("/api/inventory/reservations/missing/release", headers=admin,
                                     json={"reason": "because"}), 422)

    assert_problem(await client.post("/api/inventory/reserve", headers=user, json=body), 403)
    assert (await client.post("/api/inventory/reserve", headers=admin, json=body)).status_code == 201
    for action in ("confirm", "release"):
        assert_problem(await client.post(f"/api/inventory/reservations/order-1/{action}", headers=user), 403)
    assert_problem(await client.get("/api/inventory/reservations/order-1", headers=user), 403)
    assert_problem(await client.post("/api/inventory/reserve", json=body), 401)


async def test_product_listing_shows_stock_state(client, db):
    admin, user, product, variant, where = await _setup(client, db, quantity=1)

    async def in_stock() -> bool:
        listing = (await client.get("/api/products")).json()["items"]
        return next(p for p in listing if p["id"] == product["id"])["in_stock"]

    assert await in_stock()
    await client.post("/api/inventory/reserve", headers=admin,
                      json={"reference": "last", "items": [{"variant_id": variant, "quantity": 1}]})
    assert not await in_stock()
    assert (await client.get(f"/api/products/{product['id']}")).json()["in_stock"] is False
    await client.post("/api/inventory/stock", headers=admin,
                      json={"warehouse_id": where["id"], "variant_id": variant, "quantity": 4})
    assert await in_stock()
