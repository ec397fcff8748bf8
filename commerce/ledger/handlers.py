"""The ledger books money facts other contexts announce. Each handler posts and commits in the
consumer's transaction (which also records the event as processed); the postings themselves are
idempotent too, so a fact announced twice under different event ids still posts once."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core.eventbus import Event, Handler
from commerce.core.redis import RedisStore
from commerce.core.settings import Settings
from commerce.ledger import rules

# Every topic whose payload may change an order's money facts (paid, refunded, completed, ended).
ORDER_TOPICS = ("order.paid", "order.completed", "order.cancelled", "order.expired", "order.refunded")
PAYMENT_TOPICS = ("payment.succeeded", "payment.refunded")


async def book_order_event(session: AsyncSession, *, payload: dict, commission_bps: int) -> int:
    posted = await rules.apply_order_facts(session, facts=rules.OrderFacts.from_payload(payload),
                                           commission_bps=commission_bps)
    await session.commit()
    return posted


async def book_payment_event(session: AsyncSession, *, topic: str, payload: dict) -> bool:
    if topic == "payment.succeeded":
        posted = await rules.payment_captured(session, intent_id=uuid.UUID(payload["intent_id"]),
                                              reference=payload["reference"], amount=int(payload["amount"]))
    else:
        posted = await rules.provider_refunded(session, refund_id=uuid.UUID(payload["refund_id"]),
                                               reference=payload["reference"], amount=int(payload["amount"]))
    await session.commit()
    return posted


def make_handlers(settings: Settings) -> list[Handler]:
    async def on_order(session: AsyncSession, redis: RedisStore, event: Event) -> None:
        await book_order_event(session, payload=event.payload, commission_bps=settings.commission_bps)

    async def on_payment(session: AsyncSession, redis: RedisStore, event: Event) -> None:
        await book_payment_event(session, topic=event.topic, payload=event.payload)

    return [Handler(name="ledger.orders", topics=ORDER_TOPICS, fn=on_order),
            Handler(name="ledger.payments", topics=PAYMENT_TOPICS, fn=on_payment)]
