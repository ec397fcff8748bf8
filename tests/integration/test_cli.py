"""The `lakoo` CLI against the test stores."""

from __future__ import annotations

import asyncio

from typer.testing import CliRunner

from serving.cli import app


def _env(settings) -> dict[str, str]:
    return {"LAKOO_DATABASE_URL": settings.database_url, "LAKOO_REDIS_URL": settings.redis_url,
            "LAKOO_REDIS_NAMESPACE": settings.redis_namespace, "LAKOO_VAR_DIR": str(settings.var_dir)}


async def _invoke(settings, args):
    """In a thread: the CLI runs its own event loop, as it does from a shell."""
    from commerce.core.settings import get_settings

    get_settings.cache_clear()
    try:
        return await asyncio.to_thread(CliRunner().invoke, app, args, env=_env(settings))
    finally:
        get_settings.cache_clear()


async def test_create_admin_makes_a_working_admin(settings, client, db):
    result = await _invoke(settings, ["users", "create-admin", "--email", "boss@example.com", "--username", "boss",
                                "--password", "a-strong-password"])
    assert result.exit_code == 0, result.output
    login = await client.post("/api/auth/login", json={"email": "boss@example.com", "password": "a-strong-password"})
    verify = await client.get("/api/auth/verify",
                              headers={"Authorization": f"Bearer {login.json()['access_token']}"})
    assert "admin" in verify.json()["roles"]
    again = await _invoke(settings, ["users", "create-admin", "--email", "boss@example.com", "--username", "boss2",
                               "--password", "a-strong-password"])
    assert again.exit_code == 1 and "email_taken" in again.output


async def test_create_admin_validates_input(settings, db):
    result = await _invoke(settings, ["users", "create-admin", "--email", "nope", "--username", "x", "--password", "1"])
    assert result.exit_code == 1 and "email" in result.output


async def test_db_current_and_services_status(settings, db):
    current = await _invoke(settings, ["db", "current"])
    from commerce.core.migrate import head_revision

    assert current.exit_code == 0 and f"database: {head_revision()}\ncode head: {head_revision()}" in current.output
    status = await _invoke(settings, ["services", "status"])
    assert status.exit_code == 0 and "postgres" in status.output and "LAKOO_DATABASE_URL" in status.output


async def test_dead_letters_listing(settings, redis):
    from commerce.core.eventbus import dead_letter_key

    await redis.client.xadd(dead_letter_key(redis), {"consumer": "c", "topic": "t", "event_id": "e",
                                                     "deliveries": "5", "error": "boom"})
    result = await _invoke(settings, ["events", "dead-letters"])
    assert result.exit_code == 0 and "boom" in result.output


async def test_notification_deliveries_retry_and_send_due(settings, client, db):
    import uuid

    from sqlalchemy import update

    from commerce.notifications.models import Delivery
    from tests.helpers import user_with_token
    from tests.integration.test_notification_delivery import _deliveries, _paid_order_notice
    from tests.notify import config

    user, _ = await user_with_token(client)
    await _paid_order_notice(db, config(), user["id"])
    sent = await _invoke(settings, ["notifications", "send-due"])
    assert sent.exit_code == 0 and "handled 2 deliveries" in sent.output  # email sent, push skipped (no device)
    listing = await _invoke(settings, ["notifications", "deliveries", "--status", "skipped"])
    [push] = await _deliveries(db, channel="push")
    assert listing.exit_code == 0 and "skipped" in listing.output and str(push.id)[:8] in listing.output
    async with db.session() as session:
        await session.execute(update(Delivery).where(Delivery.id == push.id).values(status="failed"))
        await session.commit()
    retried = await _invoke(settings, ["notifications", "retry", str(push.id)])
    assert retried.exit_code == 0 and "queued again" in retried.output
    assert (await _deliveries(db, channel="push"))[0].status == "pending"
    assert (await _invoke(settings, ["notifications", "retry", str(uuid.uuid4())])).exit_code == 1
    assert (await _invoke(settings, ["notifications", "retry", "nope"])).exit_code == 1
    assert (await _invoke(settings, ["notifications", "deliveries", "--status", "lost"])).exit_code == 1
