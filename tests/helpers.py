"""Small HTTP helpers shared by API and end-to-end tests."""

from __future__ import annotations

import secrets
import socket

import httpx

PASSWORD = "correct horse battery"


async def register(client: httpx.AsyncClient, username: str | None = None, *, password: str = PASSWORD) -> dict:
    username = username or f"u{secrets.token_hex(4)}"
    response = await client.post(
        "/api/auth/register", json={"email": f"{username}@example.com", "password": password, "username": username}
    )
    assert response.status_code == 201, response.text
    return {**response.json(), "password": password}


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict:
    response = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


async def user_with_token(client: httpx.AsyncClient, username: str | None = None) -> tuple[dict, dict[str, str]]:
    user = await register(client, username)
    tokens = await login(client, user["email"])
    return {**user, **tokens}, {"Authorization": f"Bearer {tokens['access_token']}"}


def assert_problem(response: httpx.Response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:lakoo:problem:")
    if code is not None:
        assert body["code"] == code, body
    return body


async def admin_headers(client: httpx.AsyncClient, db, email: str = "root@example.com") -> dict[str, str]:  # noqa: ANN001
    """An admin made the way production makes the first one (the create-admin path), logged in."""
    from commerce.auth import service as auth

    async with db.session() as session:
        await auth.create_admin(session, email=email, password=PASSWORD, username=email.split("@")[0])
    tokens = await login(client, email)
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def free_port() -> int:
    """A loopback port nothing listens on right now (for servers a test starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
