"""GET /api/feed/following: fan-out on write, merge on read, graph changes on the next read."""

from __future__ import annotations

import uuid

from commerce.core.redis import RedisStore
from commerce.feed import service as feed
from commerce.feed import timelines
from tests.api.test_content import post_body
from tests.events import drain
from tests.helpers import assert_problem, user_with_token


async def _feed_ids(client, headers, **params) -> list[str]:
    response = await client.get("/api/feed/following", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_posts_reach_followers_and_graph_changes_apply_on_next_read(client, settings, db, redis):
    author, author_h = await user_with_token(client, "author")
    fan, fan_h = await user_with_token(client, "fan")
    await client.post(f"/api/users/{author['id']}/follow", headers=fan_h)
    first = (await client.post("/api/posts", json=post_body(), headers=author_h)).json()
    second = (await client.post("/api/posts", json=post_body(), headers=author_h)).json()
    await drain(settings, db, redis)
    assert await redis.client.zcard(timelines.timeline_key(redis, uuid.UUID(fan["id"]))) == 2
    assert await _feed_ids(client, fan_h) == [second["id"], first["id"]]
    card = (await client.get("/api/feed/following", headers=fan_h)).json()["items"][0]
    assert card["author"]["username"] == "author" and card["viewer"] == {"liked": False, "saved": False}

    await client.delete(f"/api/posts/{second['id']}", headers=author_h)
    assert await _feed_ids(client, fan_h) == [first["id"]]
    await client.delete(f"/api/users/{author['id']}/follow", headers=fan_h)
    assert await _feed_ids(client, fan_h) == []
    await client.post(f"/api/users/{author['id']}/follow", headers=fan_h)
    assert await _feed_ids(client, fan_h) == [first["id"]]
    await client.post(f"/api/users/{fan['id']}/block", headers=author_h)
    assert await _feed_ids(client, fan_h) == []


async def test_new_follow_backfills_recent_posts(client, settings, db, redis):
    author, author_h = await user_with_token(client)
    posts = [(await client.post("/api/posts", json=post_body(), headers=author_h)).json()["id"] for _ in range(3)]
    await drain(settings, db, redis)
    _, fan_h = await user_with_token(client)
    await client.post(f"/api/users/{author['id']}/follow", headers=fan_h)
    await drain(settings, db, redis)
    assert await _feed_ids(client, fan_h) == list(reversed(posts))


async def test_cursor_pagination_is_stable_while_new_posts_arrive(client, settings, db, redis):
    author, author_h = await user_with_token(client)
    _, fan_h = await user_with_token(client)
    await client.post(f"/api/users/{author['id']}/follow", headers=fan_h)
    posts = [(await client.post("/api/posts", json=post_body(), headers=author_h)).json()["id"] for _ in range(7)]
    await drain(settings, db, redis)
    page1 = (await client.get("/api/feed/following", headers=fan_h, params={"limit": 3})).json()
    newer = (await client.post("/api/posts", json=post_body(), headers=author_h)).json()["id"]
    await drain(settings, db, redis)
    seen = [p["id"] for p in page1["items"]]
    cursor = page1["next_cursor"]
    while cursor:
        page = (await client.get("/api/feed/following", headers=fan_h, params={"limit": 3, "cursor": cursor})).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
    assert seen == list(reversed(posts))
    assert newer not in seen
    assert (await _feed_ids(client, fan_h))[0] == newer


async def test_feed_bad_input_and_auth(client):
    _, headers = await user_with_token(client)
    assert_problem(await client.get("/api/feed/following"), 401)
    assert_problem(await client.get("/api/feed/following", headers=headers, params={"limit": 101}), 422)
    assert_problem(await client.get("/api/feed/following", headers=headers, params={"cursor": "xyz"}), 422)
    assert (await client.get("/api/feed/following", headers=headers)).json() == {"items": [], "next_cursor": None}


async def test_big_authors_are_merged_at_read_time(client, settings, db, redis):
    star, star_h = await user_with_token(client, "star")
    small, small_h = await user_with_token(client, "small")
    fan, fan_h = await user_with_token(client, "fan")
    other, other_h = await user_with_token(client, "other")
    for who in (star, small):
        await client.post(f"/api/users/{who['id']}/follow", headers=fan_h)
    await client.post(f"/api/users/{star['id']}/follow", headers=other_h)
    config = feed.FeedConfig(fanout_threshold=1)  # star has 2 followers: too many to fan out to
    star_post = (await client.post("/api/posts", json=post_body(), headers=star_h)).json()["id"]
    small_post = (await client.post("/api/posts", json=post_body(), headers=small_h)).json()["id"]
    from commerce.feed.handlers import make_handlers

    await drain(settings, db, redis, handlers=make_handlers(config))
    fan_timeline = await redis.client.zrange(timelines.timeline_key(redis, uuid.UUID(fan["id"])), 0, -1)
    assert fan_timeline == [uuid.UUID(small_post).hex]  # the star's post was not fanned out
    async with db.session() as session:
        page = await feed.following_feed(session, redis, config, viewer_id=uuid.UUID(fan["id"]), cursor=None)
    assert [str(p.id) for p in page.items] == [small_post, star_post]


async def test_feed_falls_back_to_postgres_when_redis_is_down(client, settings, db, redis):
    author, author_h = await user_with_token(client)
    fan, fan_h = await user_with_token(client)
    await client.post(f"/api/users/{author['id']}/follow", headers=fan_h)
    post = (await client.post("/api/posts", json=post_body(), headers=author_h)).json()["id"]
    dead = RedisStore("redis://127.0.0.1:1/0", "down")
    try:
        async with db.session() as session:
            page = await feed.following_feed(session, dead, feed.FeedConfig(), viewer_id=uuid.UUID(fan["id"]),
                                             cursor=None)
    finally:
        await dead.close()
    assert [str(p.id) for p in page.items] == [post]


async def test_fanout_caps_timelines(redis):
    user = uuid.uuid4()
    for i in range(timelines.TIMELINE_CAP + 25):
        await timelines.push(redis, user_ids=[user], post_id=uuid.UUID(int=i + 1), score_ms=i)
    key = timelines.timeline_key(redis, user)
    assert await redis.client.zcard(key) == timelines.TIMELINE_CAP
    oldest = await redis.client.zrange(key, 0, 0, withscores=True)
    assert oldest[0][1] == 25  # the 25 oldest were dropped
