"""Sending notifications out: preferences per channel, retries with backoff, a failing channel that
blocks nothing else, never twice (not even after a crash between send and mark), batched pushes,
concurrent dispatchers, and SMTP against a real (aiosmtpd) server."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import uuid
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from commerce.core.clock import utcnow
from commerce.notifications import dispatch, producer
from commerce.notifications.channels import DeliveryFailed, OutboundMessage, SmtpSender, build_providers
from commerce.notifications.models import Delivery, Notification
from commerce.notifications.producer import Intent
from commerce.notifications.types import NotificationType as T
from tests.api.test_content import post_body
from tests.events import drain
from tests.factories import address, checkout, stocked_product
from tests.helpers import admin_headers, free_port, user_with_token
from tests.notify import Flaky, config, inbox, sinks

TOKEN = "fcm:device-token-0123456789abcdef"


async def _deliveries(db, **where) -> list[Delivery]:  # noqa: ANN003
    async with db.session() as session:
        query = select(Delivery).order_by(Delivery.created_at, Delivery.channel)
        for key, value in where.items():
            query = query.where(getattr(Delivery, key) == value)
        return list(await session.scalars(query))


async def _paid_order_notice(db, cfg, user_id: str) -> uuid.UUID:
    async with db.session() as session:
        [nid] = await producer.notify(session, cfg, intents=[Intent(
            user_id=uuid.UUID(user_id), type=T.ORDER_PAID, target_type="order", target_id=uuid.uuid4(),
            data={"order_id": str(uuid.uuid4()), "amount": 250_000, "currency": "IDR", "role": "buyer"})])
    return nid


async def test_channels_follow_the_recipients_preferences(client, settings, db, redis, tmp_path):
    admin = await admin_headers(client, db)
    product = await stocked_product(client, admin, name="Kemeja Batik")
    buyer, buyer_h = await user_with_token(client, "dina")
    await client.post("/api/notifications/devices", headers=buyer_h, json={"token": TOKEN, "platform": "android"})
    changed = await client.put("/api/notifications/preferences", headers=buyer_h, json={"preferences": {
        "order_shipped": {"email": False}, "order_paid": {"push": False}}})
    assert changed.status_code == 200
    await client.post("/api/cart/items", headers=buyer_h, json={"variant_id": product["variants"][0]["id"]})
    body = (await checkout(client, buyer_h, (await address(client, buyer_h))["id"])).json()
    await client.post("/api/payments", headers=buyer_h, json={"intent_id": body["payment_intent_id"],
                                                              "test_scenario": "success"})
    await drain(settings, db, redis)
    order_id = body["orders"][0]["id"]
    await client.post(f"/api/orders/{order_id}/ship", headers=admin, json={"tracking_number": "JNE-777"})
    await drain(settings, db, redis)

    out = sinks(tmp_path)
    assert await dispatch.dispatch_due(db, out, config()) == 5
    assert len(await _deliveries(db, status="sent")) == 5
    # placed: email + push; paid: email only (push off); shipped: push + SMS (email off)
    assert len(out["email"].files()) == 2 and len(out["push"].files()) == 2 and len(out["sms"].files()) == 1
    sms = json.loads(out["sms"].files()[0].read_bytes())
    assert sms["to"] == "+6281234567890" and "resi JNE-777" in sms["text"] and sms["text"].startswith("LAKOO: ")
    pushes = [json.loads(p.read_bytes()) for p in out["push"].files()]
    assert all(p["tokens"] == [TOKEN] for p in pushes)
    assert {p["title"] for p in pushes} == {"Pesanan dibuat", "Pesanan dikirim"}
    mails = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in out["email"].files()]
    assert {m["Subject"] for m in mails} == {"Pesanan dibuat", "Pembayaran diterima"}
    assert all(m["To"] == "dina@example.com" for m in mails)
    text = mails[0].get_body(("plain",)).get_content()
    assert f"https://lakoo.id/orders/{order_id}" in text

    # Social types go to push by default, never email.
    fan, fan_h = await user_with_token(client, "fan")
    post = (await client.post("/api/posts", json=post_body(), headers=buyer_h)).json()["id"]
    await client.post(f"/api/posts/{post}/like", headers=fan_h)
    await drain(settings, db, redis)
    like = [d for d in await _deliveries(db) if d.status == "pending"]
    assert [d.channel for d in like] == ["push"]
    assert like[0].next_attempt_at > utcnow() + timedelta(seconds=30)  # batched: waits for more likes


async def test_retries_with_backoff_then_success(client, db, tmp_path):
    user, _ = await user_with_token(client)
    cfg = config(retry_base_s=10)
    out = sinks(tmp_path)
    flaky = Flaky(out["email"], failures=2)
    providers = {**out, "email": flaky}
    await _paid_order_notice(db, cfg, user["id"])
    t0 = utcnow()

    assert await dispatch.dispatch_due(db, providers, cfg, now=t0) == 2  # email fails, push has no device
    [mail] = await _deliveries(db, channel="email")
    assert (mail.status, mail.attempts, mail.last_error) == ("pending", 1, "provider down (call 1)")
    assert mail.next_attempt_at == t0 + timedelta(seconds=10)
    assert [(d.status, d.last_error) for d in await _deliveries(db, channel="push")] == [
        ("skipped", "no registered push device")]

    assert await dispatch.dispatch_due(db, providers, cfg, now=t0 + timedelta(seconds=9)) == 0  # not due yet
    assert await dispatch.dispatch_due(db, providers, cfg, now=t0 + timedelta(seconds=10)) == 1
    [mail] = await _deliveries(db, channel="email")
    assert (mail.status, mail.attempts) == ("pending", 2)
    assert mail.next_attempt_at == t0 + timedelta(seconds=10 + 20)  # doubled
    assert await dispatch.dispatch_due(db, providers, cfg, now=t0 + timedelta(seconds=30)) == 1
    [mail] = await _deliveries(db, channel="email")
    assert (mail.status, mail.attempts, mail.last_error, mail.provider) == ("sent", 3, None, "file-email")
    assert flaky.calls == 3 and len(out["email"].files()) == 1
    assert await dispatch.dispatch_due(db, providers, cfg, now=t0 + timedelta(hours=2)) == 0


async def test_a_failing_channel_blocks_neither_in_app_nor_other_channels(client, db, tmp_path):
    user, headers = await user_with_token(client)
    await client.post("/api/notifications/devices", headers=headers, json={"token": TOKEN, "platform": "ios"})
    cfg = config(max_attempts=3, retry_base_s=1)
    out = sinks(tmp_path)
    broken = Flaky(out["email"], failures=1000)
    await _paid_order_notice(db, cfg, user["id"])
    assert (await inbox(client, headers))[0]["type"] == "order_paid"  # in-app needs no channel at all

    now = utcnow()
    for _ in range(5):
        await dispatch.dispatch_due(db, {**out, "email": broken}, cfg, now=now)
        now += timedelta(minutes=5)
    [mail] = await _deliveries(db, channel="email")
    [push] = await _deliveries(db, channel="push")
    assert (mail.status, mail.attempts) == ("failed", 3) and broken.calls == 3
    assert push.status == "sent" and len(out["push"].files()) == 1

    # A permanent refusal is not retried at all.
    refused = Flaky(out["email"], failures=1000, permanent=True)
    await _paid_order_notice(db, cfg, user["id"])
    await dispatch.dispatch_due(db, {**out, "email": refused}, cfg, now=now)
    latest = (await _deliveries(db, channel="email"))[-1]
    assert (latest.status, latest.attempts, refused.calls) == ("failed", 1, 1)


async def test_never_sent_twice_even_after_a_crash_between_send_and_mark(client, db, tmp_path):
    user, headers = await user_with_token(client)
    await client.post("/api/notifications/devices", headers=headers, json={"token": TOKEN, "platform": "web"})
    cfg = config(lease_s=120)
    out = sinks(tmp_path)
    await _paid_order_notice(db, cfg, user["id"])
    t0 = utcnow()

    claimed = await dispatch.claim_due(db, out, cfg, now=t0)
    stale = await dispatch.send_claimed(out, claimed.claims)  # the providers accepted … and the worker died
    assert {d.status for d in await _deliveries(db)} == {"sending"}
    assert await dispatch.dispatch_due(db, out, cfg, now=t0 + timedelta(seconds=60)) == 0  # lease still held
    assert await dispatch.dispatch_due(db, out, cfg, now=t0 + timedelta(seconds=121)) == 2
    rows = await _deliveries(db)
    assert [(d.status, d.attempts) for d in rows] == [("sent", 2), ("sent", 2)]
    # Each provider was called twice with the same key and sent once.
    for channel in ("email", "push"):
        key = next(d.idempotency_key for d in rows if d.channel == channel)
        assert [c.idempotency_key for c in out[channel].calls] == [key, key]
        assert len(out[channel].files()) == 1
    # The dead worker's late report cannot overwrite the newer outcome.
    await dispatch.record(db, out, cfg, [dispatch.Outcome(o.claim, error="late") for o in stale], now=t0)
    assert {(d.status, d.last_error) for d in await _deliveries(db)} == {("sent", None)}
    assert await dispatch.dispatch_due(db, out, cfg, now=t0 + timedelta(days=1)) == 0


class _NoDedup:
    """A provider that cannot recognise a repeated key, like plain SMTP."""

    deduplicates = False

    def __init__(self, inner) -> None:  # noqa: ANN001
        self.inner, self.name = inner, "no-dedup"

    async def send(self, message: OutboundMessage):  # noqa: ANN201
        return await self.inner.send(message)


async def test_a_provider_that_cannot_deduplicate_is_not_resent_after_a_crash(client, db, tmp_path):
    user, _ = await user_with_token(client)
    cfg = config(lease_s=60)
    out = sinks(tmp_path)
    providers = {**out, "email": _NoDedup(out["email"])}
    await _paid_order_notice(db, cfg, user["id"])
    t0 = utcnow()
    claimed = await dispatch.claim_due(db, providers, cfg, now=t0)
    await dispatch.send_claimed(providers, claimed.claims)  # … and the worker dies before recording
    assert await dispatch.dispatch_due(db, providers, cfg, now=t0 + timedelta(seconds=61)) == 1  # settled
    [mail] = await _deliveries(db, channel="email")
    assert mail.status == "failed" and mail.last_error == dispatch.OUTCOME_UNKNOWN
    assert len(out["email"].calls) == 1
    # An operator who checked the mail server may send it again on purpose.
    assert await dispatch.retry_delivery(db, delivery_id=mail.id) is True
    assert await dispatch.retry_delivery(db, delivery_id=mail.id) is False  # already pending
    assert await dispatch.dispatch_due(db, providers, cfg, now=utcnow()) == 1
    assert (await _deliveries(db, channel="email"))[0].status == "sent"


async def test_concurrent_dispatchers_send_each_delivery_once(client, db, tmp_path):
    users = [await user_with_token(client) for _ in range(4)]
    for _, headers in users:
        await client.post("/api/notifications/devices", headers=headers,
                          json={"token": f"tok-{uuid.uuid4().hex}", "platform": "android"})
    cfg = config(dispatch_batch_size=5)
    for user, _ in users:
        for _ in range(5):
            await _paid_order_notice(db, cfg, user["id"])
    out = sinks(tmp_path)
    now = utcnow()
    while sum(await asyncio.gather(*(dispatch.dispatch_due(db, out, cfg, now=now) for _ in range(3)))):
        pass
    rows = await _deliveries(db)
    assert len(rows) == 40 and {d.status for d in rows} == {"sent"} and {d.attempts for d in rows} == {1}
    assert len(out["email"].calls) == len(out["email"].files()) == 20
    assert len(out["push"].calls) == len(out["push"].files()) == 20


async def test_batched_push_waits_for_more_likes_and_goes_out_once(client, db, tmp_path):
    author, author_h = await user_with_token(client, "ayu")
    await client.post("/api/notifications/devices", headers=author_h, json={"token": TOKEN, "platform": "ios"})
    fans = [await user_with_token(client, name) for name in ("budi", "citra", "dewi", "eka")]
    post = uuid.uuid4()
    cfg = config(batch_delay_s=60)

    async def like(fan: dict) -> None:
        async with db.session() as session:
            await producer.notify(session, cfg, intents=[Intent(
                user_id=uuid.UUID(author["id"]), type=T.POST_LIKED, target_type="post", target_id=post,
                actor_id=uuid.UUID(fan["id"]), data={"post_id": str(post)}, group=f"post:{post}")])

    t0 = utcnow()
    for fan, _ in fans[:3]:
        await like(fan)
    out = sinks(tmp_path)
    assert await dispatch.dispatch_due(db, out, cfg, now=t0) == 0  # waiting for the batch to fill
    assert await dispatch.dispatch_due(db, out, cfg, now=t0 + timedelta(seconds=61)) == 1
    [push] = [json.loads(p.read_bytes()) for p in out["push"].files()]
    assert push["body"] == "dewi dan 2 lainnya menyukai postinganmu."
    assert push["data"]["type"] == "post_liked" and push["data"]["link"] == f"https://lakoo.id/posts/{post}"
    await like(fans[3][0])  # grows the inbox entry, but the push for it went out already
    assert await dispatch.dispatch_due(db, out, cfg, now=t0 + timedelta(hours=1)) == 0
    assert len(out["push"].files()) == 1
    assert (await inbox(client, author_h))[0]["body"] == "eka dan 3 lainnya menyukai postinganmu."


async def test_turning_a_channel_off_also_stops_what_is_queued(client, settings, db, redis, tmp_path):
    author, author_h = await user_with_token(client, "ayu")
    await client.post("/api/notifications/devices", headers=author_h, json={"token": TOKEN, "platform": "ios"})
    _, fan_h = await user_with_token(client, "budi")
    post = (await client.post("/api/posts", json=post_body(), headers=author_h)).json()["id"]
    await client.post(f"/api/posts/{post}/like", headers=fan_h)
    await drain(settings, db, redis)  # the push waits for the batch delay …
    await client.put("/api/notifications/preferences", headers=author_h,
                     json={"preferences": {"post_liked": {"push": False}}})  # … and is turned off meanwhile
    out = sinks(tmp_path)
    assert await dispatch.dispatch_due(db, out, config(), now=utcnow() + timedelta(hours=1)) == 1
    [push] = await _deliveries(db)
    assert (push.status, push.last_error) == ("skipped", dispatch.TURNED_OFF) and out["push"].calls == []
    assert len(await inbox(client, author_h)) == 1  # in-app stays


async def test_concurrent_likes_fold_into_one_notification(client, db):
    author, _ = await user_with_token(client)
    fans = [await user_with_token(client) for _ in range(6)]
    post = uuid.uuid4()
    cfg = config()

    async def like(fan: dict) -> None:
        async with db.session() as session:
            await producer.notify(session, cfg, intents=[Intent(
                user_id=uuid.UUID(author["id"]), type=T.POST_LIKED, target_type="post", target_id=post,
                actor_id=uuid.UUID(fan["id"]), group=f"post:{post}")])

    await asyncio.gather(*(like(fan) for fan, _ in fans))
    async with db.session() as session:
        rows = list(await session.scalars(select(Notification)))
        assert len(rows) == 1 and rows[0].actor_count == 6
        assert await session.scalar(select(func.count()).select_from(Delivery)) == 1  # one push for all six


async def test_the_worker_job_uses_the_configured_sinks(client, settings, db, redis):
    user, headers = await user_with_token(client)
    await client.post("/api/notifications/devices", headers=headers, json={"token": TOKEN, "platform": "android"})
    await _paid_order_notice(db, config(), user["id"])
    assert await dispatch.dispatch_job(db, redis, settings) == 2
    assert len(list((settings.var_dir / "outbox" / "email").glob("*.eml"))) >= 1
    assert len(list((settings.var_dir / "outbox" / "push").glob("*.json"))) >= 1
    assert {d.provider for d in await _deliveries(db)} == {"file-email", "file-push"}


def test_provider_settings_are_validated(settings):
    assert isinstance(build_providers(settings.model_copy(update={"email_backend": "smtp"}))["email"], SmtpSender)
    for bad in ({"email_backend": "carrier-pigeon"}, {"sms_backend": "twilio"}):
        with pytest.raises(ValueError):
            build_providers(settings.model_copy(update=bad))


# --- SMTP against a real server ------------------------------------------------------------------

class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: ANN001, ANN201, N802
        if address.startswith("nobody@"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"



@pytest.fixture
def smtp_server():  # noqa: ANN201
    mailbox = _Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, mailbox
    finally:
        controller.stop()


def _message(to: str, key: str = "n1:email") -> OutboundMessage:
    return OutboundMessage(idempotency_key=key, channel="email", to=(to,), title="Pesanan dikirim",
                           body="Toko <Sari> mengirim pesananmu & resinya JNE-1.", link="https://lakoo.id/orders/1")


async def test_smtp_sender_delivers_to_a_real_server(smtp_server):
    controller, mailbox = smtp_server
    sender = SmtpSender(host="127.0.0.1", port=controller.port, sender="LAKOO <no-reply@lakoo.id>")
    result = await sender.send(_message("dina@example.com", key="0193abcd:email"))
    assert result.provider_ref == "<0193abcd-email@lakoo.id>" and not result.duplicate
    [(rcpts, raw)] = mailbox.messages
    assert rcpts == ["dina@example.com"]
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert mail["Subject"] == "Pesanan dikirim" and mail["Message-ID"] == "<0193abcd-email@lakoo.id>"
    assert mail["X-Lakoo-Idempotency-Key"] == "0193abcd:email"
    assert "Toko <Sari> mengirim" in mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Toko &lt;Sari&gt; mengirim pesananmu &amp; resinya" in html and "<Sari>" not in html


async def test_smtp_refusals_are_permanent_and_outages_transient(smtp_server):
    controller, _ = smtp_server
    sender = SmtpSender(host="127.0.0.1", port=controller.port, sender="no-reply@lakoo.id")
    with pytest.raises(DeliveryFailed) as refused:
        await sender.send(_message("nobody@example.com"))
    assert refused.value.permanent
    down = SmtpSender(host="127.0.0.1", port=free_port(), sender="no-reply@lakoo.id", timeout_s=2)
    with pytest.raises(DeliveryFailed) as outage:
        await down.send(_message("dina@example.com"))
    assert not outage.value.permanent


async def test_dispatch_through_smtp(client, db, smtp_server):
    controller, mailbox = smtp_server
    user, _ = await user_with_token(client, "dina")
    cfg = config()
    smtp = SmtpSender(host="127.0.0.1", port=controller.port, sender="LAKOO <no-reply@lakoo.id>")
    nid = await _paid_order_notice(db, cfg, user["id"])
    providers = {"email": smtp, "push": smtp, "sms": smtp}
    await dispatch.dispatch_due(db, providers, cfg)
    [mail] = await _deliveries(db, channel="email")
    assert (mail.status, mail.provider, mail.provider_ref) == ("sent", "smtp", f"<{nid}-email@lakoo.id>")
    [(rcpts, raw)] = mailbox.messages
    assert rcpts == ["dina@example.com"] and b"Pembayaran diterima" in raw


async def test_the_worker_produces_and_sends(client, settings, tmp_path):
    """The worker process wiring: consumers turn the follow into a notification and the periodic
    dispatcher pushes it to the followee's device."""
    from serving.workers.runner import run_worker

    star, star_h = await user_with_token(client, "star")
    _, fan_h = await user_with_token(client, "fan")
    await client.post("/api/notifications/devices", headers=star_h, json={"token": TOKEN, "platform": "ios"})
    quick = settings.model_copy(update={"var_dir": tmp_path, "outbox_poll_interval_s": 0.05, "consumer_block_ms": 50,
                                        "notification_batch_delay_s": 0, "notification_dispatch_interval_s": 0.1})
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(quick, stop=stop))
    try:
        await client.post(f"/api/users/{star['id']}/follow", headers=fan_h)
        pushes = tmp_path / "outbox" / "push"
        for _ in range(200):
            if pushes.exists() and list(pushes.glob("*.json")):
                break
            await asyncio.sleep(0.05)
        [push] = [json.loads(p.read_bytes()) for p in pushes.glob("*.json")]
        assert push["body"] == "fan mulai mengikutimu." and push["tokens"] == [TOKEN]
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)
