"""GET /api/feed/for-you and /api/feed/explore: ranked lists from Redis, filters, diversity, fresh
blending, cursors, impressions, experiments and the PostgreSQL fallback."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from commerce.core.redis import RedisStore
from commerce.feed import impressions
from serving.feeds.ranked import RankedFeeds
from tests.api.test_content import post_body
from tests.events import drain
from tests.factories import stocked_product
from tests.helpers import admin_headers, assert_problem, user_with_token
from tests.ranking_fixtures import publish_ranking


async def _posts(client, headers, n: int, **body) -> list[str]:  # noqa: ANN001, ANN003
    return [(await client.post("/api/posts", json=post_body(**body), headers=headers)).json()["id"] for _ in range(n)]


async def _page(client, headers, path: str = "/api/feed/for-you", **params) -> dict:  # noqa: ANN001, ANN003
    response = await client.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _ids(page: dict) -> list[str]:
    return [item["id"] for item in page["items"]]


async def _world(client, settings, db, redis, authors: int = 5, per_author: int = 3):  # noqa: ANN001, ANN202
    """A viewer and `authors` authors with `per_author` posts each; the viewer's ranked list
    interleaves them (author 0 post 0, author 1 post 0, ...)."""
    viewer, viewer_h = await user_with_token(client, "viewer")
    posts: list[list[str]] = []
    heads = []
    for a in range(authors):
        author, author_h = await user_with_token(client, f"author{a}")
        heads.append((author, author_h))
        posts.append(await _posts(client, author_h, per_author))
    await drain(settings, db, redis)
    ranked = [posts[a][p] for p in range(per_author) for a in range(authors)]
    return viewer, viewer_h, heads, posts, ranked


async def test_for_you_serves_the_ranked_list_as_cards_and_logs_impressions(client, settings, db, redis):
    viewer, viewer_h, _, _, ranked = await _world(client, settings, db, redis)
    publish_ranking(settings, candidates={viewer["id"]: ranked}, trending={"global": ranked})
    page = await _page(client, viewer_h, limit=4)
    assert _ids(page) == ranked[:4]
    assert page["source"] == "ranked" and page["variant"] == "control" and page["next_cursor"]
    card = page["items"][0]
    assert card["author"]["username"] == "author0" and card["viewer"] == {"liked": False, "saved": False}
    assert card["images"] and card["like_count"] == 0

    moved = await impressions.drain_once(db, redis)
    assert moved == 4
    async with db.session() as session:
        rows = (await session.execute(text(
            "SELECT post_id::text, position, surface, properties->>'variant', properties->>'candidate_source', "
            "properties->>'experiment' FROM interactions.interaction WHERE event_type = 'impression' "
            "ORDER BY position"))).all()
    assert [tuple(r) for r in rows] == [
        (post, n, "for_you", "control", "cf", settings.experiment_name) for n, post in enumerate(ranked[:4])]
    assert await impressions.drain_once(db, redis) == 0  # acknowledged: nothing twice


async def test_cursor_pages_continue_without_repeats_and_refresh_skips_what_was_seen(client, settings, db, redis):
    viewer, viewer_h, _, _, ranked = await _world(client, settings, db, redis, authors=6, per_author=2)
    publish_ranking(settings, candidates={viewer["id"]: ranked})
    first = await _page(client, viewer_h, limit=5)
    second = await _page(client, viewer_h, limit=5, cursor=first["next_cursor"])
    assert _ids(first) + _ids(second) == ranked[:10]
    last = await _page(client, viewer_h, limit=5, cursor=second["next_cursor"])
    assert _ids(last) == ranked[10:] and last["next_cursor"] is None
    # A fresh start (no cursor) does not show again what this viewer has just seen.
    again = await _page(client, viewer_h, limit=5)
    assert set(_ids(again)).isdisjoint(ranked)


async def test_a_fresh_open_skips_the_seen_prefix_and_serves_the_same_pages_as_a_full_rescan(client, settings, db,
                                                                                             redis):
    """The remembered seen prefix only saves the script work: a viewer whose memory of it is wiped
    before every request (the full rescan from offset 0) must get exactly the same pages, holes
    (posts skipped for the author cap, never seen) included."""
    _, _, _, posts, _ = await _world(client, settings, db, redis, authors=4, per_author=3)
    ranked = [post for author in posts for post in author]  # author by author: the cap leaves holes
    remembers, remembers_h = await user_with_token(client, "remembers")
    rescans, rescans_h = await user_with_token(client, "rescans")
    publish_ranking(settings, candidates={remembers["id"]: ranked, rescans["id"]: ranked})
    skip_key = f"{settings.redis_namespace}:seenskip:{uuid.UUID(rescans['id']).hex}"

    first = await _page(client, remembers_h, limit=4)
    assert _ids(first) == _ids(await _page(client, rescans_h, limit=4)) == [*ranked[0:2], *ranked[3:5]]
    cursors = {"remembers": first["next_cursor"], "rescans": first["next_cursor"]}
    steps = [("cursor", 2), ("fresh", 2), ("fresh", 3), ("cursor", 3), ("fresh", 4), ("fresh", 4)]
    for n, (kind, limit) in enumerate(steps):
        pages = {}
        for name, headers in (("remembers", remembers_h), ("rescans", rescans_h)):
            if name == "rescans":
                await redis.client.delete(skip_key)
            params = {"limit": limit, **({"cursor": cursors[name]} if kind == "cursor" and cursors[name] else {})}
            pages[name] = await _page(client, headers, **params)
            cursors[name] = pages[name]["next_cursor"]
        assert _ids(pages["remembers"]) == _ids(pages["rescans"]), (n, kind)
    # One remembered prefix: the ranked list's (there is no trending list).
    assert await redis.client.hlen(f"{settings.redis_namespace}:seenskip:{uuid.UUID(remembers['id']).hex}") == 1


async def test_the_post_held_back_by_the_author_cap_is_served_on_the_next_open(client, settings, db, redis):
    viewer, viewer_h, _, posts, _ = await _world(client, settings, db, redis, authors=3, per_author=3)
    ranked = [post for author in posts for post in author]
    publish_ranking(settings, candidates={viewer["id"]: ranked})
    assert _ids(await _page(client, viewer_h, limit=4)) == [ranked[0], ranked[1], ranked[3], ranked[4]]
    assert _ids(await _page(client, viewer_h, limit=2)) == [ranked[2], ranked[5]]
    assert _ids(await _page(client, viewer_h, limit=3)) == [ranked[6], ranked[7]]  # the list ends; one author


async def test_filters_own_deleted_blocked_liked_and_sold_out(client, settings, db, redis):
    viewer, viewer_h = await user_with_token(client, "viewer")
    admin = await admin_headers(client, db)
    product = await stocked_product(client, admin, quantity=1)
    own = await _posts(client, viewer_h, 1)
    authors = [await user_with_token(client, f"author{a}") for a in range(4)]
    deleted, blocked, liked, sold_out, kept = [(await _posts(client, h, 1))[0] for _, h in [*authors, authors[0]]]
    await client.delete(f"/api/posts/{deleted}", headers=authors[0][1])
    await client.post(f"/api/users/{authors[1][0]['id']}/block", headers=viewer_h)
    await client.post(f"/api/posts/{liked}/like", headers=viewer_h)
    tagged = await client.patch(f"/api/posts/{sold_out}", headers=authors[3][1], json={
        "product_tags": [{"product_id": product["id"]}]})
    assert tagged.status_code == 200, tagged.text
    async with db.session() as session:  # the last unit goes: the product is sold out
        await session.execute(text("UPDATE catalog.product_variant SET available_qty = 0 WHERE product_id = :p"),
                              {"p": product["id"]})
        await session.commit()
    await drain(settings, db, redis)
    from commerce.feed.handlers import refresh_soldout_job
    await refresh_soldout_job(db, redis, settings)
    publish_ranking(settings, candidates={viewer["id"]: [own[0], deleted, blocked, liked, sold_out, kept]})
    assert _ids(await _page(client, viewer_h)) == [kept]


async def test_at_most_two_posts_per_author_on_a_page(client, settings, db, redis):
    viewer, viewer_h = await user_with_token(client, "viewer")
    _, prolific_h = await user_with_token(client, "prolific")
    _, other_h = await user_with_token(client, "other")
    many = await _posts(client, prolific_h, 5)
    few = await _posts(client, other_h, 2)
    await drain(settings, db, redis)
    publish_ranking(settings, candidates={viewer["id"]: [*many, *few]})
    assert _ids(await _page(client, viewer_h, limit=20)) == [many[0], many[1], few[0], few[1]]


async def test_fresh_posts_of_followed_authors_are_blended_in(client, settings, db, redis):
    viewer, viewer_h, _, _, ranked = await _world(client, settings, db, redis, authors=4, per_author=2)
    publish_ranking(settings, candidates={viewer["id"]: ranked})
    friend, friend_h = await user_with_token(client, "friend")
    await client.post(f"/api/users/{friend['id']}/follow", headers=viewer_h)
    fresh = (await _posts(client, friend_h, 1))[0]
    await drain(settings, db, redis)
    ids = _ids(await _page(client, viewer_h, limit=6))
    assert ids[2] == fresh and [i for i in ids if i != fresh] == ranked[:5]


async def test_cold_start_viewer_gets_trending_then_fresh(client, settings, db, redis):
    _, _, _, _, ranked = await _world(client, settings, db, redis, authors=3, per_author=1)
    _, newcomer_h = await user_with_token(client, "newcomer")
    publish_ranking(settings, candidates={str(uuid.uuid4()): ranked}, trending={"global": list(reversed(ranked))})
    page = await _page(client, newcomer_h)
    assert _ids(page) == list(reversed(ranked)) and page["source"] == "ranked"


async def test_nothing_ranked_falls_back_to_postgres_recency(client, settings, db, redis):
    _, author_h = await user_with_token(client, "author")
    posts = await _posts(client, author_h, 3)
    _, viewer_h = await user_with_token(client, "viewer")
    page = await _page(client, viewer_h, limit=2)  # the worker has not run: no cards, no fresh set
    assert page["source"] == "fallback" and _ids(page) == [posts[2], posts[1]]
    rest = await _page(client, viewer_h, limit=2, cursor=page["next_cursor"])
    assert _ids(rest) == [posts[0]] and rest["next_cursor"] is None
    async with db.session() as session:
        logged = (await session.execute(text(
            "SELECT position FROM interactions.interaction WHERE event_type = 'impression' ORDER BY position"
        ))).scalars().all()
    assert logged == [0, 1, 2]


async def test_redis_down_still_answers_200_from_postgres(client, app, settings, db, redis):
    _, author_h = await user_with_token(client, "author")
    posts = await _posts(client, author_h, 2)
    state = app.state.lakoo
    dead = RedisStore("redis://127.0.0.1:1/0", "dead", wait_timeout_s=0.5)
    original = state.ranked
    state.ranked = RankedFeeds(dead, original.render_cards)
    try:
        for path in ("/api/feed/for-you", "/api/feed/explore"):
            _, viewer_h = await user_with_token(client)
            page = await _page(client, viewer_h, path)
            assert page["source"] == "fallback" and _ids(page) == list(reversed(posts))
    finally:
        state.ranked = original
        await dead.close()


async def test_explore_reads_trending_overall_and_per_hashtag_or_category(client, settings, db, redis):
    viewer, viewer_h, _, _, ranked = await _world(client, settings, db, redis, authors=3, per_author=2)
    publish_ranking(settings, candidates={viewer["id"]: ranked},
                    trending={"global": ranked[:4], "tag:ootd": [ranked[5], ranked[4]], "cat:sepatu": [ranked[1]]})
    tagged = await _page(client, viewer_h, "/api/feed/explore", hashtag="#OOTD")
    assert _ids(tagged) == [ranked[5], ranked[4]] and tagged["source"] == "ranked"
    assert _ids(await _page(client, viewer_h, "/api/feed/explore", category="sepatu")) == [ranked[1]]
    overall = _ids(await _page(client, viewer_h, "/api/feed/explore"))
    # trending first (minus what this viewer was just shown), then everyone's fresh posts
    assert overall[:3] == [ranked[0], ranked[2], ranked[3]] and set(overall) == set(ranked) - {ranked[1], ranked[4],
                                                                                                ranked[5]}
    assert_problem(await client.get("/api/feed/explore", headers=viewer_h,
                                    params={"hashtag": "a", "category": "b"}), 422)


async def test_trending_refreshed_under_its_own_pointer_wins_over_the_nightly_one(client, settings, db, redis):
    from serving.feeds.ranked import trending_prefix

    viewer, viewer_h, _, _, ranked = await _world(client, settings, db, redis, authors=4, per_author=1)
    publish_ranking(settings, candidates={viewer["id"]: ranked}, trending={"global": ranked[:2]})
    publish_ranking(settings, trending={"global": [ranked[3], ranked[2]]},
                    prefix=trending_prefix(settings.redis_namespace))
    page = await _page(client, viewer_h, "/api/feed/explore", limit=2)
    assert _ids(page) == [ranked[3], ranked[2]]
    # The for-you feed still reads its personal list from the nightly version.
    assert _ids(await _page(client, viewer_h, limit=2)) == ranked[:2]


async def test_bad_input_and_auth(client, settings, db, redis):
    user, headers = await user_with_token(client)
    for path in ("/api/feed/for-you", "/api/feed/explore"):
        assert_problem(await client.get(path), 401, "unauthenticated")
        assert_problem(await client.get(path, headers={"Authorization": "Bearer nope"}), 401, "invalid_token")
        for params in ({"limit": "0"}, {"limit": "51"}, {"limit": "x"}, {"cursor": "garbage!"}, {"cursor": "x" * 501},
                       {"surprise": "1"}):
            assert_problem(await client.get(path, headers=headers, params=params), 422)
        assert_problem(await client.post(path, headers=headers), 405)
    first = await client.get("/api/feed/explore", headers=headers, params={"hashtag": "batik", "limit": 1})
    assert first.status_code == 200
    # A cursor belongs to the feed that issued it.
    publish_ranking(settings, trending={"tag:batik": []})
    foreign = (await client.get("/api/feed/for-you", headers=headers)).json()
    if foreign["next_cursor"] and not foreign["next_cursor"].startswith("pg."):
        assert_problem(await client.get("/api/feed/explore", headers=headers,
                                        params={"cursor": foreign["next_cursor"]}), 422, "invalid_cursor")
    # A logged-out access token is refused by the feed too.
    await client.post("/api/auth/logout", headers=headers, json={"refresh_token": user["refresh_token"]})
    publish_ranking(settings, trending={"global": []})
    assert_problem(await client.get("/api/feed/for-you", headers=headers), 401, "invalid_token")


async def test_experiment_buckets_are_deterministic_and_read_their_space(client, app, settings, db, redis):
    from ranking.publish import Space
    from serving.feeds.experiments import Experiment
    from tests.ranking_fixtures import _lists

    experiment = Experiment(name="exp", treatment_pct=50)
    users = [uuid.uuid4() for _ in range(2000)]
    variants = [experiment.variant(u) for u in users]
    assert variants == [experiment.variant(u) for u in users]
    assert 0.45 < variants.count("treatment") / len(users) < 0.55
    assert Experiment(name="exp", treatment_pct=0).variant(users[0]) == "control"

    viewer, viewer_h, _, _, ranked = await _world(client, settings, db, redis, authors=3, per_author=1)
    state = app.state.lakoo
    original = state.experiment
    state.experiment = Experiment(name="exp", treatment_pct=100)
    try:
        challenger = Space(name="post_challenger", candidates=_lists({viewer["id"]: list(reversed(ranked))}, ranked))
        publish_ranking(settings, candidates={viewer["id"]: ranked}, extra_spaces=[challenger])
        page = await _page(client, viewer_h)
        assert page["variant"] == "treatment" and _ids(page) == list(reversed(ranked))
    finally:
        state.experiment = original


async def test_fallback_pages_keep_the_viewers_variant_and_explore_keeps_its_category(client, app, settings, db,
                                                                                       redis):
    from serving.feeds.experiments import Experiment

    admin = await admin_headers(client, db)
    shoes = (await client.post("/api/categories", json={"name": "Sepatu"}, headers=admin)).json()
    running = (await client.post("/api/categories", json={"name": "Sepatu Lari", "parent_id": shoes["id"]},
                                 headers=admin)).json()
    trainer = await stocked_product(client, admin, category_id=running["id"])
    author, author_h = await user_with_token(client, "author")
    tagged = (await _posts(client, author_h, 1, product_tags=[{"product_id": trainer["id"]}]))[0]
    untagged = await _posts(client, author_h, 3)
    _, viewer_h = await user_with_token(client, "viewer")
    # Nothing is ranked: explore by category comes from PostgreSQL, with sub-categories, and only that.
    page = await _page(client, viewer_h, "/api/feed/explore", category=shoes["slug"])
    assert page["source"] == "fallback" and _ids(page) == [tagged]
    assert _ids(await _page(client, viewer_h, "/api/feed/explore", category="no-such-thing")) == []

    state = app.state.lakoo
    original = state.experiment
    state.experiment = Experiment(name="exp-fallback", treatment_pct=100)
    try:
        first = await _page(client, viewer_h, limit=2)
        rest = await _page(client, viewer_h, limit=2, cursor=first["next_cursor"])
        assert first["source"] == rest["source"] == "fallback"
        assert first["variant"] == rest["variant"] == "treatment"
        assert _ids(first) + _ids(rest) == list(reversed(untagged))  # explore's post was seen already
    finally:
        state.experiment = original
    async with db.session() as session:
        logged = (await session.execute(text(
            "SELECT surface, properties->>'variant', properties->>'experiment' FROM interactions.interaction "
            "WHERE event_type = 'impression'"))).all()
    assert set(logged) == {("explore", "control", None), ("for_you", "treatment", "exp-fallback")}


@pytest.mark.parametrize("path", ["/api/feed/for-you", "/api/feed/explore"])
async def test_documented_in_openapi(client, path):
    spec = (await client.get("/openapi.json")).json()
    assert "get" in spec["paths"][path]


async def test_related_products_from_the_model_then_the_category(client, settings, db, redis):
    admin = await admin_headers(client, db)
    shoes = [await stocked_product(client, admin) for _ in range(4)]
    ids = [p["id"] for p in shoes]
    fallback = (await client.get(f"/api/products/{ids[0]}/related")).json()
    assert fallback["source"] == "fallback" and ids[0] not in [p["id"] for p in fallback["items"]]
    publish_ranking(settings, space="product", similar={ids[0]: [ids[3], ids[1]]})
    ranked = (await client.get(f"/api/products/{ids[0]}/related", params={"limit": 5})).json()
    assert ranked["source"] == "ranked" and [p["id"] for p in ranked["items"]] == [ids[3], ids[1]]
    assert ranked["items"][0]["price_min"] > 0 and ranked["items"][0]["in_stock"] is True
    assert_problem(await client.get(f"/api/products/{uuid.uuid4()}/related"), 404)
    assert_problem(await client.get("/api/products/nope/related"), 422)
    assert_problem(await client.get(f"/api/products/{ids[0]}/related", params={"limit": 0}), 422)


async def test_cards_follow_likes_and_comments(client, settings, db, redis):
    from commerce.feed.handlers import refresh_cards_job

    viewer, viewer_h, heads, posts, ranked = await _world(client, settings, db, redis, authors=2, per_author=1)
    _, fan_h = await user_with_token(client, "fan")
    await client.post(f"/api/posts/{ranked[0]}/like", headers=fan_h)
    await client.post(f"/api/posts/{ranked[0]}/comments", headers=fan_h, json={"text": "Mantap"})
    await drain(settings, db, redis)
    await refresh_cards_job(db, redis, settings)
    publish_ranking(settings, candidates={viewer["id"]: ranked})
    card = (await _page(client, viewer_h))["items"][0]
    assert card["id"] == ranked[0] and card["like_count"] == 1 and card["comment_count"] == 1


async def test_fastapi_routes_serve_when_the_fast_path_is_off(settings, db, redis):
    import httpx

    from serving.app import create_app

    application = create_app(settings.model_copy(update={"feed_fast_path": False}), configure_logs=False)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            viewer, viewer_h, _, _, ranked = await _world(client, settings, db, redis, authors=2, per_author=2)
            publish_ranking(settings, candidates={viewer["id"]: ranked})
            page = await _page(client, viewer_h, limit=3)
            assert _ids(page) == ranked[:3] and page["source"] == "ranked"
            assert_problem(await client.get("/api/feed/for-you", headers=viewer_h, params={"limit": 0}), 422)
            assert_problem(await client.get("/api/feed/explore"), 401)
