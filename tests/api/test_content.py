"""/api/posts, likes, saves, comments, hashtags, profile and hashtag listings."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from commerce.interactions import service as interactions
from tests.factories import active_product, draft_product
from tests.helpers import admin_headers, assert_problem, user_with_token

IMAGE = {"url": "https://img.example.com/1.jpg", "width": 1080, "height": 1350}


def post_body(**overrides) -> dict:
    return {"text": "OOTD hari ini #OOTD #Sepatu_Lari #日常", "images": [IMAGE], **overrides}


async def test_create_post_with_tags_and_hashtags(client, db):
    admin = await admin_headers(client, db)
    product = await active_product(client, admin, name="Sepatu Lari Pria", price=450_000)
    me, headers = await user_with_token(client, "ayu")
    body = post_body(images=[IMAGE, {**IMAGE, "url": "https://img.example.com/2.jpg"}],
                     product_tags=[{"product_id": product["id"], "image_index": 1, "x": 0.4, "y": 0.7}])
    response = await client.post("/api/posts", json=body, headers=headers)
    assert response.status_code == 201, response.text
    card = response.json()
    assert card["author"]["username"] == "ayu"
    assert card["hashtags"] == ["ootd", "sepatu_lari", "日常"]
    assert len(card["images"]) == 2
    tag = card["product_tags"][0]
    assert tag["product"]["name"] == "Sepatu Lari Pria" and tag["product"]["price_min"] == 450_000
    assert tag["product"]["in_stock"] is True and tag["x"] == 0.4
    assert card["viewer"] == {"liked": False, "saved": False}
    assert (await client.get(f"/api/users/{me['id']}")).json()["posts_count"] == 1
    fetched = await client.get(f"/api/posts/{card['id']}")
    assert fetched.status_code == 200 and fetched.json()["id"] == card["id"]


async def test_tagging_inactive_or_unknown_products_is_422(client, db):
    admin = await admin_headers(client, db)
    draft = await draft_product(client, admin)
    _, headers = await user_with_token(client)
    for product_id in (draft["id"], str(uuid.uuid4())):
        response = await client.post("/api/posts", json=post_body(product_tags=[{"product_id": product_id}]),
                                     headers=headers)
        assert_problem(response, 422, "product_not_taggable")


@pytest.mark.parametrize(
    "overrides",
    [
        {"images": []},
        {"images": [IMAGE] * 10},
        {"product_tags": [{"product_id": str(uuid.uuid4())}] * 20},
        {"text": "x" * 2201},
        {"images": [{**IMAGE, "width": 0}]},
        {"images": [{**IMAGE, "url": "ftp://x/y.jpg"}]},
        {"product_tags": [{"product_id": str(uuid.uuid4()), "x": 0.5}]},
        {"product_tags": [{"product_id": str(uuid.uuid4()), "image_index": 0, "x": 1.5, "y": 0.5}]},
        {"author_id": str(uuid.uuid4())},
    ],
)
async def test_create_post_rejects_bad_input(client, overrides):
    _, headers = await user_with_token(client)
    assert_problem(await client.post("/api/posts", json=post_body(**overrides), headers=headers), 422)


async def test_tag_on_a_missing_image_is_422(client, db):
    admin = await admin_headers(client, db)
    product = await active_product(client, admin)
    _, headers = await user_with_token(client)
    body = post_body(product_tags=[{"product_id": product["id"], "image_index": 3}])
    assert_problem(await client.post("/api/posts", json=body, headers=headers), 422, "invalid_product_tag")


async def test_edit_and_delete_are_the_authors_alone(client):
    me, headers = await user_with_token(client)
    _, other = await user_with_token(client)
    post = (await client.post("/api/posts", json=post_body(), headers=headers)).json()
    assert_problem(await client.patch(f"/api/posts/{post['id']}", json={"text": "hacked"}, headers=other), 404,
                   "post_not_found")
    assert_problem(await client.delete(f"/api/posts/{post['id']}", headers=other), 404)
    edited = await client.patch(f"/api/posts/{post['id']}", json={"text": "now #kopi"}, headers=headers)
    assert edited.json()["text"] == "now #kopi" and edited.json()["hashtags"] == ["kopi"]
    assert_problem(await client.patch(f"/api/posts/{post['id']}", json={"status": "deleted"}, headers=headers), 422)
    assert (await client.delete(f"/api/posts/{post['id']}", headers=headers)).status_code == 204
    assert_problem(await client.get(f"/api/posts/{post['id']}"), 404)
    assert (await client.get(f"/api/users/{me['id']}")).json()["posts_count"] == 0
    assert_problem(await client.post(f"/api/posts/{post['id']}/comments", json={"text": "hi"}, headers=other), 404)


async def test_likes_and_saves_are_idempotent_and_counted(client, db):
    _, author = await user_with_token(client)
    fan, fan_h = await user_with_token(client)
    post = (await client.post("/api/posts", json=post_body(), headers=author)).json()
    for _ in range(2):
        liked = await client.post(f"/api/posts/{post['id']}/like", params={"surface": "following"}, headers=fan_h)
        assert liked.json() == {"liked": True, "saved": False}
    await client.post(f"/api/posts/{post['id']}/save", headers=fan_h)
    card = (await client.get(f"/api/posts/{post['id']}", headers=fan_h)).json()
    assert card["like_count"] == 1 and card["save_count"] == 1 and card["viewer"] == {"liked": True, "saved": True}
    await client.delete(f"/api/posts/{post['id']}/like", headers=fan_h)
    await client.delete(f"/api/posts/{post['id']}/like", headers=fan_h)
    assert (await client.get(f"/api/posts/{post['id']}")).json()["like_count"] == 0
    async with db.session() as session:
        logged = await interactions.count_by_type(session, user_id=uuid.UUID(fan["id"]))
    assert logged == {"like": 1, "save": 1}
    assert_problem(await client.post(f"/api/posts/{uuid.uuid4()}/like", headers=fan_h), 404)
    assert_problem(await client.post(f"/api/posts/{post['id']}/like"), 401)
    assert_problem(await client.post(f"/api/posts/{post['id']}/like", params={"surface": "nowhere"},
                                     headers=fan_h), 422)


async def test_concurrent_likes_stay_exact(client):
    _, author = await user_with_token(client)
    post = (await client.post("/api/posts", json=post_body(), headers=author)).json()
    fans = [await user_with_token(client) for _ in range(15)]
    results = await asyncio.gather(*[client.post(f"/api/posts/{post['id']}/like", headers=h)
                                     for _, h in fans for _ in range(3)])
    assert all(r.status_code == 200 for r in results)
    assert (await client.get(f"/api/posts/{post['id']}")).json()["like_count"] == 15


async def test_comments_with_one_level_of_replies(client):
    _, author = await user_with_token(client)
    _, fan = await user_with_token(client)
    post = (await client.post("/api/posts", json=post_body(), headers=author)).json()
    top = (await client.post(f"/api/posts/{post['id']}/comments", json={"text": "Cakep!"}, headers=fan)).json()
    reply = await client.post(f"/api/posts/{post['id']}/comments", json={"text": "Makasih", "parent_id": top["id"]},
                              headers=author)
    assert reply.status_code == 201 and reply.json()["parent_id"] == top["id"]
    too_deep = await client.post(f"/api/posts/{post['id']}/comments",
                                 json={"text": "x", "parent_id": reply.json()["id"]}, headers=fan)
    assert_problem(too_deep, 422, "reply_too_deep")
    assert_problem(await client.post(f"/api/posts/{post['id']}/comments", json={"text": "  "}, headers=fan), 422)
    assert_problem(await client.post(f"/api/posts/{post['id']}/comments",
                                     json={"text": "x", "parent_id": str(uuid.uuid4())}, headers=fan), 404)
    listed = (await client.get(f"/api/posts/{post['id']}/comments")).json()
    assert [c["text"] for c in listed["items"]] == ["Cakep!", "Makasih"]
    assert (await client.get(f"/api/posts/{post['id']}")).json()["comment_count"] == 2
    # Only the comment's author or the post's author may delete it.
    _, stranger = await user_with_token(client)
    assert_problem(await client.delete(f"/api/comments/{top['id']}", headers=stranger), 404)
    assert (await client.delete(f"/api/comments/{top['id']}", headers=author)).status_code == 204
    assert (await client.get(f"/api/posts/{post['id']}")).json()["comment_count"] == 1


async def test_blocks_hide_posts_both_ways(client):
    blocker, blocker_h = await user_with_token(client)
    blocked, blocked_h = await user_with_token(client)
    post = (await client.post("/api/posts", json=post_body(), headers=blocker_h)).json()
    theirs = (await client.post("/api/posts", json=post_body(), headers=blocked_h)).json()
    await client.post(f"/api/users/{blocked['id']}/block", headers=blocker_h)
    assert_problem(await client.get(f"/api/posts/{post['id']}", headers=blocked_h), 404)
    assert_problem(await client.post(f"/api/posts/{post['id']}/comments", json={"text": "hey"}, headers=blocked_h),
                   404)
    assert_problem(await client.post(f"/api/posts/{post['id']}/like", headers=blocked_h), 404)
    assert (await client.get(f"/api/users/{blocker['id']}/posts", headers=blocked_h)).json()["items"] == []
    assert_problem(await client.get(f"/api/posts/{theirs['id']}", headers=blocker_h), 404)
    assert (await client.get(f"/api/users/{blocked['id']}/posts", headers=blocker_h)).json()["items"] == []


async def test_user_and_hashtag_listings_paginate(client):
    me, headers = await user_with_token(client)
    ids = [(await client.post("/api/posts", json=post_body(text=f"#Kopi number {i}"), headers=headers)).json()["id"]
           for i in range(5)]
    seen, cursor = [], None
    while True:
        page = (await client.get(f"/api/users/{me['id']}/posts",
                                 params={"limit": 2, **({"cursor": cursor} if cursor else {})})).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))
    tagged = (await client.get("/api/hashtags/KOPI/posts")).json()
    assert [p["id"] for p in tagged["items"]] == list(reversed(ids))
    assert (await client.get("/api/hashtags/teh/posts")).json()["items"] == []
    assert_problem(await client.get(f"/api/users/{uuid.uuid4()}/posts"), 404)
    assert_problem(await client.get("/api/hashtags/kopi/posts", params={"cursor": "bm90IGpzb24"}), 422)


async def test_archived_products_show_as_unavailable_on_old_posts(client, db):
    admin = await admin_headers(client, db)
    product = await active_product(client, admin)
    _, headers = await user_with_token(client)
    post = (await client.post("/api/posts", json=post_body(product_tags=[{"product_id": product["id"]}]),
                              headers=headers)).json()
    assert (await client.post(f"/api/products/{product['id']}/archive", headers=admin)).status_code == 200
    tag = (await client.get(f"/api/posts/{post['id']}")).json()["product_tags"][0]
    assert tag["product_id"] == product["id"] and tag["product"] is None
