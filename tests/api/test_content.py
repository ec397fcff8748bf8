"""/api/posts, likes, saves, comments, hashtags, profile and hashtag listings."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import select

from commerce.core.outbox import OutboxEvent
from commerce.interactions import service as interactions
from tests.factories import active_product, category, draft_product
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


async def test_at_most_19_product_tags_on_create_and_edit(client, db):
    admin = await admin_headers(client, db)
    shelf = (await category(client, admin))["id"]
    products = [await active_product(client, admin, category_id=shelf) for _ in range(20)]
    tags = [{"product_id": p["id"]} for p in products]  # all taggable: only the count can be wrong
    _, headers = await user_with_token(client)
    too_many = assert_problem(await client.post("/api/posts", json=post_body(product_tags=tags), headers=headers),
                              422, "validation_failed")
    assert [(e["loc"], e["type"]) for e in too_many["errors"]] == [(["body", "product_tags"], "too_long")]
    created = await client.post("/api/posts", json=post_body(product_tags=tags[:19]), headers=headers)
    assert created.status_code == 201, created.text
    post = created.json()
    assert [t["product_id"] for t in post["product_tags"]] == [p["id"] for p in products[:19]]
    edited = await client.patch(f"/api/posts/{post['id']}", json={"product_tags": tags[1:]}, headers=headers)
    assert edited.status_code == 200 and len(edited.json()["product_tags"]) == 19
    too_many = assert_problem(await client.patch(f"/api/posts/{post['id']}", json={"product_tags": tags},
                                                 headers=headers), 422, "validation_failed")
    assert [(e["loc"], e["type"]) for e in too_many["errors"]] == [(["body", "product_tags"], "too_long")]
    kept = (await client.get(f"/api/posts/{post['id']}")).json()["product_tags"]
    assert [t["product_id"] for t in kept] == [p["id"] for p in products[1:]]


async def test_editing_tags_checks_them_like_creating(client, db):
    admin = await admin_headers(client, db)
    product = await active_product(client, admin)
    draft = await draft_product(client, admin)
    _, headers = await user_with_token(client)
    post = (await client.post("/api/posts", json=post_body(product_tags=[{"product_id": product["id"]}]),
                              headers=headers)).json()
    url = f"/api/posts/{post['id']}"
    for bad_id in (draft["id"], str(uuid.uuid4())):
        body = assert_problem(await client.patch(url, json={"product_tags": [{"product_id": bad_id}]},
                                                 headers=headers), 422, "product_not_taggable")
        assert body["product_ids"] == [bad_id]
    other_variant = draft["variants"][0]["id"]
    assert_problem(await client.patch(url, json={"product_tags": [
        {"product_id": product["id"], "variant_id": other_variant}]}, headers=headers), 422, "product_not_taggable")
    assert_problem(await client.patch(url, json={"product_tags": [{"product_id": product["id"], "image_index": 1}]},
                                      headers=headers), 422, "invalid_product_tag")  # the post has one image
    assert_problem(await client.patch(url, json={"product_tags": [
        {"product_id": product["id"], "image_index": 0, "x": 0.5}]}, headers=headers), 422, "validation_failed")
    assert (await client.get(url)).json()["product_tags"] == post["product_tags"]  # nothing changed
    moved = await client.patch(url, json={"product_tags": [{"product_id": product["id"], "image_index": 0, "x": 0.1,
                                                            "y": 0.9}]}, headers=headers)
    assert moved.status_code == 200 and moved.json()["product_tags"][0]["x"] == 0.1


async def test_nul_characters_are_422_not_500(client):
    me, headers = await user_with_token(client)
    assert_problem(await client.post("/api/posts", json=post_body(text="halo\u0000 #kopi"), headers=headers), 422,
                   "validation_failed")
    post = (await client.post("/api/posts", json=post_body(), headers=headers)).json()
    for method, path, body in (("PATCH", f"/api/posts/{post['id']}", {"text": "\u0000"}),
                               ("POST", f"/api/posts/{post['id']}/comments", {"text": "ok\u0000"})):
        assert_problem(await client.request(method, path, json=body, headers=headers), 422, "validation_failed")
    assert_problem(await client.get("/api/hashtags/ko%00pi/posts"), 422, "validation_failed")
    assert (await client.get(f"/api/posts/{post['id']}")).json()["text"] == post["text"]
    assert (await client.get(f"/api/users/{me['id']}")).json()["posts_count"] == 1


async def test_tag_on_a_missing_image_is_422(client, db):
    admin = await admin_headers(client, db)
    product = await active_product(client, admin)
    _, headers = await user_with_token(client)
    body = post_body(product_tags=[{"product_id": product["id"], "image_index": 3}])
    assert_problem(await client.post("/api/posts", json=body, headers=headers), 422, "invalid_product_tag")


async def test_edit_and_delete_are_the_authors_alone(client, db):
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
    async with db.session() as session:
        deleted = list(await session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "post.deleted")))
    assert len(deleted) == 1
    assert deleted[0].payload == {**deleted[0].payload, "post_id": post["id"], "author_id": me["id"]}
    assert deleted[0].payload["deleted_at"]
    assert_problem(await client.delete(f"/api/posts/{post['id']}", headers=headers), 404)  # once only
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


async def test_unsave_is_idempotent_and_checks_the_post(client, db):
    _, author = await user_with_token(client)
    fan, fan_h = await user_with_token(client)
    post = (await client.post("/api/posts", json=post_body(), headers=author)).json()
    url = f"/api/posts/{post['id']}/save"
    await client.post(url, headers=fan_h)
    await client.post(f"/api/posts/{post['id']}/like", headers=fan_h)
    for _ in range(2):  # the second unsave changes nothing and still answers with the state
        response = await client.delete(url, headers=fan_h)
        assert response.status_code == 200 and response.json() == {"liked": True, "saved": False}
    card = (await client.get(f"/api/posts/{post['id']}", headers=fan_h)).json()
    assert card["save_count"] == 0 and card["viewer"] == {"liked": True, "saved": False}
    never_saved = await client.delete(url, headers=author)
    assert never_saved.json() == {"liked": False, "saved": False}
    assert (await client.get(f"/api/posts/{post['id']}")).json()["save_count"] == 0  # never negative
    async with db.session() as session:
        assert await interactions.count_by_type(session, user_id=uuid.UUID(fan["id"])) == {"save": 1, "like": 1}
    assert_problem(await client.delete(url), 401)
    assert_problem(await client.delete(f"/api/posts/{uuid.uuid4()}/save", headers=fan_h), 404, "post_not_found")
    assert_problem(await client.delete("/api/posts/not-a-uuid/save", headers=fan_h), 422)
    await client.delete(f"/api/posts/{post['id']}", headers=author)
    assert_problem(await client.delete(url, headers=fan_h), 404, "post_not_found")


async def test_comment_listing_pages_and_visibility(client):
    author, author_h = await user_with_token(client)
    _, fan_h = await user_with_token(client)
    outsider, outsider_h = await user_with_token(client)
    post = (await client.post("/api/posts", json=post_body(), headers=author_h)).json()
    url = f"/api/posts/{post['id']}/comments"
    texts = [f"komentar {i}" for i in range(7)]
    for i, text in enumerate(texts):
        created = await client.post(url, json={"text": text}, headers=fan_h if i % 2 else author_h)
        assert created.status_code == 201
    seen, cursor, pages = [], None, 0
    while True:
        page = (await client.get(url, params={"limit": 3, **({"cursor": cursor} if cursor else {})})).json()
        seen += [c["text"] for c in page["items"]]
        pages += 1
        if not (cursor := page["next_cursor"]):
            break
    assert seen == texts and pages == 3  # oldest first, no repeats, no gaps
    for cursor in ("not a cursor", "bm90IGpzb24", seen[0]):
        assert_problem(await client.get(url, params={"cursor": cursor}), 422, "invalid_cursor")
    assert_problem(await client.get(url, params={"limit": 0}), 422)
    await client.post(f"/api/users/{outsider['id']}/block", headers=author_h)
    assert_problem(await client.get(url, headers=outsider_h), 404, "post_not_found")
    assert len((await client.get(url)).json()["items"]) == 7
    assert_problem(await client.get(f"/api/posts/{uuid.uuid4()}/comments"), 404, "post_not_found")
    await client.delete(f"/api/posts/{post['id']}", headers=author_h)
    assert_problem(await client.get(url), 404, "post_not_found")
    assert_problem(await client.get(url, headers=fan_h), 404, "post_not_found")


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


async def test_hashtags_with_combining_marks_are_whole_words(client):
    _, headers = await user_with_token(client)
    post = (await client.post("/api/posts", json=post_body(text="ไปเที่ยว #สวัสดี #नमस्ते #kopi☕"),
                              headers=headers)).json()
    assert post["hashtags"] == ["สวัสดี", "नमस्ते", "kopi"]
    for tag in post["hashtags"]:
        assert [p["id"] for p in (await client.get(f"/api/hashtags/{tag}/posts")).json()["items"]] == [post["id"]]
    assert (await client.get("/api/hashtags/สว/posts")).json()["items"] == []


async def test_archived_products_show_as_unavailable_on_old_posts(client, db):
    admin = await admin_headers(client, db)
    product = await active_product(client, admin)
    _, headers = await user_with_token(client)
    post = (await client.post("/api/posts", json=post_body(product_tags=[{"product_id": product["id"]}]),
                              headers=headers)).json()
    assert (await client.post(f"/api/products/{product['id']}/archive", headers=admin)).status_code == 200
    tag = (await client.get(f"/api/posts/{post['id']}")).json()["product_tags"][0]
    assert tag["product_id"] == product["id"] and tag["product"] is None
