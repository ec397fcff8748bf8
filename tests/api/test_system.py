"""Health, readiness, metrics, request ids, headers, errors, CORS and the migration guard."""

from __future__ import annotations

import secrets

import httpx
import psycopg
import pytest

from commerce.core.migrate import NotMigrated
from tests.helpers import assert_problem


async def test_health_and_ready(client):
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"postgres": "ok", "redis": "ok"}


async def test_metrics_count_requests_by_route_template(client):
    await client.get("/api/users/00000000-0000-0000-0000-000000000000")
    text = (await client.get("/metrics")).text
    assert 'lakoo_http_requests_total{method="GET",route="/api/users/{user_id}",status="404"}' in text
    assert "lakoo_http_request_duration_seconds_bucket" in text


async def test_request_id_is_echoed_or_generated(client):
    echoed = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    generated = await client.get("/health", headers={"X-Request-ID": "bad id with spaces\n"})
    assert generated.headers["x-request-id"] != "bad id with spaces\n" and len(generated.headers["x-request-id"]) == 32


async def test_security_headers(client):
    response = await client.get("/health")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in response.headers["content-security-policy"]


async def test_unknown_route_and_method_are_problems(client):
    assert_problem(await client.get("/api/nope"), 404, "not_found")
    assert_problem(await client.delete("/health"), 405, "method_not_allowed")


async def test_openapi_lists_every_context(client):
    spec = (await client.get("/openapi.json")).json()
    paths = set(spec["paths"])
    assert {"/api/auth/register", "/api/auth/login", "/api/auth/refresh", "/api/auth/logout", "/api/auth/verify",
            "/api/users/me", "/api/users/{user_id}"} <= paths
    assert (await client.get("/docs")).status_code == 200


async def test_cors_from_settings(settings, db, redis):
    from serving.app import create_app

    app = create_app(settings.model_copy(update={"cors_origins": ["https://app.lakoo.test"]}), configure_logs=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            allowed = await http.options("/api/auth/login", headers={
                "Origin": "https://app.lakoo.test", "Access-Control-Request-Method": "POST"})
            assert allowed.headers["access-control-allow-origin"] == "https://app.lakoo.test"
            denied = await http.options("/api/auth/login", headers={
                "Origin": "https://evil.test", "Access-Control-Request-Method": "POST"})
            assert "access-control-allow-origin" not in denied.headers


async def test_app_refuses_an_unmigrated_database(settings):
    from commerce.core.db import libpq_url
    from serving.app import create_app

    base = libpq_url(settings.database_url).rpartition("/")[0]
    name = f"lakoo_empty_{secrets.token_hex(3)}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        app = create_app(settings.model_copy(update={"database_url": f"{base}/{name}"}), configure_logs=False)
        with pytest.raises(NotMigrated, match="lakoo db upgrade"):
            async with app.router.lifespan_context(app):
                pass
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


async def test_unexpected_errors_are_500_problems_without_internals(settings, db, redis):
    from serving.app import create_app

    app = create_app(settings, configure_logs=False)

    @app.get("/_boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            body = assert_problem(await http.get("/_boom"), 500, "internal_error")
            assert "secret" not in str(body)


async def test_docs_are_served_without_a_cdn(client):
    page = (await client.get("/docs")).text
    assert "/docs/static/swagger-ui-bundle.js" in page and "cdn" not in page.lower()
    asset = await client.get("/docs/static/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.content) > 100_000
    assert (await client.get("/redoc")).status_code == 200


async def test_a_store_outage_is_a_503_with_retry_after(settings, db, redis, client):
    from serving.app import create_app
    from tests.helpers import user_with_token

    _, headers = await user_with_token(client)
    app = create_app(settings, configure_logs=False)
    async with app.router.lifespan_context(app):
        from commerce.core.redis import RedisStore

        original, dead = app.state.lakoo.redis, RedisStore("redis://127.0.0.1:1/0", "down")
        app.state.lakoo.redis = dead  # Redis goes away
        try:
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                response = await http.get("/api/users/me", headers=headers)
                assert_problem(response, 503, "store_unavailable")
                assert response.headers["Retry-After"] == "1"
                assert (await http.get("/ready")).status_code == 503
        finally:
            app.state.lakoo.redis = original
            await dead.close()
