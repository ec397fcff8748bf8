"""/api/notifications: the inbox, read marks, preferences and push devices — success, bad input and
another user's objects for every endpoint."""

from __future__ import annotations

import uuid

from tests.api.test_content import post_body
from tests.events import drain
from tests.helpers import assert_problem, user_with_token
from tests.notify import inbox, unread


async def _followed_by(client, settings, db, redis, target: dict, *names: str) -> list[dict]:
    fans = []
    for name in names:
        fan, fan_h = await user_with_token(client, name)
        response = await client.post(f"/api/users/{target['id']}/follow", headers=fan_h)
        assert response.status_code == 200, response.text
        fans.append(fan)
    await drain(settings, db, redis)
    return fans


async def test_inbox_lists_counts_and_marks_read(client, settings, db, redis):
    ayu, ayu_h = await user_with_token(client, "ayu")
    await _followed_by(client, settings, db, redis, ayu, "budi", "citra")
    items = await inbox(client, ayu_h)
    assert len(items) == 1  # two follows, one batched notification
    first = items[0]
    assert first["type"] == "new_follower" and first["read_at"] is None
    assert first["title"] == "Pengikut baru" and first["body"] == "citra dan budi mulai mengikutimu."
    assert [a["username"] for a in first["actors"]] == ["citra", "budi"] and first["actor_count"] == 2
    assert first["target"]["type"] == "user" and first["created_at"] and first["updated_at"]
    assert await unread(client, ayu_h) == 1

    read = await client.post(f"/api/notifications/{first['id']}/read", headers=ayu_h)
    assert read.status_code == 200 and read.json()["read_at"] is not None
    again = await client.post(f"/api/notifications/{first['id']}/read", headers=ayu_h)
    assert again.json()["read_at"] == read.json()["read_at"]  # idempotent: the first read time stays
    assert await unread(client, ayu_h) == 0

    # Once read, the batch is closed: the next follower starts a new notification.
    await _followed_by(client, settings, db, redis, ayu, "dewi")
    items = await inbox(client, ayu_h)
    assert [i["body"] for i in items] == ["dewi mulai mengikutimu.", "citra dan budi mulai mengikutimu."]
    assert [i["body"] for i in await inbox(client, ayu_h, unread="true")] == ["dewi mulai mengikutimu."]
    single = await client.get(f"/api/notifications/{items[0]['id']}", headers=ayu_h)
    assert single.status_code == 200 and single.json()["id"] == items[0]["id"]

    marked = await client.post("/api/notifications/read-all", headers=ayu_h)
    assert marked.status_code == 200 and marked.json() == {"marked": 1}
    assert await unread(client, ayu_h) == 0
    assert (await client.post("/api/notifications/read-all", headers=ayu_h)).json() == {"marked": 0}
    assert await inbox(client, ayu_h, unread="true") == []


async def test_english_when_the_client_prefers_it(client, settings, db, redis):
    ayu, ayu_h = await user_with_token(client, "ayu")
    await _followed_by(client, settings, db, redis, ayu, "budi")
    items = (await client.get("/api/notifications", headers={**ayu_h, "Accept-Language": "en-GB,en;q=0.9"})).json()
    assert items["items"][0]["title"] == "New follower"
    assert items["items"][0]["body"] == "budi started following you."
    fallback = await client.get("/api/notifications", headers={**ayu_h, "Accept-Language": "fr, de;q=0.5"})
    assert fallback.json()["items"][0]["title"] == "Pengikut baru"


async def test_cursor_pagination_and_bad_input(client, settings, db, redis):
    author, author_h = await user_with_token(client, "author")
    posts = [(await client.post("/api/posts", json=post_body(), headers=author_h)).json()["id"] for _ in range(5)]
    _, fan_h = await user_with_token(client, "fan")
    for post in posts:
        await client.post(f"/api/posts/{post}/like", headers=fan_h)
    await drain(settings, db, redis)
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/notifications", headers=author_h, params=params)).json()
        seen += [item["target"]["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(posts))  # one notification per post, newest first

    assert_problem(await client.get("/api/notifications"), 401)
    assert_problem(await client.get("/api/notifications/unread-count"), 401)
    assert_problem(await client.post("/api/notifications/read-all"), 401)
    assert_problem(await client.get("/api/notifications", headers=author_h, params={"limit": 0}), 422)
    assert_problem(await client.get("/api/notifications", headers=author_h, params={"limit": 101}), 422)
    assert_problem(await client.get("/api/notifications", headers=author_h, params={"cursor": "nope"}), 422,
                   "invalid_cursor")
    assert_problem(await client.get("/api/notifications", headers=author_h, params={"unread": "maybe"}), 422)
    assert_problem(await client.post("/api/notifications/not-a-uuid/read", headers=author_h), 422)


async def test_nobody_reads_or_marks_another_users_notifications(client, settings, db, redis):
    ayu, ayu_h = await user_with_token(client, "ayu")
    await _followed_by(client, settings, db, redis, ayu, "budi")
    mine = (await inbox(client, ayu_h))[0]
    _, eve_h = await user_with_token(client, "eve")
    assert_problem(await client.get(f"/api/notifications/{mine['id']}", headers=eve_h), 404, "notification_not_found")
    assert_problem(await client.post(f"/api/notifications/{mine['id']}/read", headers=eve_h), 404,
                   "notification_not_found")
    assert_problem(await client.post(f"/api/notifications/{uuid.uuid4()}/read", headers=ayu_h), 404)
    assert (await client.post("/api/notifications/read-all", headers=eve_h)).json() == {"marked": 0}
    assert await inbox(client, eve_h) == [] and await unread(client, eve_h) == 0
    assert (await inbox(client, ayu_h))[0]["read_at"] is None and await unread(client, ayu_h) == 1


async def test_preferences_defaults_changes_and_validation(client):
    _, me = await user_with_token(client)
    _, other = await user_with_token(client)
    prefs = (await client.get("/api/notifications/preferences", headers=me)).json()["preferences"]
    assert len(prefs) == 13 and all(p["in_app"] for p in prefs.values())
    assert prefs["order_paid"] == {"in_app": True, "email": True, "push": True, "sms": False}
    assert prefs["order_shipped"]["sms"] is True
    assert prefs["post_liked"] == {"in_app": True, "email": False, "push": True, "sms": False}

    changed = await client.put("/api/notifications/preferences", headers=me, json={"preferences": {
        "post_liked": {"push": False, "email": True}, "order_shipped": {"sms": False}}})
    assert changed.status_code == 200, changed.text
    body = changed.json()["preferences"]
    assert body["post_liked"] == {"in_app": True, "email": True, "push": False, "sms": False}
    assert body["order_shipped"]["sms"] is False and body["order_paid"]["email"] is True
    assert (await client.get("/api/notifications/preferences", headers=me)).json()["preferences"] == body
    # Someone else's preferences are untouched.
    assert (await client.get("/api/notifications/preferences", headers=other)).json()["preferences"] == prefs
    # Back to the default.
    restored = await client.put("/api/notifications/preferences", headers=me,
                                json={"preferences": {"post_liked": {"push": True, "email": False}}})
    assert restored.json()["preferences"]["post_liked"] == prefs["post_liked"]

    for bad in ({"preferences": {"post_shared": {"push": False}}},
                {"preferences": {"post_liked": {"pigeon": False}}},
                {"preferences": {"post_liked": {"push": "sometimes"}}},
                {"preferences": {"post_liked": {"push": False}}, "extra": 1},
                {"post_liked": {"push": False}}):
        assert_problem(await client.put("/api/notifications/preferences", headers=me, json=bad), 422)
    assert_problem(await client.put("/api/notifications/preferences", headers=me,
                                    json={"preferences": {"order_paid": {"in_app": False}}}), 422, "in_app_always_on")
    assert_problem(await client.get("/api/notifications/preferences"), 401)
    assert_problem(await client.put("/api/notifications/preferences", json={"preferences": {}}), 401)


async def test_push_devices(client):
    _, me = await user_with_token(client)
    _, other = await user_with_token(client)
    token = "fcm:" + "a1b2c3d4" * 6
    created = await client.post("/api/notifications/devices", headers=me, json={"token": token, "platform": "android"})
    assert created.status_code == 201, created.text
    device = created.json()
    assert device["platform"] == "android" and device["token_hint"] == "…" + token[-6:] and "token" not in device
    again = await client.post("/api/notifications/devices", headers=me, json={"token": token, "platform": "android"})
    assert again.json()["id"] == device["id"]
    assert [d["id"] for d in (await client.get("/api/notifications/devices", headers=me)).json()] == [device["id"]]
    assert (await client.get("/api/notifications/devices", headers=other)).json() == []

    assert_problem(await client.delete(f"/api/notifications/devices/{device['id']}", headers=other), 404,
                   "push_device_not_found")
    for bad in ({"token": "short", "platform": "ios"}, {"token": token, "platform": "blackberry"},
                {"token": "has space " * 3, "platform": "ios"}, {"token": token}):
        assert_problem(await client.post("/api/notifications/devices", headers=me, json=bad), 422)
    assert_problem(await client.post("/api/notifications/devices", json={"token": token, "platform": "ios"}), 401)

    # The same phone signed in to another account: the token follows the new account.
    moved = await client.post("/api/notifications/devices", headers=other, json={"token": token, "platform": "ios"})
    assert moved.status_code == 201 and moved.json()["id"] == device["id"]
    assert (await client.get("/api/notifications/devices", headers=me)).json() == []
    gone = await client.delete(f"/api/notifications/devices/{device['id']}", headers=other)
    assert gone.status_code == 204
    assert_problem(await client.delete(f"/api/notifications/devices/{device['id']}", headers=other), 404)
