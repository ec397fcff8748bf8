"""What `lakoo worker`'s ledger consumers would have done, done by the seeder when they would have.

The ledger books money from events (`order.paid|completed|cancelled|expired|refunded`,
`payment.succeeded|refunded`), but the seeder runs without Redis or a worker. Sellers asking for
their balance and buyers paying with their wallet need those books up to date, so the seeder reads
the outbox the way the relay would, in order, and hands each ledger event to the real handler with
the clock a moment after the event — recording it as processed for that consumer, exactly as the
consumer does, so the demo's worker later skips it (and would post nothing twice anyway: every
journal is keyed by the fact it books).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from commerce.core.clock import utcnow
from commerce.core.eventbus import Event
from commerce.core.outbox import OutboxEvent, ProcessedEvent
from commerce.core.settings import Settings
from commerce.ledger.handlers import make_handlers as ledger_handlers
from commerce.sellers import stats
from serving.seed.core import Day, SeedContext, Stage

LAG = timedelta(seconds=2)  # how long after an event the worker gets to it


class SimulatedWorker:
    def __init__(self, settings: Settings) -> None:
        self.handlers = {topic: handler for handler in ledger_handlers(settings) for topic in handler.topics}
        self.cursor = 0  # the last outbox row looked at
        self.booked = 0

    async def catch_up(self, ctx: SeedContext) -> int:
        """Book every ledger event written since the last call. Returns how many."""
        session = ctx.session
        rows = (await session.execute(
            select(OutboxEvent.id, OutboxEvent.event_id, OutboxEvent.topic, OutboxEvent.payload,
                   OutboxEvent.occurred_at)
            .where(OutboxEvent.id > self.cursor, OutboxEvent.topic.in_(list(self.handlers)))
            .order_by(OutboxEvent.id))).all()
        await session.commit()
        for row_id, event_id, topic, payload, occurred_at in rows:
            handler = self.handlers[topic]
            with ctx.at(occurred_at + LAG):
                await session.execute(insert(ProcessedEvent).values(
                    consumer=handler.name, event_id=event_id, processed_at=utcnow()).on_conflict_do_nothing())
                await handler.fn(session, None, Event(event_id=event_id, topic=topic, payload=payload,
                                                      occurred_at=occurred_at))
                await session.commit()
            self.cursor = row_id
        self.booked += len(rows)
        return len(rows)


class WorkerStage(Stage):
    """The worker's consumers whose effects the history itself needs: the ledger, booked at the end
    of each day (and by anyone about to read a balance), and the sellers' stats at the end, so shop
    pages show their figures before the demo's worker has gone through the backlog."""

    name = "worker"

    def detail(self, ctx: SeedContext) -> str:
        return f"{ctx.worker.booked:,} ledger events"

    async def day(self, ctx: SeedContext, day: Day) -> None:
        await ctx.worker.catch_up(ctx)

    async def finish(self, ctx: SeedContext) -> None:
        await ctx.worker.catch_up(ctx)
        approved = [ctx.world.people[shop.person].id for shop in ctx.world.shops if shop.status == "approved"]
        with ctx.at(ctx.end):
            await stats.refresh_all(ctx.session, seller_ids=approved)
