"""/api/addresses: the caller's own address book, Indonesian validation, one default per user."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from commerce.addresses import service as addresses
from commerce.addresses.errors import AddressNotFound
from commerce.addresses.provinces import PROVINCES
from tests.factories import ADDRESS
from tests.helpers import assert_problem, user_with_token


async def _create(client, headers, **overrides) -> dict:  # noqa: ANN001
    response = await client.post("/api/addresses", headers=headers, json={**ADDRESS, **overrides})
    assert response.status_code == 201, response.text
    return response.json()


def test_there_are_38_distinct_provinces():
    assert len(PROVINCES) == 38 and len(set(PROVINCES)) == 38


async def test_create_normalises_and_first_becomes_default(client):
    _, headers = await user_with_token(client)
    first = await _create(client, headers, phone="+62 812-3456-7890", province="  jawa   BARAT ", label="  ",
                          recipient="  Ayu Lestari ", notes="Pagar hitam")
    assert first["phone"] == "+6281234567890" and first["province"] == "Jawa Barat"
    assert first["label"] is None and first["recipient"] == "Ayu Lestari" and first["notes"] == "Pagar hitam"
    assert first["is_default"] is True and first["postal_code"] == "40132"
    second = await _create(client, headers, label="Kantor", province="DKI Jakarta", city="Jakarta Selatan")
    assert second["is_default"] is False
    listed = (await client.get("/api/addresses", headers=headers)).json()
    assert [a["id"] for a in listed] == [first["id"], second["id"]]  # default first, then newest
    fetched = await client.get(f"/api/addresses/{second['id']}", headers=headers)
    assert fetched.status_code == 200 and fetched.json() == second


@pytest.mark.parametrize(("phone", "normalised"), [
    ("081234567890", "+6281234567890"),
    ("6281234567890", "+6281234567890"),
    ("+62 812 3456 7890", "+6281234567890"),
    ("0812-345-678", "+62812345678"),           # 9 digits after the prefix
    ("+62 8123 4567 8901 2", "+628123456789012"),  # 13 digits after the prefix
])
async def test_phone_forms_are_normalised(client, phone, normalised):
    _, headers = await user_with_token(client)
    assert (await _create(client, headers, phone=phone))["phone"] == normalised


@pytest.mark.parametrize(("province", "canonical"), [
    ("dki jakarta", "DKI Jakarta"), ("Jakarta", "DKI Jakarta"), ("DAERAH ISTIMEWA YOGYAKARTA", "DI Yogyakarta"),
    ("papua barat daya", "Papua Barat Daya"), ("Kepulauan  Bangka Belitung", "Kepulauan Bangka Belitung"),
])
async def test_province_matching_is_case_insensitive(client, province, canonical):
    _, headers = await user_with_token(client)
    assert (await _create(client, headers, province=province))["province"] == canonical


@pytest.mark.parametrize("overrides", [
    {"phone": "0221234567"},            # a Bandung landline, not a mobile
    {"phone": "+6571234567"},           # Singapore
    {"phone": "08123456"},              # 7 digits after the prefix
    {"phone": "+6281234567890123"},     # 15 digits after the prefix
    {"phone": "0812345678a"},
    {"province": "Jawa Utara"},
    {"province": ""},
    {"postal_code": "4013"},
    {"postal_code": "401321"},
    {"postal_code": "4O132"},
    {"recipient": ""},
    {"recipient": "   "},
    {"recipient": "x" * 101},
    {"city": ""},
    {"district": "x" * 101},
    {"street": "x" * 301},
    {"notes": "x" * 201},
    {"label": "x" * 31},
    {"user_id": str(uuid.uuid4())},
    {"is_default": "maybe"},
])
async def test_create_rejects_bad_input(client, overrides):
    _, headers = await user_with_token(client)
    assert_problem(await client.post("/api/addresses", headers=headers, json={**ADDRESS, **overrides}), 422)


async def test_missing_fields_are_422(client):
    _, headers = await user_with_token(client)
    for field in ("recipient", "phone", "province", "city", "district", "postal_code", "street"):
        body = {k: v for k, v in ADDRESS.items() if k != field}
        assert_problem(await client.post("/api/addresses", headers=headers, json=body), 422)


async def test_every_verb_needs_a_token(client):
    _, headers = await user_with_token(client)
    mine = await _create(client, headers)
    url = f"/api/addresses/{mine['id']}"
    for method, path, body in (("GET", "/api/addresses", None), ("POST", "/api/addresses", ADDRESS),
                               ("GET", url, None), ("PATCH", url, {"city": "Bogor"}), ("DELETE", url, None),
                               ("POST", f"{url}/default", None)):
        assert_problem(await client.request(method, path, json=body), 401)


async def test_other_users_addresses_are_404_on_every_verb(client):
    _, owner = await user_with_token(client)
    _, stranger = await user_with_token(client)
    theirs = await _create(client, owner)
    mine = await _create(client, stranger, city="Surabaya", province="Jawa Timur")
    url = f"/api/addresses/{theirs['id']}"
    for unknown in (url, f"/api/addresses/{uuid.uuid4()}"):
        assert_problem(await client.get(unknown, headers=stranger), 404, "address_not_found")
        assert_problem(await client.patch(unknown, json={"city": "Bogor"}, headers=stranger), 404, "address_not_found")
        assert_problem(await client.delete(unknown, headers=stranger), 404, "address_not_found")
        assert_problem(await client.post(f"{unknown}/default", headers=stranger), 404, "address_not_found")
    assert [a["id"] for a in (await client.get("/api/addresses", headers=stranger)).json()] == [mine["id"]]
    untouched = (await client.get(url, headers=owner)).json()
    assert untouched == theirs


async def test_patch_changes_some_fields_and_clears_optional_ones(client):
    _, headers = await user_with_token(client)
    address = await _create(client, headers, notes="Titip satpam")
    response = await client.patch(f"/api/addresses/{address['id']}", headers=headers,
                                  json={"city": "Cimahi", "phone": "6285712345678", "label": None, "notes": None,
                                        "province": "banten"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["city"], body["phone"], body["label"], body["notes"], body["province"]) == (
        "Cimahi", "+6285712345678", None, None, "Banten")
    assert body["street"] == address["street"] and body["is_default"] is True
    assert body["updated_at"] > address["updated_at"]


@pytest.mark.parametrize("patch", [
    {"recipient": None}, {"phone": "12345"}, {"province": "Narnia"}, {"postal_code": "1234"},
    {"is_default": True}, {"user_id": str(uuid.uuid4())}, {"street": ""},
])
async def test_patch_rejects_bad_input(client, patch):
    _, headers = await user_with_token(client)
    address = await _create(client, headers)
    assert_problem(await client.patch(f"/api/addresses/{address['id']}", headers=headers, json=patch), 422)


async def test_set_default_moves_it(client):
    _, headers = await user_with_token(client)
    first = await _create(client, headers)
    second = await _create(client, headers, label="Kantor")
    moved = await client.post(f"/api/addresses/{second['id']}/default", headers=headers)
    assert moved.status_code == 200 and moved.json()["is_default"] is True
    again = await client.post(f"/api/addresses/{second['id']}/default", headers=headers)  # idempotent
    assert again.status_code == 200 and again.json()["is_default"] is True
    listed = (await client.get("/api/addresses", headers=headers)).json()
    assert [(a["id"], a["is_default"]) for a in listed] == [(second["id"], True), (first["id"], False)]


async def test_create_with_is_default_takes_over(client):
    _, headers = await user_with_token(client)
    first = await _create(client, headers)
    second = await _create(client, headers, is_default=True)
    assert second["is_default"] is True
    assert (await client.get(f"/api/addresses/{first['id']}", headers=headers)).json()["is_default"] is False


async def test_deleting_the_default_promotes_the_most_recent_other(client):
    _, headers = await user_with_token(client)
    first = await _create(client, headers, label="A")
    second = await _create(client, headers, label="B")
    third = await _create(client, headers, label="C")
    await client.post(f"/api/addresses/{second['id']}/default", headers=headers)
    deleted = await client.delete(f"/api/addresses/{second['id']}", headers=headers)
    assert deleted.status_code == 204
    assert_problem(await client.get(f"/api/addresses/{second['id']}", headers=headers), 404)
    listed = (await client.get("/api/addresses", headers=headers)).json()
    assert [(a["label"], a["is_default"]) for a in listed] == [("C", True), ("A", False)]
    # Deleting a non-default leaves the default alone; deleting the last one leaves an empty book.
    assert (await client.delete(f"/api/addresses/{first['id']}", headers=headers)).status_code == 204
    assert (await client.get(f"/api/addresses/{third['id']}", headers=headers)).json()["is_default"] is True
    assert (await client.delete(f"/api/addresses/{third['id']}", headers=headers)).status_code == 204
    assert (await client.get("/api/addresses", headers=headers)).json() == []
    assert (await _create(client, headers))["is_default"] is True


async def test_concurrent_first_addresses_get_exactly_one_default(client):
    _, headers = await user_with_token(client)
    responses = await asyncio.gather(*(client.post("/api/addresses", headers=headers, json={**ADDRESS, "label": str(i)})
                                       for i in range(6)))
    assert [r.status_code for r in responses] == [201] * 6
    listed = (await client.get("/api/addresses", headers=headers)).json()
    assert len(listed) == 6 and sum(a["is_default"] for a in listed) == 1


async def test_the_address_book_is_capped(client, monkeypatch):
    monkeypatch.setattr(addresses, "MAX_ADDRESSES", 2)
    _, headers = await user_with_token(client)
    await _create(client, headers)
    await _create(client, headers)
    assert_problem(await client.post("/api/addresses", headers=headers, json=ADDRESS), 409, "address_book_full")


async def test_get_address_for_checkout_is_scoped_to_the_user(client, db):
    me, headers = await user_with_token(client)
    other, _ = await user_with_token(client)
    address = await _create(client, headers)
    async with db.session() as session:
        found = await addresses.get_address(session, user_id=uuid.UUID(me["id"]),
                                            address_id=uuid.UUID(address["id"]))
        assert found.province == "Jawa Barat" and found.model_dump(mode="json")["city"] == "Bandung"
        with pytest.raises(AddressNotFound) as raised:
            await addresses.get_address(session, user_id=uuid.UUID(other["id"]), address_id=found.id)
        assert raised.value.code == "address_not_found"
        assert (await addresses.default_address(session, user_id=uuid.UUID(me["id"]))).id == found.id
        assert await addresses.default_address(session, user_id=uuid.UUID(other["id"])) is None
