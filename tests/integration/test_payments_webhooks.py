"""Webhook delivery as a provider really does it: late, repeated, shuffled and concurrent."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import UTC, datetime

import orjson
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from commerce.core.errors import DomainError
from commerce.core.ids import uuid7
from commerce.core.outbox import OutboxEvent
from commerce.payments import service as payments
from commerce.payments.errors import EventOutOfOrder, InvalidSignature, PaymentNotFound
from commerce.payments.models import PaymentEvent
from commerce.payments.webhooks import sign, signature, verify

AMOUNT = 200_000


async def _open(db, *, scenario: str | None = "pending_then_success", secret: str = "") -> uuid.UUID:
    buyer = uuid7()
    async with db.session() as session:
        intent = await payments.create_intent(session, reference=str(uuid7()), buyer_id=buyer, amount=AMOUNT,
                                              method="bank_va")
        await session.commit()
    if scenario:
        async with db.session() as session:
            await payments.pay(session, intent_id=intent.id, buyer_id=buyer, method=None, scenario=scenario,
                               secret=secret)
    return intent.id


def _event(intent_id: uuid.UUID, kind: str, amount: int = AMOUNT, **data) -> bytes:  # noqa: ANN003
    return orjson.dumps({"id": f"evt_{uuid.uuid4().hex}", "type": kind, "created": int(time.time()),
                         "data": {"intent_id": str(intent_id), "amount": amount, "currency": "IDR", **data}})


async def _deliver(db, secret: str, body: bytes) -> str:
    """One delivery in its own session, as the endpoint does; returns the outcome or the error code."""
    async with db.session() as session:
        try:
            result = await payments.handle_webhook(session, provider="test", raw_body=body,
                                                   signature_header=sign(secret, body), secret=secret)
        except DomainError as exc:
            return exc.code
    return result.outcome


async def _count(db, model_or_topic, **where) -> int:  # noqa: ANN001
    async with db.session() as session:
        if isinstance(model_or_topic, str):
            query = select(func.count()).select_from(OutboxEvent).where(OutboxEvent.topic == model_or_topic)
        else:
            query = select(func.count()).select_from(PaymentEvent).filter_by(**where)
        return await session.scalar(query)


async def _intent(db, intent_id):  # noqa: ANN001, ANN202
    async with db.session() as session:
        return await payments.get_intent(session, intent_id=intent_id, buyer_id=None)


async def test_shuffled_redelivery_applies_each_event_exactly_once(db, redis, settings):
    secret = settings.webhook_secret("payments")
    intent_id = await _open(db, secret=secret)
    events = [_event(intent_id, "payment.succeeded", provider_ref="test_va_1"),
              _event(intent_id, "refund.succeeded", 30_000, refund_id=str(uuid7()), reason="one item"),
              _event(intent_id, "refund.succeeded", 20_000, refund_id=str(uuid7()), reason="shipping")]
    deliveries = [body for body in events for _ in range(10)]
    random.Random(20261125).shuffle(deliveries)
    outcomes = [await _deliver(db, secret, body) for body in deliveries]
    # A refund that overtook its capture was answered 409 and not recorded; the provider retries it.
    retries = [body for body, outcome in zip(deliveries, outcomes, strict=True) if outcome == "event_out_of_order"]
    assert retries, "the seed should make a refund overtake its capture"
    outcomes += [await _deliver(db, secret, body) for body in retries]
    assert outcomes.count("applied") == 3
    assert set(outcomes) <= {"applied", "duplicate", "event_out_of_order"}
    for body in events:
        assert await _count(db, None, provider_event_id=orjson.loads(body)["id"]) == 1
    assert await _count(db, "payment.succeeded") == 1
    assert await _count(db, "payment.refunded") == 2
    intent = await _intent(db, intent_id)
    assert intent.status == "partially_refunded" and intent.amount_refunded == 50_000


async def test_concurrent_duplicates_serialise_on_the_intent(db, redis, settings):
    secret = settings.webhook_secret("payments")
    intent_id = await _open(db, secret=secret)
    body = _event(intent_id, "payment.succeeded")
    outcomes = await asyncio.gather(*(_deliver(db, secret, body) for _ in range(8)))
    assert sorted(outcomes) == ["applied"] + ["duplicate"] * 7
    assert await _count(db, "payment.succeeded") == 1
    assert await _count(db, None, intent_id=intent_id, kind="captured") == 1


async def test_failed_after_succeeded_is_ignored_but_recorded(db, redis, settings):
    secret = settings.webhook_secret("payments")
    intent_id = await _open(db, secret=secret)
    assert await _deliver(db, secret, _event(intent_id, "payment.succeeded")) == "applied"
    late = _event(intent_id, "payment.failed", failure_code="va_expired")
    assert await _deliver(db, secret, late) == "ignored"
    assert await _deliver(db, secret, late) == "duplicate"
    assert (await _intent(db, intent_id)).status == "succeeded"
    assert await _count(db, "payment.failed") == 0
    async with db.session() as session:
        ledger = await payments.list_events(session, intent_id=intent_id)
    assert [e.kind for e in ledger] == ["created", "processing", "captured", "ignored"]
    assert ledger[-1].payload["ignored_because"] == "intent is succeeded"


async def test_succeeded_after_failed_is_ignored(db, redis, settings):
    secret = settings.webhook_secret("payments")
    intent_id = await _open(db, secret=secret)
    assert await _deliver(db, secret, _event(intent_id, "payment.failed")) == "applied"
    assert await _deliver(db, secret, _event(intent_id, "payment.succeeded")) == "ignored"
    assert (await _intent(db, intent_id)).status == "failed"
    assert await _count(db, "payment.succeeded") == 0


async def test_capture_of_another_amount_is_ignored(db, redis, settings):
    secret = settings.webhook_secret("payments")
    intent_id = await _open(db, secret=secret)
    assert await _deliver(db, secret, _event(intent_id, "payment.succeeded", amount=1)) == "ignored"
    assert (await _intent(db, intent_id)).status == "processing"


async def test_a_refund_cannot_exceed_the_capture_even_when_signed(db, redis, settings):
    secret = settings.webhook_secret("payments")
    intent_id = await _open(db, secret=secret)
    await _deliver(db, secret, _event(intent_id, "payment.succeeded"))
    too_much = _event(intent_id, "refund.succeeded", AMOUNT + 1, refund_id=str(uuid7()))
    assert await _deliver(db, secret, too_much) == "ignored"
    refund_id = str(uuid7())
    assert await _deliver(db, secret, _event(intent_id, "refund.succeeded", 1_000, refund_id=refund_id)) == "applied"
    # The same refund announced under a second event id is not paid out twice.
    assert await _deliver(db, secret, _event(intent_id, "refund.succeeded", 1_000, refund_id=refund_id)) == "ignored"
    assert (await _intent(db, intent_id)).amount_refunded == 1_000


async def test_webhook_for_an_unknown_intent_asks_for_a_retry(db, redis, settings):
    secret = settings.webhook_secret("payments")
    assert await _deliver(db, secret, _event(uuid7(), "payment.succeeded")) == PaymentNotFound.code


async def test_refund_before_capture_is_not_recorded(db, redis, settings):
    secret = settings.webhook_secret("payments")
    intent_id = await _open(db, secret=secret)
    body = _event(intent_id, "refund.succeeded", 1_000, refund_id=str(uuid7()))
    assert await _deliver(db, secret, body) == EventOutOfOrder.code
    assert await _count(db, None, provider_event_id=orjson.loads(body)["id"]) == 0


def test_signature_verification_rules():
    secret, body = "s3cret", b'{"id":"evt_1"}'
    t = int(time.time())
    now = datetime.fromtimestamp(t, UTC)
    verify(raw_body=body, signature_header=sign(secret, body, t), secret=secret, now=now)
    # Rotation: any one of several v1 values may match.
    verify(raw_body=body, signature_header=f"t={t},v1={'0' * 64},v1={signature(secret, body, t)}", secret=secret,
           now=now)
    verify(raw_body=body, signature_header=sign(secret, body, t - 300), secret=secret, now=now)
    for header in (None, "", f"t={t}", "v1=abc", f"t={t},v1=", sign(secret, body, t - 301), sign("other", body, t),
                   f"t={t},v0={signature(secret, body, t)}", sign(secret, body + b" ", t)):
        with pytest.raises(InvalidSignature):
            verify(raw_body=body, signature_header=header, secret=secret, now=now)


async def test_the_ledger_is_append_only(db, redis, settings):
    intent_id = await _open(db, scenario=None)
    async with db.session() as session:
        with pytest.raises(DBAPIError, match="append-only"):
            await session.execute(text("UPDATE payments.payment_event SET amount = 1 WHERE intent_id = :i"),
                                  {"i": intent_id})
        await session.rollback()
        with pytest.raises(DBAPIError, match="append-only"):
            await session.execute(text("DELETE FROM payments.payment_event WHERE intent_id = :i"), {"i": intent_id})
