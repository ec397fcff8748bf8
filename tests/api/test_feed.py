"""GET /api/feed/following: fan-out on write, merge on read, graph changes on the next read."""

from __future__ import annotations

import uuid
from datetime import timedelta

from commerce.content import service as content
from commerce.content.schemas import PostCreate
from commerce.core.clock import utcnow
from commerce.core.pagination import encode_cursor
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


async def _walk(client, headers, limit: int) -> tuple[list[str], int]:
    """Every item of the feed by following cursors; and how many pages that took."""
    seen: list[str] = []
    cursor, pages = None, 0
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/api/feed/following", headers=headers, params=params)
        assert response.status_code == 200, response.text
        seen += [item["id"] for item in response.json()["items"]]
        cursor, pages = response.json()["next_cursor"], pages + 1
        if cursor is None or pages > 50:
            return seen, pages


async def _bulk_posts(db, author_id: str, count: int, *, start_s: int) -> list[str]:
    """COUNT posts by one author, one a second apart from START_S seconds ago on; oldest first."""
    base = utcnow() - timedelta(seconds=start_s)
    body = PostCreate.model_validate(post_body())
    async with db.session() as session:
        ids = await content.create_posts(session, posts=[(uuid.UUID(author_id), body, base + timedelta(seconds=i))
                                                         for i in range(count)])
    return [str(i) for i in ids]


async def test_unfollowing_a_prolific_author_leaves_the_older_posts(client, settings, db, redis):
    a, _ = await user_with_token(client, "prolific")
    b, _ = await user_with_token(client, "quiet")
    _, fan_h = await user_with_token(client, "fan")
    for who in (a, b):
        await client.post(f"/api/users/{who['id']}/follow", headers=fan_h)
    [b_post] = await _bulk_posts(db, b["id"], 1, start_s=200)
    a_posts = await _bulk_posts(db, a["id"], 45, start_s=100)  # all newer than b's post
    await drain(settings, db, redis)
    assert (await _feed_ids(client, fan_h))[:2] == list(reversed(a_posts))[:2]
    await client.delete(f"/api/users/{a['id']}/follow", headers=fan_h)
    assert (await client.get("/api/feed/following", headers=fan_h)).json() == {
        "items": [(await client.get(f"/api/posts/{b_post}", headers=fan_h)).json()], "next_cursor": None}


async def test_a_long_filtered_stretch_returns_a_cursor_instead_of_ending_the_feed(client, settings, db, redis):
    a, _ = await user_with_token(client)
    b, _ = await user_with_token(client)
    _, fan_h = await user_with_token(client)
    for who in (a, b):
        await client.post(f"/api/users/{who['id']}/follow", headers=fan_h)
    b_posts = await _bulk_posts(db, b["id"], 3, start_s=1000)
    await _bulk_posts(db, a["id"], 200, start_s=500)
    await drain(settings, db, redis)
    await client.delete(f"/api/users/{a['id']}/follow", headers=fan_h)
    # A page of 1 scans a few entries per round: 200 hidden ones outlast the round cap, and the
    # page comes back empty but with a cursor that leads on to b's posts.
    first = (await client.get("/api/feed/following", headers=fan_h, params={"limit": 1})).json()
    assert first["items"] == [] and first["next_cursor"] is not None
    seen, pages = await _walk(client, fan_h, limit=1)
    assert seen == list(reversed(b_posts)) and pages > 3


async def test_pages_merge_timeline_and_big_authors_without_gaps(client, settings, db, redis):
    star, _ = await user_with_token(client)
    small, _ = await user_with_token(client)
    gone, _ = await user_with_token(client)
    blocker, _ = await user_with_token(client)
    fan, fan_h = await user_with_token(client)
    _, other_h = await user_with_token(client)
    for who in (star, small, gone, blocker):
        await client.post(f"/api/users/{who['id']}/follow", headers=fan_h)
    await client.post(f"/api/users/{star['id']}/follow", headers=other_h)
    config = feed.FeedConfig(fanout_threshold=1)  # the star is merged at read time, the others fanned out
    from commerce.feed.handlers import make_handlers

    star_posts = await _bulk_posts(db, star["id"], 30, start_s=3000)
    # Interleave the timeline authors with the star's posts, half a second apart.
    small_posts = await _bulk_posts(db, small["id"], 30, start_s=3000 - 0.5)
    await _bulk_posts(db, gone["id"], 60, start_s=2000)
    await _bulk_posts(db, blocker["id"], 60, start_s=1000)
    await drain(settings, db, redis, handlers=make_handlers(config))
    await client.delete(f"/api/users/{gone['id']}/follow", headers=fan_h)
    async with db.session() as session:
        from commerce.social import service as social

        await social.block(session, blocker_id=uuid.UUID(blocker["id"]), blocked_id=uuid.UUID(fan["id"]))
    expected = sorted(star_posts + small_posts, reverse=True)  # uuid7 ids follow their creation times
    for limit in (1, 7, 20):
        seen: list[str] = []
        cursor = None
        async with db.session() as session:
            while True:
                page = await feed.following_feed(session, redis, config, viewer_id=uuid.UUID(fan["id"]),
                                                 cursor=cursor, limit=limit)
                seen += [str(p.id) for p in page.items]
                if (cursor := page.next_cursor) is None:
                    break
        assert seen == expected, limit


async def test_feed_bad_input_and_auth(client, settings, db, redis):
    _, headers = await user_with_token(client)
    assert (await client.get("/api/feed/following", headers=headers)).json() == {"items": [], "next_cursor": None}
    author, author_h = await user_with_token(client)
    await client.post(f"/api/users/{author['id']}/follow", headers=headers)
    await client.post("/api/posts", json=post_body(), headers=author_h)
    await drain(settings, db, redis)
    assert_problem(await client.get("/api/feed/following"), 401)
    assert_problem(await client.get("/api/feed/following", headers=headers, params={"limit": 101}), 422)
    assert_problem(await client.get("/api/feed/following", headers=headers, params={"cursor": "xyz"}), 422)
    naive = encode_cursor("2999-05-01T10:00:00", str(uuid.uuid4()))  # newer than every post
    for cursor in (naive, encode_cursor("2024-05-01T10:00:00+00:00", "not-a-uuid"), encode_cursor(1, 2)):
        assert_problem(await client.get("/api/feed/following", headers=headers, params={"cursor": cursor}), 422,
                       "invalid_cursor")


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
