"""/api/users/{id}/follow|block|followers|following|relationship."""

from __future__ import annotations

import asyncio
import uuid

from tests.helpers import assert_problem, user_with_token


async def test_follow_unfollow_updates_counts_and_is_idempotent(client):
    ayu, ayu_h = await user_with_token(client, "ayu")
    budi, budi_h = await user_with_token(client, "budi")
    first = await client.post(f"/api/users/{budi['id']}/follow", headers=ayu_h)
    assert first.status_code == 200 and first.json() == {"following": True, "followed_by": False, "blocking": False}
    await client.post(f"/api/users/{budi['id']}/follow", headers=ayu_h)  # again: no double count
    profile = (await client.get(f"/api/users/{budi['id']}")).json()
    assert profile["followers_count"] == 1
    assert (await client.get(f"/api/users/{ayu['id']}")).json()["following_count"] == 1
    back = await client.get(f"/api/users/{ayu['id']}/relationship", headers=budi_h)
    assert back.json()["followed_by"] is True
    gone = await client.delete(f"/api/users/{budi['id']}/follow", headers=ayu_h)
    assert gone.json()["following"] is False
    assert (await client.get(f"/api/users/{budi['id']}")).json()["followers_count"] == 0


async def test_follow_bad_input(client):
    me, headers = await user_with_token(client)
    assert_problem(await client.post(f"/api/users/{me['id']}/follow", headers=headers), 422, "cannot_follow_self")
    assert_problem(await client.post(f"/api/users/{uuid.uuid4()}/follow", headers=headers), 404, "user_not_found")
    assert_problem(await client.post("/api/users/not-a-uuid/follow", headers=headers), 422)
    assert_problem(await client.post(f"/api/users/{me['id']}/follow"), 401)
    assert_problem(await client.post(f"/api/users/{me['id']}/block", headers=headers), 422, "cannot_block_self")


async def test_concurrent_follows_keep_exact_counts(client):
    star, _ = await user_with_token(client, "star")
    fans = [await user_with_token(client) for _ in range(12)]
    responses = await asyncio.gather(*[
        client.post(f"/api/users/{star['id']}/follow", headers=h) for _, h in fans for _ in range(2)
    ])
    assert all(r.status_code == 200 for r in responses)
    assert (await client.get(f"/api/users/{star['id']}")).json()["followers_count"] == 12


async def _counts(client, user: dict) -> tuple[int, int]:
    profile = (await client.get(f"/api/users/{user['id']}")).json()
    return profile["followers_count"], profile["following_count"]


async def test_mutual_follows_at_the_same_moment_neither_deadlock_nor_miscount(client):
    """A follows B while B follows A: both touch the same two counter rows, which must be locked in
    one order, or PostgreSQL kills one of the two as a deadlock."""
    pairs = [(await user_with_token(client), await user_with_token(client)) for _ in range(6)]
    for method in ("POST", "DELETE", "POST"):
        responses = await asyncio.gather(*[
            client.request(method, f"/api/users/{other['id']}/follow", headers=headers)
            for (a, a_h), (b, b_h) in pairs for (_, headers), (other, _) in (((a, a_h), (b, b_h)),
                                                                              ((b, b_h), (a, a_h)))])
        assert [r.status_code for r in responses] == [200] * len(responses), [r.text for r in responses]
        expected = (1, 1) if method == "POST" else (0, 0)
        for (a, _), (b, _) in pairs:
            assert await _counts(client, a) == expected and await _counts(client, b) == expected


async def test_block_racing_a_follow_leaves_no_follow_and_exact_counts(client):
    pairs = [(await user_with_token(client), await user_with_token(client)) for _ in range(6)]
    for (_, a_h), (b, _) in pairs:
        await client.post(f"/api/users/{b['id']}/follow", headers=a_h)
    responses = await asyncio.gather(*[
        call for (a, a_h), (b, b_h) in pairs for call in (
            client.post(f"/api/users/{b['id']}/block", headers=a_h),
            client.post(f"/api/users/{a['id']}/follow", headers=b_h))])
    for response in responses:
        assert response.status_code == 200 or response.json()["code"] == "blocked", response.text
    for (a, a_h), (b, _) in pairs:
        assert await _counts(client, a) == (0, 0) and await _counts(client, b) == (0, 0)
        relation = (await client.get(f"/api/users/{b['id']}/relationship", headers=a_h)).json()
        assert relation == {"following": False, "followed_by": False, "blocking": True}


async def test_lists_paginate_newest_first_without_gaps(client):
    star, _ = await user_with_token(client, "star")
    fans = [await user_with_token(client, f"fan{i:02d}") for i in range(7)]
    for _, headers in fans:
        await client.post(f"/api/users/{star['id']}/follow", headers=headers)
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(f"/api/users/{star['id']}/followers", params=params)).json()
        seen += [item["user"]["username"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"fan{i:02d}" for i in reversed(range(7))]
    following = (await client.get(f"/api/users/{fans[0][0]['id']}/following")).json()
    assert [i["user"]["username"] for i in following["items"]] == ["star"]
    assert_problem(await client.get(f"/api/users/{star['id']}/followers", params={"cursor": "@@@"}), 422,
                   "invalid_cursor")
    assert_problem(await client.get(f"/api/users/{star['id']}/followers", params={"limit": 0}), 422)
    assert_problem(await client.get(f"/api/users/{uuid.uuid4()}/followers"), 404)


async def test_block_ends_follows_and_prevents_following(client):
    ayu, ayu_h = await user_with_token(client, "ayu")
    budi, budi_h = await user_with_token(client, "budi")
    await client.post(f"/api/users/{ayu['id']}/follow", headers=budi_h)
    await client.post(f"/api/users/{budi['id']}/follow", headers=ayu_h)
    blocked = await client.post(f"/api/users/{budi['id']}/block", headers=ayu_h)
    assert blocked.json() == {"following": False, "followed_by": False, "blocking": True}
    assert (await client.get(f"/api/users/{ayu['id']}")).json()["followers_count"] == 0
    assert_problem(await client.post(f"/api/users/{ayu['id']}/follow", headers=budi_h), 403, "blocked")
    assert_problem(await client.post(f"/api/users/{budi['id']}/follow", headers=ayu_h), 403, "blocked")
    # Blocked users cannot browse each other's connections either.
    assert_problem(await client.get(f"/api/users/{ayu['id']}/followers", headers=budi_h), 403)
    unblocked = await client.delete(f"/api/users/{budi['id']}/block", headers=ayu_h)
    assert unblocked.json()["blocking"] is False
    assert (await client.post(f"/api/users/{ayu['id']}/follow", headers=budi_h)).status_code == 200


async def test_followers_list_hides_users_blocked_by_the_viewer(client):
    star, _ = await user_with_token(client, "star")
    troll, troll_h = await user_with_token(client, "troll")
    viewer, viewer_h = await user_with_token(client, "viewer")
    await client.post(f"/api/users/{star['id']}/follow", headers=troll_h)
    await client.post(f"/api/users/{viewer['id']}/block", headers=troll_h)
    listed = (await client.get(f"/api/users/{star['id']}/followers", headers=viewer_h)).json()
    assert "troll" not in [i["user"]["username"] for i in listed["items"]]
    public = (await client.get(f"/api/users/{star['id']}/followers")).json()
    assert "troll" in [i["user"]["username"] for i in public["items"]]


async def test_relationship_bad_input_unknown_and_anonymous(client):
    other, _ = await user_with_token(client)
    _, headers = await user_with_token(client)
    assert_problem(await client.get(f"/api/users/{other['id']}/relationship"), 401)
    assert_problem(await client.get("/api/users/not-a-uuid/relationship", headers=headers), 422)
    assert_problem(await client.get(f"/api/users/{uuid.uuid4()}/relationship", headers=headers), 404,
                   "user_not_found")
    assert (await client.get(f"/api/users/{other['id']}/relationship", headers=headers)).json() == {
        "following": False, "followed_by": False, "blocking": False}
