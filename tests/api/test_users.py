"""/api/users: own profile and public profiles."""

from __future__ import annotations

import uuid

import pytest

from tests.helpers import assert_problem, register, user_with_token


async def test_me_requires_a_token(client):
    assert_problem(await client.get("/api/users/me"), 401, "unauthenticated")


async def test_patch_me_updates_profile(client):
    _, headers = await user_with_token(client, "ayu")
    response = await client.patch("/api/users/me", headers=headers, json={
        "display_name": "Ayu Lestari", "bio": "Skincare & thrift finds 🌿", "avatar_url": "https://img.example.com/a.jpg",
        "username": "ayu.lestari",
    })
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["display_name"] == "Ayu Lestari"
    assert body["username"] == "ayu.lestari"
    assert body["avatar_url"] == "https://img.example.com/a.jpg"
    again = (await client.get("/api/users/me", headers=headers)).json()
    assert again["bio"] == "Skincare & thrift finds 🌿"


@pytest.mark.parametrize(
    "payload",
    [
        {"role": "admin"},
        {"roles": ["admin"]},
        {"email": "new@example.com"},
        {"id": str(uuid.uuid4())},
        {"display_name": ""},
        {"display_name": "x" * 61},
        {"bio": "b" * 501},
        {"avatar_url": "javascript:alert(1)"},
        {"username": "bad name"},
    ],
)
async def test_patch_me_rejects_unknown_and_invalid_fields(client, payload):
    _, headers = await user_with_token(client)
    assert_problem(await client.patch("/api/users/me", headers=headers, json=payload), 422)
    me = (await client.get("/api/users/me", headers=headers)).json()
    assert me["roles"] == ["buyer"] and me["email"].endswith("@example.com")


async def test_patch_me_with_a_nul_character_is_422_and_changes_nothing(client):
    _, headers = await user_with_token(client)
    for payload in ({"bio": "halo\u0000dunia"}, {"display_name": "A\u0000yu"}):
        assert_problem(await client.patch("/api/users/me", headers=headers, json=payload), 422, "validation_failed")
    me = (await client.get("/api/users/me", headers=headers)).json()
    assert me["bio"] == "" and "\u0000" not in me["display_name"]


async def test_patch_me_username_taken_is_409(client):
    await register(client, "taken")
    _, headers = await user_with_token(client)
    assert_problem(await client.patch("/api/users/me", headers=headers, json={"username": "TAKEN"}), 409,
                   "username_taken")


async def test_patch_needs_auth_and_cannot_target_other_users(client):
    victim = await register(client)
    _, headers = await user_with_token(client)
    assert_problem(await client.patch("/api/users/me", json={"bio": "x"}), 401)
    # There is no way to address someone else's profile for writing.
    response = await client.patch(f"/api/users/{victim['id']}", headers=headers, json={"bio": "pwned"})
    assert_problem(response, 405, "method_not_allowed")
    assert (await client.get(f"/api/users/{victim['id']}")).json()["bio"] == ""


async def test_public_profile_hides_private_fields(client):
    user = await register(client, "budi")
    response = await client.get(f"/api/users/{user['id']}")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "budi"
    assert set(body) == {"id", "username", "display_name", "bio", "avatar_url", "created_at", "followers_count",
                         "following_count", "posts_count"}


async def test_public_profile_unknown_and_malformed_ids(client):
    assert_problem(await client.get(f"/api/users/{uuid.uuid4()}"), 404, "user_not_found")
    assert_problem(await client.get("/api/users/not-a-uuid"), 422)
