"""Orders react to payments, inventory and shipping through events, never by being called by them."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core.db import Database
from commerce.core.eventbus import Event, Handler
from commerce.core.redis import RedisStore
from commerce.core.settings import Settings
from commerce.orders import service as orders


def make_handlers(settings: Settings) -> list[Handler]:
    payment_secret = settings.webhook_secret("payments")

    async def on_payment_succeeded(session: AsyncSession, redis: RedisStore, event: Event) -> None:
        await orders.mark_checkout_paid(session, checkout_id=uuid.UUID(event.payload["reference"]),
                                        payment_secret=payment_secret)

    async def on_reservation_expired(session: AsyncSession, redis: RedisStore, event: Event) -> None:
        await orders.expire(session, order_id=uuid.UUID(event.payload["reference"]))

    async def on_shipment_delivered(session: AsyncSession, redis: RedisStore, event: Event) -> None:
        await orders.mark_delivered(session, order_id=uuid.UUID(event.payload["order_id"]))

    return [
        Handler(name="orders.payment-succeeded", topics=("payment.succeeded",), fn=on_payment_succeeded),
        Handler(name="orders.reservation-expired", topics=("inventory.reservation_expired",),
                fn=on_reservation_expired),
        Handler(name="orders.shipment-delivered", topics=("shipment.delivered",), fn=on_shipment_delivered),
    ]


async def auto_complete_job(db: Database, redis: RedisStore, settings: Settings) -> int:
    async with db.session() as session:
        return await orders.auto_complete(session, older_than=timedelta(days=settings.auto_complete_days))
