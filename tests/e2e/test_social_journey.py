"""The brief's Social journey over HTTP: create post → tag products → hashtags → published →
appears in followers' feeds → likes and comments (→ trends and explore arrive with ranking)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from commerce.core.outbox import OutboxEvent
from commerce.interactions import service as interactions
from tests.events import drain
from tests.factories import active_product
from tests.helpers import admin_headers, user_with_token


async def test_social_journey(client, settings, db, redis):
    admin = await admin_headers(client, db)
    shoes = await active_product(client, admin, name="Sepatu Lari Pria", price=450_000)
    bag = await active_product(client, admin, name="Tas Kanvas", price=189_000)
    creator, creator_h = await user_with_token(client, "sari")
    followers = [await user_with_token(client, f"teman{i}") for i in range(3)]
    for _, headers in followers:
        assert (await client.post(f"/api/users/{creator['id']}/follow", headers=headers)).status_code == 200

    # Create a post, tag two products, hashtags in the text: published.
    created = await client.post("/api/posts", headers=creator_h, json={
        "text": "Lari pagi di GBK 🏃‍♀️ #LariPagi #OOTD",
        "images": [{"url": "https://img.example.com/run.jpg", "width": 1080, "height": 1350},
                   {"url": "https://img.example.com/bag.jpg", "width": 1080, "height": 1080}],
        "product_tags": [{"product_id": shoes["id"], "image_index": 0, "x": 0.5, "y": 0.8},
                         {"product_id": bag["id"], "image_index": 1}],
    })
    assert created.status_code == 201, created.text
    post = created.json()
    assert post["hashtags"] == ["laripagi", "ootd"]

    # The worker fans it out: it appears in every follower's following feed, fully hydrated.
    await drain(settings, db, redis)
    for _, headers in followers:
        feed = (await client.get("/api/feed/following", headers=headers)).json()
        assert [item["id"] for item in feed["items"]] == [post["id"]]
        card = feed["items"][0]
        assert {t["product"]["name"] for t in card["product_tags"]} == {"Sepatu Lari Pria", "Tas Kanvas"}
        assert all(t["product"]["in_stock"] for t in card["product_tags"])

    # The apps log what people saw and tapped.
    viewer, viewer_h = followers[0]
    now = datetime.now(UTC).isoformat()
    batch = {"events": [
        {"event_id": str(uuid.uuid4()), "type": "impression", "occurred_at": now, "surface": "following",
         "position": 0, "post_id": post["id"]},
        {"event_id": str(uuid.uuid4()), "type": "post_click", "occurred_at": now, "surface": "following",
         "post_id": post["id"]},
        {"event_id": str(uuid.uuid4()), "type": "product_tag_click", "occurred_at": now, "surface": "following",
         "post_id": post["id"], "product_id": shoes["id"]},
    ]}
    assert (await client.post("/api/interactions", json=batch, headers=viewer_h)).json()["accepted"] == 3

    # Likes and comments.
    for _, headers in followers:
        assert (await client.post(f"/api/posts/{post['id']}/like", params={"surface": "following"},
                                  headers=headers)).status_code == 200
    comment = await client.post(f"/api/posts/{post['id']}/comments", json={"text": "Sepatunya keren!"},
                                headers=viewer_h)
    assert comment.status_code == 201
    reply = await client.post(f"/api/posts/{post['id']}/comments",
                              json={"text": "Makasih! Link di tag ya", "parent_id": comment.json()["id"]},
                              headers=creator_h)
    assert reply.status_code == 201
    card = (await client.get(f"/api/posts/{post['id']}", headers=viewer_h)).json()
    assert card["like_count"] == 3 and card["comment_count"] == 2 and card["viewer"]["liked"] is True

    # It is findable by hashtag and on the creator's profile.
    by_tag = (await client.get("/api/hashtags/laripagi/posts")).json()
    assert [p["id"] for p in by_tag["items"]] == [post["id"]]
    profile = (await client.get(f"/api/users/{creator['id']}")).json()
    assert profile["posts_count"] == 1 and profile["followers_count"] == 3

    # Everything the analytics and ranking pipelines need landed in the interaction log and outbox.
    async with db.session() as session:
        logged = await interactions.count_by_type(session, user_id=uuid.UUID(viewer["id"]))
        topics = sorted(t for t in await session.scalars(select(OutboxEvent.topic)))
    assert logged == {"impression": 1, "post_click": 1, "product_tag_click": 1, "like": 1, "comment": 1}
    assert topics.count("post.liked") == 3 and topics.count("post.commented") == 2
    assert topics.count("user.followed") == 3 and topics.count("post.created") == 1
    assert topics.count("product.approved") == 2
