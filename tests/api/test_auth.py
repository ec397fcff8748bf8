"""/api/auth: registration, login, refresh rotation, logout, verification, roles."""

from __future__ import annotations

import base64
import json
import time
import uuid

import httpx
import jwt
import pytest
from sqlalchemy import select

from commerce.core.outbox import OutboxEvent
from tests.helpers import PASSWORD, admin_headers, assert_problem, login, register, user_with_token


# ---------------------------------------------------------------- register
async def test_register_creates_buyer_and_emits_user_registered(client, db):
    response = await client.post(
        "/api/auth/register", json={"email": "Ayu@Example.com", "password": PASSWORD, "username": "Ayu.Putri"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "ayu@example.com"
    assert body["username"] == "ayu.putri"
    assert body["roles"] == ["buyer"]
    assert "password" not in response.text
    async with db.session() as session:
        events = (await session.scalars(select(OutboxEvent))).all()
    assert [e.topic for e in events] == ["user.registered"]
    assert events[0].payload["user_id"] == body["id"]


async def test_register_malformed_json_is_422_problem(client):
    response = await client.post("/api/auth/register", content=b'{"email": "a@b.co",',
                                 headers={"content-type": "application/json"})
    assert_problem(response, 422, "malformed_json")


@pytest.mark.parametrize(
    "payload",
    [
        {"email": "a@example.com", "password": PASSWORD},  # missing username
        {"email": "a@example.com", "password": PASSWORD, "username": "ayu", "role": "admin"},  # extra field
        {"email": "not-an-email", "password": PASSWORD, "username": "ayu"},
        {"email": "a@example.com", "password": "short", "username": "ayu"},
        {"email": "a@example.com", "password": "x" * 129, "username": "ayu"},
        {"email": "a@example.com", "password": PASSWORD, "username": "u" * 31},
        {"email": "a@example.com", "password": PASSWORD, "username": "no spaces"},
        {"email": ("x" * 250) + "@example.com", "password": PASSWORD, "username": "ayu"},
        {"email": "a@example.com", "password": PASSWORD, "username": 12345},
    ],
)
async def test_register_rejects_bad_input(client, payload):
    body = assert_problem(await client.post("/api/auth/register", json=payload), 422, "validation_failed")
    assert body["errors"]
    assert PASSWORD not in str(body)  # never echo secrets back


async def test_register_duplicate_email_and_username_conflict(client):
    await register(client, "ayu")
    dup_email = await client.post(
        "/api/auth/register", json={"email": "AYU@example.com", "password": PASSWORD, "username": "other"}
    )
    assert_problem(dup_email, 409, "email_taken")
    dup_username = await client.post(
        "/api/auth/register", json={"email": "new@example.com", "password": PASSWORD, "username": "AYU"}
    )
    assert_problem(dup_username, 409, "username_taken")


# ---------------------------------------------------------------- login
async def test_login_returns_token_pair(client, settings):
    user = await register(client)
    tokens = await login(client, user["email"])
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == settings.access_token_ttl_s
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["sub"] == user["id"] and claims["roles"] == ["buyer"]


async def test_wrong_password_and_unknown_email_look_the_same(client):
    user = await register(client)
    wrong = await client.post("/api/auth/login", json={"email": user["email"], "password": "wrong password"})
    unknown = await client.post("/api/auth/login", json={"email": "nobody@example.com", "password": "whatever1"})
    assert_problem(wrong, 401, "invalid_credentials")
    assert_problem(unknown, 401, "invalid_credentials")
    assert wrong.json() == unknown.json()


async def test_login_bad_input_is_422(client):
    assert_problem(await client.post("/api/auth/login", json={"email": "a@b.co"}), 422)
    assert_problem(await client.post("/api/auth/login", json={"email": "a@b.co", "password": "p" * 200}), 422)
    # PostgreSQL cannot compare text with a NUL in it: the database's refusal is a 422, not a crash.
    nul = await client.post("/api/auth/login", json={"email": "a\u0000@b.co", "password": "whatever1"})
    assert_problem(nul, 422, "validation_failed")
    user = await register(client)
    await login(client, user["email"])  # the failed statement left nothing broken behind


async def test_sixth_failed_login_in_a_minute_is_throttled(client):
    user = await register(client)
    for _ in range(5):
        assert_problem(
            await client.post("/api/auth/login", json={"email": user["email"], "password": "bad password"}), 401
        )
    sixth = await client.post("/api/auth/login", json={"email": user["email"], "password": PASSWORD})
    body = assert_problem(sixth, 429, "login_throttled")
    assert 1 <= int(sixth.headers["Retry-After"]) <= 60
    assert body["status"] == 429


async def test_throttle_counts_per_client_address(app, client, settings):
    """Spraying many accounts from one address trips the per-address limit."""
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as sprayer:
        for i in range(settings.login_max_failures_per_ip):
            attempt = {"email": f"v{i}@example.com", "password": "guess123"}
            response = await sprayer.post("/api/auth/login", json=attempt)
            assert response.status_code == 401
        blocked = await sprayer.post("/api/auth/login", json={"email": "fresh@example.com", "password": "guess123"})
        assert_problem(blocked, 429, "login_throttled")
    # Another address is unaffected.
    user = await register(client)
    await login(client, user["email"])


async def test_successful_login_resets_account_failures(client):
    user = await register(client)
    for _ in range(4):
        await client.post("/api/auth/login", json={"email": user["email"], "password": "bad password"})
    await login(client, user["email"])
    for _ in range(4):
        await client.post("/api/auth/login", json={"email": user["email"], "password": "bad password"})
    await login(client, user["email"])


# ---------------------------------------------------------------- refresh and logout
async def test_refresh_rotates_and_reuse_revokes_the_family(client):
    user = await register(client)
    first = await login(client, user["email"])
    second = (await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})).json()
    assert second["refresh_token"] != first["refresh_token"]
    third_response = await client.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert third_response.status_code == 200
    third = third_response.json()

    reused = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert_problem(reused, 401, "refresh_token_reused")
    # The thief's reuse also kills the legitimate latest token of that family...
    assert_problem(await client.post("/api/auth/refresh", json={"refresh_token": third["refresh_token"]}), 401)
    # ...but not other logins of the same user.
    other = await login(client, user["email"])
    assert (await client.post("/api/auth/refresh", json={"refresh_token": other["refresh_token"]})).status_code == 200


async def test_refresh_with_unknown_token_is_401_and_bad_input_422(client):
    assert_problem(await client.post("/api/auth/refresh", json={"refresh_token": "x" * 43}), 401, "invalid_token")
    assert_problem(await client.post("/api/auth/refresh", json={}), 422)


async def test_logout_revokes_refresh_family_and_access_token(client):
    user, headers = await user_with_token(client)
    response = await client.post("/api/auth/logout", json={"refresh_token": user["refresh_token"]}, headers=headers)
    assert response.status_code == 204
    assert_problem(await client.post("/api/auth/refresh", json={"refresh_token": user["refresh_token"]}), 401)
    assert_problem(await client.get("/api/users/me", headers=headers), 401, "invalid_token")


async def test_logout_cannot_revoke_another_users_session(client):
    victim, _ = await user_with_token(client)
    _, attacker_headers = await user_with_token(client)
    response = await client.post("/api/auth/logout", json={"refresh_token": victim["refresh_token"]},
                                 headers=attacker_headers)
    assert_problem(response, 401)
    assert (await client.post("/api/auth/refresh", json={"refresh_token": victim["refresh_token"]})).status_code == 200


async def test_logout_bad_input(client):
    assert_problem(await client.post("/api/auth/logout", json={"refresh_token": 5}), 422)


# ---------------------------------------------------------------- verify and token forgery
async def test_verify_returns_user_and_roles(client):
    user, headers = await user_with_token(client)
    response = await client.get("/api/auth/verify", headers=headers)
    assert response.status_code == 200
    assert response.json()["user_id"] == user["id"] and response.json()["roles"] == ["buyer"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(data: dict) -> str:
    return _b64(json.dumps(data, separators=(",", ":")).encode())


def _claims(settings, user_id: str, **overrides) -> dict:
    now = int(time.time())
    return {"sub": user_id, "roles": ["admin"], "iat": now, "nbf": now, "exp": now + 600, "iss": settings.jwt_issuer,
            "aud": settings.jwt_audience, "typ": "access", "jti": uuid.uuid4().hex, **overrides}


async def test_forged_tokens_are_rejected(client, settings):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    user, headers = await user_with_token(client)
    secret = settings.jwt_secret
    good = headers["Authorization"].split()[1]
    header, payload, signature = good.split(".")
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    forged = {
        "expired": jwt.encode(_claims(settings, user["id"], exp=int(time.time()) - 60), secret, algorithm="HS256"),
        "tampered": f"{header}.{_segment({**_claims(settings, user['id']), 'roles': ['admin']})}.{signature}",
        "alg_none": f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(_claims(settings, user['id']))}.",
        "rs256": jwt.encode(_claims(settings, user["id"]), rsa_key, algorithm="RS256"),
        "hs_with_public_key": _hs_with_public_key(_claims(settings, user["id"]), public_pem),
        "wrong_secret": jwt.encode(_claims(settings, user["id"]), "another-secret-of-32-bytes-or-more!",
                                   algorithm="HS256"),
        "wrong_audience": jwt.encode(_claims(settings, user["id"], aud="someone-else"), secret, algorithm="HS256"),
        "refresh_as_access": user["refresh_token"],
        "garbage": "not.a.jwt",
    }
    answers = {}
    for name, token in forged.items():
        response = await client.get("/api/auth/verify", headers={"Authorization": f"Bearer {token}"})
        answers[name] = (response.status_code, response.json().get("code"))
    assert answers == dict.fromkeys(forged, (401, "invalid_token"))
    assert_problem(await client.get("/api/auth/verify"), 401, "unauthenticated")
    assert_problem(await client.get("/api/auth/verify", headers={"Authorization": f"Basic {good}"}), 401)


def _hs_with_public_key(claims: dict, public_pem: bytes) -> str:
    """The classic RS/HS confusion: HMAC-sign with the (public) RSA key bytes."""
    import hashlib
    import hmac

    signing_input = f"{_segment({'alg': 'HS256', 'typ': 'JWT'})}.{_segment(claims)}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


# ---------------------------------------------------------------- roles
async def test_admin_grants_and_revokes_roles(client, db):
    admin = await admin_headers(client, db)
    user = await register(client)
    granted = await client.post(f"/api/auth/users/{user['id']}/roles", json={"role": "seller"}, headers=admin)
    assert granted.status_code == 200 and granted.json()["roles"] == ["buyer", "seller"]
    listed = await client.get(f"/api/auth/users/{user['id']}/roles", headers=admin)
    assert listed.json()["roles"] == ["buyer", "seller"]
    # The new role reaches the user's token at the next refresh.
    tokens = await login(client, user["email"])
    refreshed = (await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})).json()
    verify = await client.get("/api/auth/verify", headers={"Authorization": f"Bearer {refreshed['access_token']}"})
    assert verify.json()["roles"] == ["buyer", "seller"]
    revoked = await client.delete(f"/api/auth/users/{user['id']}/roles/seller", headers=admin)
    assert revoked.json()["roles"] == ["buyer"]


async def test_role_grants_need_admin_and_valid_input(client, db):
    admin = await admin_headers(client, db)
    user, user_headers = await user_with_token(client)
    assert_problem(await client.post(f"/api/auth/users/{user['id']}/roles", json={"role": "admin"},
                                     headers=user_headers), 403, "role_required")
    assert_problem(await client.post(f"/api/auth/users/{user['id']}/roles", json={"role": "admin"}), 401)
    assert_problem(await client.post(f"/api/auth/users/{user['id']}/roles", json={"role": "emperor"},
                                     headers=admin), 422)
    assert_problem(await client.post(f"/api/auth/users/{uuid.uuid4()}/roles", json={"role": "seller"},
                                     headers=admin), 404, "account_not_found")
    assert_problem(await client.post("/api/auth/users/not-a-uuid/roles", json={"role": "seller"}, headers=admin), 422)
    assert_problem(await client.delete(f"/api/auth/users/{user['id']}/roles/emperor", headers=admin), 422)
    assert_problem(await client.get(f"/api/auth/users/{user['id']}/roles", headers=user_headers), 403)
