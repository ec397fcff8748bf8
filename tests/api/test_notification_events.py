"""Each of the brief's nine notification types produced from its event, by driving the real flows
over HTTP and running the consumers; batching, self-actions, blocks and redelivery."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select, update

from commerce.core.outbox import OutboxEvent
from commerce.notifications.models import Notification
from tests.api.test_content import post_body
from tests.events import drain
from tests.factories import address, checkout, stocked_product
from tests.helpers import admin_headers, user_with_token
from tests.notify import by_type, inbox, seller_product, unread


async def _buy(client, settings, db, redis, buyer_h, variant_id: str) -> tuple[str, str]:
    await client.post("/api/cart/items", headers=buyer_h, json={"variant_id": variant_id, "quantity": 2})
    place = await checkout(client, buyer_h, (await address(client, buyer_h))["id"])
    assert place.status_code == 201, place.text
    body = place.json()
    paid = await client.post("/api/payments", headers=buyer_h, json={"intent_id": body["payment_intent_id"],
                                                                     "test_scenario": "success"})
    assert paid.status_code == 200, paid.text
    await drain(settings, db, redis)
    return body["orders"][0]["id"], body["payment_intent_id"]


async def test_order_and_product_notifications_from_the_seller_flow(client, settings, db, redis):
    admin = await admin_headers(client, db)
    seller, seller_h = await user_with_token(client, "toko_sari")
    buyer, buyer_h = await user_with_token(client, "dina")

    # product_approved / product_rejected (seller)
    product = await seller_product(client, db, admin, seller_id=seller["id"], name="Tas Rotan", price=150_000)
    pending = await seller_product(client, db, admin, seller_id=seller["id"], name="Topi Anyaman", approve=False)
    rejected = await client.post(f"/api/products/{pending['id']}/reject", headers=admin,
                                 json={"reason": "Foto produk buram"})
    assert rejected.status_code == 200, rejected.text
    await drain(settings, db, redis)
    selling = by_type(await inbox(client, seller_h))
    approved = selling["product_approved"][0]
    assert approved["target"] == {"type": "product", "id": product["id"]}
    assert approved["body"] == "“Tas Rotan” sudah tayang dan bisa ditandai di postingan."
    refused = selling["product_rejected"][0]
    assert refused["data"]["reason"] == "Foto produk buram" and "Foto produk buram" in refused["body"]
    assert refused["target"]["id"] == pending["id"]

    # order_placed (buyer) → order_paid (buyer and seller)
    order_id, _ = await _buy(client, settings, db, redis, buyer_h, product["variants"][0]["id"])
    ref = "#" + uuid.UUID(order_id).hex[-8:].upper()
    bought = by_type(await inbox(client, buyer_h))
    placed = bought["order_placed"][0]
    assert placed["target"] == {"type": "order", "id": order_id}
    assert placed["body"].startswith(f"Pesanan {ref} senilai Rp3") and "menunggu pembayaran" in placed["body"]
    assert bought["order_paid"][0]["title"] == "Pembayaran diterima" and ref in bought["order_paid"][0]["body"]
    sold = by_type(await inbox(client, seller_h))["order_paid"][0]
    assert sold["title"] == "Pesanan baru dibayar" and sold["data"]["role"] == "seller"
    assert sold["body"].startswith(f"dina membayar pesanan {ref}")
    assert [a["id"] for a in sold["actors"]] == [buyer["id"]]

    # order_shipped (buyer) with courier and tracking number → order_delivered (buyer)
    shipped = await client.post(f"/api/orders/{order_id}/ship", headers=admin, json={"tracking_number": "TEST-12345"})
    assert shipped.status_code == 200, shipped.text
    await drain(settings, db, redis)
    notice = by_type(await inbox(client, buyer_h))["order_shipped"][0]
    assert notice["data"]["tracking_number"] == "TEST-12345" and notice["data"]["courier"] == "test"
    assert notice["body"] == f"Pesanan {ref} sedang dikirim dengan test (resi TEST-12345)."
    for _ in range(3):
        await client.post(f"/api/shipping/test-courier/shipments/{shipped.json()['tracking']['id']}/advance",
                          headers=admin)
    await drain(settings, db, redis)
    final = by_type(await inbox(client, buyer_h))
    assert final["order_delivered"][0]["body"] == f"Pesanan {ref} sudah sampai. Jangan lupa beri ulasan!"
    assert sorted(final) == ["order_delivered", "order_paid", "order_placed", "order_shipped"]
    assert all(len(v) == 1 for v in final.values())
    assert sorted(by_type(await inbox(client, seller_h))) == ["order_paid", "product_approved", "product_rejected"]


async def test_platform_products_notify_only_the_buyer(client, settings, db, redis):
    admin = await admin_headers(client, db)
    product = await stocked_product(client, admin)  # seller_id NULL: LAKOO sells it
    _, buyer_h = await user_with_token(client, "dina")
    await _buy(client, settings, db, redis, buyer_h, product["variants"][0]["id"])
    assert sorted(by_type(await inbox(client, buyer_h))) == ["order_paid", "order_placed"]
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Notification)) == 2


async def test_social_notifications_skip_self_actions_and_blocks(client, settings, db, redis):
    author, author_h = await user_with_token(client, "ayu")
    fan, fan_h = await user_with_token(client, "budi")
    troll, troll_h = await user_with_token(client, "troll")
    post = (await client.post("/api/posts", json=post_body(), headers=author_h)).json()["id"]

    await client.post(f"/api/users/{author['id']}/follow", headers=fan_h)
    await client.post(f"/api/posts/{post}/like", headers=fan_h)
    await client.post(f"/api/posts/{post}/comments", headers=fan_h, json={"text": "Bagus banget, beli di mana?"})
    await client.post(f"/api/posts/{post}/like", headers=author_h)  # self-actions never notify
    await client.post(f"/api/posts/{post}/comments", headers=author_h, json={"text": "Makasih!"})
    # The troll acts, then the author blocks them before the consumers run.
    await client.post(f"/api/posts/{post}/like", headers=troll_h)
    await client.post(f"/api/posts/{post}/comments", headers=troll_h, json={"text": "jelek"})
    await client.post(f"/api/users/{author['id']}/follow", headers=troll_h)
    await client.post(f"/api/users/{troll['id']}/block", headers=author_h)
    await drain(settings, db, redis)

    got = by_type(await inbox(client, author_h))
    assert sorted(got) == ["new_follower", "post_commented", "post_liked"]
    assert all(len(v) == 1 for v in got.values())
    assert got["new_follower"][0]["body"] == "budi mulai mengikutimu."
    assert got["post_liked"][0]["body"] == "budi menyukai postinganmu."
    assert got["post_liked"][0]["target"] == {"type": "post", "id": post}
    comment = got["post_commented"][0]
    assert comment["body"] == "budi mengomentari postinganmu: “Bagus banget, beli di mana?”"
    assert comment["data"]["comment_id"] and comment["target"] == {"type": "post", "id": post}
    assert await inbox(client, fan_h) == [] and await inbox(client, troll_h) == []


async def test_likes_on_one_post_become_one_growing_notification(client, settings, db, redis):
    author, author_h = await user_with_token(client, "ayu")
    post = (await client.post("/api/posts", json=post_body(), headers=author_h)).json()["id"]
    other = (await client.post("/api/posts", json=post_body(), headers=author_h)).json()["id"]
    fans = [await user_with_token(client, f"fan{i:02d}") for i in range(13)]
    for _, headers in fans:
        await client.post(f"/api/posts/{post}/like", headers=headers)
    # Unlike and like again: the same person is counted once.
    await client.delete(f"/api/posts/{post}/like", headers=fans[0][1])
    await client.post(f"/api/posts/{post}/like", headers=fans[0][1])
    await client.post(f"/api/posts/{other}/like", headers=fans[5][1])
    await drain(settings, db, redis)

    items = await inbox(client, author_h)
    assert len(items) == 2
    grown = next(i for i in items if i["target"]["id"] == post)
    assert grown["actor_count"] == 13 and len(grown["actors"]) == 3
    assert grown["body"] == f"{grown['actors'][0]['display_name']} dan 12 lainnya menyukai postinganmu."
    english = (await client.get("/api/notifications", headers={**author_h, "Accept-Language": "en"})).json()["items"]
    assert any(i["body"].endswith("and 12 others liked your post.") for i in english)
    assert next(i for i in items if i["target"]["id"] == other)["actor_count"] == 1
    assert await unread(client, author_h) == 2

    # Reading closes the batch; the next like starts a fresh notification.
    await client.post(f"/api/notifications/{grown['id']}/read", headers=author_h)
    late, late_h = await user_with_token(client, "late")
    await client.post(f"/api/posts/{post}/like", headers=late_h)
    await drain(settings, db, redis)
    newest = (await inbox(client, author_h))[0]
    assert newest["id"] != grown["id"] and newest["body"] == "late menyukai postinganmu."


async def test_likes_outside_the_window_start_a_new_notification(client, settings, db, redis):
    author, author_h = await user_with_token(client, "ayu")
    post = (await client.post("/api/posts", json=post_body(), headers=author_h)).json()["id"]
    _, first_h = await user_with_token(client)
    await client.post(f"/api/posts/{post}/like", headers=first_h)
    await drain(settings, db, redis)
    async with db.session() as session:  # the first like was long ago
        window = timedelta(seconds=settings.notification_batch_window_s + 1)
        await session.execute(update(Notification).values(created_at=Notification.created_at - window))
        await session.commit()
    _, second_h = await user_with_token(client)
    await client.post(f"/api/posts/{post}/like", headers=second_h)
    await drain(settings, db, redis)
    assert [i["actor_count"] for i in await inbox(client, author_h)] == [1, 1]


async def test_redelivered_events_create_no_second_notification(client, settings, db, redis):
    admin = await admin_headers(client, db)
    seller, _ = await user_with_token(client)
    product = await seller_product(client, db, admin, seller_id=seller["id"])
    author, author_h = await user_with_token(client)
    post = (await client.post("/api/posts", json=post_body(), headers=author_h)).json()["id"]
    _, fan_h = await user_with_token(client)
    await client.post(f"/api/users/{author['id']}/follow", headers=fan_h)
    await client.post(f"/api/posts/{post}/like", headers=fan_h)
    await client.post(f"/api/posts/{post}/comments", headers=fan_h, json={"text": "keren"})
    _, buyer_h = await user_with_token(client)
    await _buy(client, settings, db, redis, buyer_h, product["variants"][0]["id"])

    async def snapshot() -> list[tuple]:
        async with db.session() as session:
            return sorted((await session.execute(select(
                Notification.user_id, Notification.type, Notification.actor_count, Notification.updated_at))).all())

    before = await snapshot()
    assert len(before) == 7  # product approved, follower, like, comment, order placed, order paid × 2
    # Every event goes through the relay and the streams once more, as after a relay crash.
    async with db.session() as session:
        await session.execute(update(OutboxEvent).values(published_at=None))
        await session.commit()
    assert await drain(settings, db, redis) > 0
    assert await snapshot() == before


async def test_seller_and_payout_events_notify_the_seller(client, settings, db, redis):
    """Published by the sellers and ledger contexts; here staged in the outbox as they will stage them."""
    from commerce.core import outbox

    seller, seller_h = await user_with_token(client, "toko_sari")
    rejected, rejected_h = await user_with_token(client, "toko_gelap")
    payout_id = str(uuid.uuid4())
    async with db.session() as session:
        outbox.publish(session, "seller.approved", {"seller_id": seller["id"], "shop_name": "Toko Sari"})
        outbox.publish(session, "seller.rejected", {"user_id": rejected["id"], "reason": "NIK tidak terbaca"})
        outbox.publish(session, "payout.paid", {"payout_id": payout_id, "seller_id": seller["id"],
                                                "amount": 1_250_000, "currency": "IDR"})
        outbox.publish(session, "payout.rejected", {"payout_id": str(uuid.uuid4()), "seller_id": seller["id"],
                                                    "amount": 99_000, "reason": "Rekening tidak valid"})
        outbox.publish(session, "seller.approved", {"seller_id": None})  # nothing to say, nobody to tell
        await session.commit()
    await drain(settings, db, redis)
    mine = by_type(await inbox(client, seller_h))
    assert mine["seller_approved"][0]["body"].startswith("Selamat! Toko Toko Sari sudah terverifikasi")
    assert mine["payout_paid"][0]["body"] == "Rp1.250.000 sudah ditransfer ke rekeningmu."
    assert mine["payout_paid"][0]["target"] == {"type": "payout", "id": payout_id}
    assert "Rekening tidak valid" in mine["payout_rejected"][0]["body"]
    [refusal] = await inbox(client, rejected_h)
    assert refusal["type"] == "seller_rejected" and "NIK tidak terbaca" in refusal["body"]


async def test_old_events_reach_the_inbox_at_their_time_but_send_nothing(client, settings, db, redis):
    """A backlog (an outage, or the demo's seeded months relayed on the worker's first start): events
    older than `notification_outbound_max_age_s` are dated by when they happened, batch as they would
    have then, and get no email, push or SMS; a recent one still goes out; redelivery adds nothing."""
    from commerce.core import outbox
    from commerce.core.clock import utcnow
    from commerce.notifications.models import Delivery

    author, author_h = await user_with_token(client, "ayu")
    post = (await client.post("/api/posts", json=post_body(), headers=author_h)).json()["id"]
    fans = [(await user_with_token(client))[0] for _ in range(3)]
    long_ago = (utcnow() - timedelta(seconds=settings.notification_outbound_max_age_s, days=2)).replace(microsecond=0)
    async with db.session() as session:
        for hour, fan in enumerate(fans[:2]):
            outbox.publish(session, "post.liked", {"post_id": post, "author_id": author["id"], "user_id": fan["id"]},
                           occurred_at=long_ago + timedelta(hours=hour))
        outbox.publish(session, "user.followed", {"follower_id": fans[2]["id"], "followee_id": author["id"]},
                       occurred_at=long_ago)
        outbox.publish(session, "payout.paid", {"payout_id": str(uuid.uuid4()), "seller_id": author["id"],
                                                "amount": 50_000}, occurred_at=long_ago)
        outbox.publish(session, "payout.paid", {"payout_id": str(uuid.uuid4()), "seller_id": author["id"],
                                                "amount": 75_000})
        await session.commit()
    await drain(settings, db, redis)

    async def snapshot() -> list[tuple]:
        async with db.session() as session:
            return sorted((await session.execute(select(
                Notification.type, Notification.actor_count, Notification.created_at, Notification.updated_at,
                func.count(Delivery.id)).outerjoin(Delivery, Delivery.notification_id == Notification.id)
                .where(Notification.user_id == uuid.UUID(author["id"]))
                .group_by(Notification.id))).all(), key=lambda row: (row[0], row[2]))

    rows = await snapshot()
    old = [row for row in rows if row[2] == long_ago]
    assert [(kind, actors, deliveries) for kind, actors, _, _, deliveries in old] == [
        ("new_follower", 1, 0), ("payout_paid", 0, 0), ("post_liked", 2, 0)]
    assert next(row[3] for row in old if row[0] == "post_liked") == long_ago + timedelta(hours=1)
    [recent] = [row for row in rows if row[2] != long_ago]
    assert recent[0] == "payout_paid" and recent[2] > long_ago + timedelta(days=2) and recent[4] > 0
    items = await inbox(client, author_h)
    assert items[0]["data"]["amount"] == 75_000 and len(items) == 4 and await unread(client, author_h) == 4

    async with db.session() as session:  # the relay crashed and everything goes round again
        await session.execute(update(OutboxEvent).values(published_at=None))
        await session.commit()
    assert await drain(settings, db, redis) > 0
    assert await snapshot() == rows
