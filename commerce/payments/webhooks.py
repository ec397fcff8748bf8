"""Provider webhooks: Stripe's signature scheme and the one place a payment's money state changes.

`Lakoo-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "{t}.{raw body}")>`. The timestamp is
signed with the body, so a captured delivery cannot be replayed after the tolerance; several `v1`
entries are accepted so a secret can be rotated without downtime. Events are deduplicated on their
id through `payment_event.provider_event_id`, so redelivery changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core import outbox
from commerce.core.clock import utcnow
from commerce.core.webhooks import SIGNATURE_HEADER, TOLERANCE_S, sign, signature, verify
from commerce.payments.errors import (
    EventOutOfOrder,
    InvalidWebhookPayload,
    PaymentNotFound,
    UnknownProvider,
)
from commerce.payments.models import PROVIDERS, PaymentEvent, PaymentIntent, Refund
from commerce.payments.schemas import WebhookEvent, WebhookResult
from commerce.payments.states import REFUNDABLE, can_move

# One signature scheme for every provider: see commerce.core.webhooks.
__all__ = ["SIGNATURE_HEADER", "TOLERANCE_S", "receive", "sign", "signature", "verify"]


def _parse(raw_body: bytes) -> WebhookEvent:
    try:
        return WebhookEvent.model_validate(orjson.loads(raw_body))
    except (orjson.JSONDecodeError, ValidationError) as exc:
        raise InvalidWebhookPayload() from exc


def intent_payload(intent: PaymentIntent) -> dict[str, Any]:
    return {"intent_id": str(intent.id), "reference": intent.reference, "buyer_id": str(intent.buyer_id),
            "amount": intent.amount, "currency": intent.currency, "method": intent.method}


def record(session: AsyncSession, intent: PaymentIntent, kind: str, *, amount: int = 0,
           provider_event_id: str | None = None, payload: dict[str, Any] | None = None) -> None:
    session.add(PaymentEvent(intent_id=intent.id, kind=kind, amount=amount, provider_event_id=provider_event_id,
                             payload=payload or {}, at=utcnow()))


def _move(intent: PaymentIntent, target: str) -> None:
    intent.status = target
    intent.updated_at = utcnow()


def _ignore(session: AsyncSession, intent: PaymentIntent, event: WebhookEvent, body: dict[str, Any],
            why: str) -> str:
    """Recorded, so the redelivery is a duplicate and reconciliation can see what was refused."""
    record(session, intent, "ignored", provider_event_id=event.id, payload={**body, "ignored_because": why})
    return "ignored"


async def _payment_succeeded(session: AsyncSession, intent: PaymentIntent, event: WebhookEvent,
                             body: dict[str, Any]) -> str:
    data = event.data
    if not can_move(intent.status, "succeeded"):
        return _ignore(session, intent, event, body, f"intent is {intent.status}")
    if data.amount != intent.amount or data.currency != intent.currency:
        return _ignore(session, intent, event, body, "amount or currency differs from the intent")
    _move(intent, "succeeded")
    intent.next_action = None
    intent.provider_ref = intent.provider_ref or data.provider_ref
    record(session, intent, "captured", amount=data.amount, provider_event_id=event.id, payload=body)
    outbox.publish(session, "payment.succeeded", intent_payload(intent))
    return "applied"


async def _payment_failed(session: AsyncSession, intent: PaymentIntent, event: WebhookEvent,
                          body: dict[str, Any]) -> str:
    if not can_move(intent.status, "failed"):
        return _ignore(session, intent, event, body, f"intent is {intent.status}")
    _move(intent, "failed")
    intent.next_action = None
    intent.failure_code = event.data.failure_code or "payment_failed"
    record(session, intent, "failed", provider_event_id=event.id, payload=body)
    outbox.publish(session, "payment.failed", {**intent_payload(intent), "failure_code": intent.failure_code})
    return "applied"


async def _refund_succeeded(session: AsyncSession, intent: PaymentIntent, event: WebhookEvent,
                            body: dict[str, Any]) -> str:
    data = event.data
    if intent.status in ("requires_payment_method", "processing"):
        raise EventOutOfOrder()  # the capture is still on its way; the provider will redeliver
    if intent.status not in REFUNDABLE:
        return _ignore(session, intent, event, body, f"intent is {intent.status}")
    if data.refund_id is None or data.amount <= 0 or data.currency != intent.currency:
        return _ignore(session, intent, event, body, "refund id, amount or currency is invalid")
    if await session.get(Refund, data.refund_id) is not None:
        return _ignore(session, intent, event, body, "refund already recorded")
    if intent.amount_refunded + data.amount > intent.amount:
        return _ignore(session, intent, event, body, "refund exceeds the captured amount")
    now = utcnow()
    session.add(Refund(id=data.refund_id, intent_id=intent.id, amount=data.amount, reason=data.reason or "",
                       status="succeeded", refunded_at=now))
    intent.amount_refunded += data.amount
    _move(intent, "refunded" if intent.amount_refunded == intent.amount else "partially_refunded")
    record(session, intent, "refunded", amount=data.amount, provider_event_id=event.id, payload=body)
    outbox.publish(session, "payment.refunded", {"intent_id": str(intent.id), "reference": intent.reference,
                                                 "amount": data.amount, "refund_id": str(data.refund_id)})
    return "applied"


APPLY = {"payment.succeeded": _payment_succeeded, "payment.failed": _payment_failed,
         "refund.succeeded": _refund_succeeded}


async def receive(session: AsyncSession, *, provider: str, raw_body: bytes, signature_header: str | None,
                  secret: str, now: datetime | None = None) -> WebhookResult:
    """Verify, deduplicate and apply one delivery. Joins the caller's transaction.

    The intent row is locked first, so concurrent deliveries of one event serialise and the second
    finds the first's `payment_event` row.
    """
    if provider not in PROVIDERS:
        raise UnknownProvider()
    verify(raw_body=raw_body, signature_header=signature_header, secret=secret, now=now)
    event = _parse(raw_body)
    apply = APPLY.get(event.type)
    if apply is None:
        return WebhookResult(event_id=event.id, outcome="ignored")  # types we do not subscribe to
    intent = await session.scalar(select(PaymentIntent).where(PaymentIntent.id == event.data.intent_id)
                                  .with_for_update())
    if intent is None or intent.provider != provider:
        raise PaymentNotFound()  # not 2xx: if our create has not committed yet, the retry will find it
    seen = await session.scalar(select(PaymentEvent.id).where(PaymentEvent.provider_event_id == event.id))
    if seen is not None:
        return WebhookResult(event_id=event.id, outcome="duplicate", intent_id=intent.id,
                             intent_status=intent.status)
    body = {"type": event.type, "created": event.created, **event.data.model_dump(mode="json", exclude_none=True)}
    outcome = await apply(session, intent, event, body)
    await session.flush()
    return WebhookResult(event_id=event.id, outcome=outcome, intent_id=intent.id, intent_status=intent.status)
