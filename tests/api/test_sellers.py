"""/api/sellers: applying, the verification queue, the seller's own shop, the public shop page."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from commerce.core.outbox import OutboxEvent
from tests.events import drain
from tests.helpers import admin_headers, assert_problem, login, user_with_token
from tests.seller_factories import ACCOUNT_NUMBER, NIK, application, apply, approved_seller, live_product


async def _events(db, topic: str) -> list[dict]:
    async with db.session() as session:
        return list(await session.scalars(select(OutboxEvent.payload).where(OutboxEvent.topic == topic)
                                          .order_by(OutboxEvent.id)))


async def test_apply_masks_the_account_and_identity(client, db):
    user, headers = await user_with_token(client)
    response = await client.post("/api/sellers/apply", headers=headers, json=application(handle="Toko-Seruni"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["user_id"] == user["id"] and body["status"] == "pending" and body["handle"] == "toko-seruni"
    assert body["payout_account"] == {"bank_code": "bca", "bank_name": "Bank Central Asia",
                                      "account_number_masked": "••••1297", "holder_name": "Seruni Rahayu"}
    assert body["nik_masked"] == "••••0001" and "nik" not in body
    assert ACCOUNT_NUMBER not in response.text and NIK not in response.text
    assert body["applied_at"] and body["reviewed_at"] is None
    me = await client.get("/api/sellers/me", headers=headers)
    assert me.status_code == 200 and me.json()["status"] == "pending"
    [event] = await _events(db, "seller.applied")
    assert event["seller_id"] == user["id"] and event["handle"] == "toko-seruni" and event["reapplication"] is False
    assert ACCOUNT_NUMBER not in str(event) and NIK not in str(event)


async def test_apply_bad_input(client):
    _, headers = await user_with_token(client)
    for overrides in ({"nik": "1234567890123456"}, {"handle": "admin"}, {"province": "Atlantis"},
                      {"business_type": "company", "nik": None}, {"status": "approved"},
                      {"payout_account": {"bank_code": "bca", "account_number": "12", "holder_name": "S"}}):
        assert_problem(await client.post("/api/sellers/apply", headers=headers, json=application(**overrides)),
                       422, "validation_failed")
    assert_problem(await client.post("/api/sellers/apply", headers=headers, content=b"{", ), 422)
    assert_problem(await client.get("/api/sellers/me", headers=headers), 404, "seller_not_found")


async def test_one_application_at_a_time_and_unique_handles(client, db):
    admin = await admin_headers(client, db)
    user, headers = await user_with_token(client)
    await apply(client, headers, handle="batik-kita")
    assert_problem(await client.post("/api/sellers/apply", headers=headers, json=application()), 409,
                   "application_pending")
    _, other = await user_with_token(client)
    assert_problem(await client.post("/api/sellers/apply", headers=other, json=application(handle="BATIK-KITA")),
                   409, "handle_taken")
    await client.post(f"/api/sellers/applications/{user['id']}/approve", headers=admin)
    assert_problem(await client.post("/api/sellers/apply", headers=headers, json=application()), 409,
                   "already_seller")


async def test_rejection_then_reapplication(client, db):
    admin = await admin_headers(client, db)
    user, headers = await user_with_token(client)
    await apply(client, headers, handle="tenun-lama")
    rejected = await client.post(f"/api/sellers/applications/{user['id']}/reject", headers=admin,
                                 json={"reason": "NIK does not match the KTP photo"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    me = (await client.get("/api/sellers/me", headers=headers)).json()
    assert me["status"] == "rejected" and me["rejection_reason"] == "NIK does not match the KTP photo"
    [event] = await _events(db, "seller.rejected")
    assert event["seller_id"] == user["id"] and event["reason"] == "NIK does not match the KTP photo"

    again = await apply(client, headers, handle="tenun-baru", shop_name="Tenun Baru")
    assert again["status"] == "pending" and again["rejection_reason"] is None and again["handle"] == "tenun-baru"
    assert (await _events(db, "seller.applied"))[-1]["reapplication"] is True
    detail = (await client.get(f"/api/sellers/applications/{user['id']}", headers=admin)).json()
    assert [h["decision"] for h in detail["history"]] == ["applied", "rejected", "applied"]
    assert detail["history"][1]["reason"] == "NIK does not match the KTP photo"
    # The old handle is free again.
    _, other = await user_with_token(client)
    await apply(client, other, handle="tenun-lama")


async def test_verification_queue(client, db):
    admin = await admin_headers(client, db)
    applicants = []
    for _ in range(3):
        user, headers = await user_with_token(client)
        await apply(client, headers)
        applicants.append(user)
    await client.post(f"/api/sellers/applications/{applicants[1]['id']}/approve", headers=admin)

    first = await client.get("/api/sellers/applications", headers=admin, params={"status": "pending", "limit": 1})
    assert first.status_code == 200
    assert [a["user_id"] for a in first.json()["items"]] == [applicants[0]["id"]]
    assert first.json()["items"][0]["username"] == applicants[0]["username"]
    second = await client.get("/api/sellers/applications", headers=admin,
                              params={"status": "pending", "cursor": first.json()["next_cursor"]})
    assert [a["user_id"] for a in second.json()["items"]] == [applicants[2]["id"]]
    assert second.json()["next_cursor"] is None
    everyone = (await client.get("/api/sellers/applications", headers=admin)).json()["items"]
    assert {a["status"] for a in everyone} == {"pending", "approved"} and len(everyone) == 3
    assert ACCOUNT_NUMBER not in first.text + second.text

    detail = await client.get(f"/api/sellers/applications/{applicants[0]['id']}", headers=admin)
    assert detail.json()["nik"] == NIK and detail.json()["payout_account"]["account_number_masked"] == "••••1297"
    assert ACCOUNT_NUMBER not in detail.text

    assert_problem(await client.get("/api/sellers/applications", headers=admin, params={"status": "maybe"}), 422)
    assert_problem(await client.get("/api/sellers/applications", headers=admin, params={"cursor": "!!"}), 422)
    assert_problem(await client.get(f"/api/sellers/applications/{uuid.uuid4()}", headers=admin), 404,
                   "seller_not_found")
    assert_problem(await client.get("/api/sellers/applications/not-an-id", headers=admin), 422)
    _, stranger = await user_with_token(client)
    assert_problem(await client.get("/api/sellers/applications", headers=stranger), 403, "role_required")


async def test_approval_grants_the_seller_role_and_opens_the_shop(client, db):
    admin = await admin_headers(client, db)
    user, headers = await user_with_token(client)
    await apply(client, headers, handle="seruni")
    assert_problem(await client.get("/api/shops/seruni"), 404, "shop_not_found")
    approved = await client.post(f"/api/sellers/applications/{user['id']}/approve", headers=admin)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["approved_at"]
    [event] = await _events(db, "seller.approved")
    assert event["seller_id"] == user["id"] and event["handle"] == "seruni"
    tokens = await login(client, user["email"])
    verify = await client.get("/api/auth/verify", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert "seller" in verify.json()["roles"]
    shop = await client.get("/api/shops/SERUNI")
    assert shop.status_code == 200 and shop.json()["shop_name"] == "Toko Seruni"
    assert ACCOUNT_NUMBER not in shop.text and NIK not in shop.text and "payout" not in shop.text

    assert_problem(await client.post(f"/api/sellers/applications/{user['id']}/approve", headers=admin), 409,
                   "application_not_pending")
    assert_problem(await client.post(f"/api/sellers/applications/{user['id']}/reject", headers=admin,
                                     json={"reason": "late"}), 409, "application_not_pending")
    assert_problem(await client.post(f"/api/sellers/applications/{uuid.uuid4()}/approve", headers=admin), 404)


async def test_reject_needs_a_reason(client, db):
    admin = await admin_headers(client, db)
    user, headers = await user_with_token(client)
    await apply(client, headers)
    for body in ({}, {"reason": "  "}, {"reason": "x", "status": "approved"}):
        assert_problem(await client.post(f"/api/sellers/applications/{user['id']}/reject", headers=admin, json=body),
                       422)


async def test_nobody_approves_themselves(client, db):
    admin = await admin_headers(client, db)
    # An ordinary applicant cannot reach the verifier's endpoints at all.
    user, headers = await user_with_token(client)
    await apply(client, headers)
    assert_problem(await client.post(f"/api/sellers/applications/{user['id']}/approve", headers=headers), 403)
    # An admin who applies to sell cannot approve their own application either.
    await apply(client, admin)
    me = (await client.get("/api/sellers/me", headers=admin)).json()
    assert_problem(await client.post(f"/api/sellers/applications/{me['user_id']}/approve", headers=admin), 403,
                   "self_review_forbidden")
    assert (await client.get("/api/sellers/me", headers=admin)).json()["status"] == "pending"


async def test_seller_edits_their_shop(client, db):
    admin = await admin_headers(client, db)
    _, seller = await approved_seller(client, admin)
    updated = await client.patch("/api/sellers/me", headers=seller, json={
        "shop_name": "Seruni Official", "city": "Sleman",
        "payout_account": {"bank_code": "mandiri", "account_number": "1370012345678", "holder_name": "Seruni R"}})
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert body["shop_name"] == "Seruni Official" and body["payout_account"]["account_number_masked"] == "••••5678"
    assert "1370012345678" not in updated.text
    for bad in ({"status": "suspended"}, {"handle": "new"}, {"shop_name": None}, {"legal_name": "Other"}):
        assert_problem(await client.patch("/api/sellers/me", headers=seller, json=bad), 422)
    # Pending applicants edit by re-applying, not here.
    _, pending = await user_with_token(client)
    await apply(client, pending)
    assert_problem(await client.patch("/api/sellers/me", headers=pending, json={"city": "Solo"}), 403,
                   "seller_required")


async def test_shop_page_shows_active_products_and_rating(client, settings, db, redis):
    admin = await admin_headers(client, db)
    seller_user, seller = await approved_seller(client, admin, handle="kain-kita")
    live = await live_product(client, seller, admin, name="Kain Tenun Ikat")
    draft = (await client.post("/api/sellers/me/products", headers=seller, json={
        "name": "Belum Siap", "category_id": live["category"]["id"]})).json()
    await drain(settings, db, redis)
    page = await client.get("/api/shops/kain-kita")
    assert page.status_code == 200
    body = page.json()
    assert [p["id"] for p in body["products"]["items"]] == [live["id"]] and draft["id"] not in page.text
    assert body["stats"] == {"active_products": 1, "orders_completed": 0, "rating_avg": None, "rating_count": 0}
    assert body["seller_id"] == seller_user["id"] and body["joined_at"]
    more = await client.get("/api/shops/kain-kita/products", params={"limit": 1})
    assert [p["id"] for p in more.json()["items"]] == [live["id"]]
    by_id = await client.get(f"/api/sellers/{seller_user['id']}/shop")
    assert by_id.status_code == 200 and by_id.json()["handle"] == "kain-kita"
    assert_problem(await client.get(f"/api/sellers/{uuid.uuid4()}/shop"), 404, "shop_not_found")
    assert_problem(await client.get("/api/sellers/not-an-id/shop"), 422)
    assert_problem(await client.get("/api/shops/nobody-here"), 404, "shop_not_found")
    assert_problem(await client.get("/api/shops/x"), 422)
    assert_problem(await client.get("/api/shops/kain-kita/products", params={"cursor": "bad"}), 422)
