"""The event bus: outbox relay → Redis Streams → consumer groups.

Delivery is at-least-once. The relay may publish a row twice if it dies between XADD and its commit;
a consumer may see a message again if it dies before XACK. Both are made harmless by recording
`(consumer, event_id)` in Postgres in the same transaction as the handler's effects.

Failures are retried with exponential backoff measured on the pending entry's idle time, so a poison
message never blocks the stream; after `max_attempts` deliveries it moves to the dead-letter stream.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from redis.exceptions import ResponseError
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core.clock import utcnow
from commerce.core.db import Database
from commerce.core.outbox import OutboxEvent, ProcessedEvent
from commerce.core.redis import RedisStore

log = logging.getLogger("lakoo.eventbus")

STREAM_MAXLEN = 1_000_000


@dataclass(frozen=True)
class Event:
    event_id: uuid.UUID
    topic: str
    payload: dict[str, Any]
    occurred_at: datetime
    message_id: str = ""
    deliveries: int = 1


HandlerFn = Callable[[AsyncSession, RedisStore, Event], Awaitable[None]]


@dataclass(frozen=True)
class Handler:
    """A named consumer (one Redis consumer group) of one or more topics."""

    name: str
    topics: tuple[str, ...]
    fn: HandlerFn


def stream_key(redis: RedisStore, topic: str) -> str:
    return redis.key("events", topic)


def dead_letter_key(redis: RedisStore) -> str:
    return redis.key("events", "dead-letter")


def _encode(row: OutboxEvent) -> dict[str, str]:
    return {
        "event_id": str(row.event_id),
        "topic": row.topic,
        "payload": orjson.dumps(row.payload).decode(),
        "occurred_at": row.occurred_at.isoformat(),
    }


def _decode(message_id: str, fields: dict[str, str], deliveries: int = 1) -> Event:
    return Event(
        event_id=uuid.UUID(fields["event_id"]),
        topic=fields["topic"],
        payload=orjson.loads(fields["payload"]),
        occurred_at=datetime.fromisoformat(fields["occurred_at"]),
        message_id=message_id,
        deliveries=deliveries,
    )


async def relay_once(db: Database, redis: RedisStore, *, batch_size: int = 100) -> int:
    """Move one batch of unpublished outbox rows to their streams. Several relays may run at once:
    SKIP LOCKED hands each a disjoint batch."""
    async with db.session() as session:
        rows = (
            await session.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.published_at.is_(None))
                .order_by(OutboxEvent.id)
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if not rows:
            return 0
        pipe = redis.client.pipeline(transaction=False)
        for row in rows:
            pipe.xadd(stream_key(redis, row.topic), _encode(row), maxlen=STREAM_MAXLEN, approximate=True)
        await pipe.execute()
        await session.execute(
            update(OutboxEvent).where(OutboxEvent.id.in_([r.id for r in rows])).values(published_at=utcnow())
        )
        await session.commit()
        return len(rows)


class Consumer:
    def __init__(
        self,
        db: Database,
        redis: RedisStore,
        handler: Handler,
        *,
        consumer_name: str | None = None,
        max_attempts: int = 5,
        retry_base_s: float = 1.0,
        block_ms: int = 1000,
        batch_size: int = 50,
    ) -> None:
        self.db = db
        self.redis = redis
        self.handler = handler
        self.group = handler.name
        self.name = consumer_name or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.max_attempts = max_attempts
        self.retry_base_s = retry_base_s
        self.block_ms = block_ms
        self.batch_size = batch_size
        self.streams = [stream_key(redis, t) for t in handler.topics]
        self._groups_ready = False

    async def ensure_groups(self) -> None:
        """Create the group at the start of each stream, so events published before the consumer
        first ran are still delivered to it."""
        for stream in self.streams:
            try:
                await self.redis.client.xgroup_create(stream, self.group, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise
        self._groups_ready = True

    def _backoff_ms(self, deliveries: int) -> int:
        return int(self.retry_base_s * 1000 * 2 ** max(0, deliveries - 1))

    async def _handle(self, stream: str, event: Event) -> bool:
        """Apply the event once. True when it may be acknowledged."""
        try:
            async with self.db.session() as session:
                inserted = await session.execute(
                    insert(ProcessedEvent)
                    .values(consumer=self.group, event_id=event.event_id, processed_at=utcnow())
                    .on_conflict_do_nothing()
                    .returning(ProcessedEvent.event_id)
                )
                if inserted.first() is None:
                    await session.rollback()
                    return True  # already applied by an earlier delivery
                await self.handler.fn(session, self.redis, event)
                await session.commit()
            return True
        except Exception as exc:  # noqa: BLE001 - any handler failure is retried, then dead-lettered
            log.warning(
                "handler failed",
                extra={"consumer": self.group, "topic": event.topic, "event_id": str(event.event_id),
                       "deliveries": event.deliveries, "error": repr(exc)},
            )
            await self.redis.client.hset(
                self.redis.key("events", "last-error", self.group), event.message_id, repr(exc)[:500]
            )
            return False

    async def _ack(self, stream: str, message_id: str) -> None:
        await self.redis.client.xack(stream, self.group, message_id)

    async def _retry_pending(self) -> int:
        """Claim and retry failed (or orphaned, from a killed worker) deliveries whose backoff elapsed."""
        done = 0
        for stream in self.streams:
            pending = await self.redis.client.xpending_range(
                stream, self.group, min="-", max="+", count=self.batch_size,
                idle=int(self.retry_base_s * 1000),
            )
            for entry in pending:
                message_id = entry["message_id"]
                deliveries = int(entry["times_delivered"])
                if entry["time_since_delivered"] < self._backoff_ms(deliveries):
                    continue
                claimed = await self.redis.client.xclaim(
                    stream, self.group, self.name, min_idle_time=self._backoff_ms(deliveries),
                    message_ids=[message_id],
                )
                if not claimed:
                    continue  # another consumer got it first
                claimed_id, fields = claimed[0]
                if fields is None:
                    await self._ack(stream, message_id)  # trimmed from the stream; nothing to retry
                    continue
                if deliveries >= self.max_attempts:
                    await self._dead_letter(stream, claimed_id, fields, deliveries)
                    continue
                event = _decode(claimed_id, fields, deliveries + 1)
                if await self._handle(stream, event):
                    await self._ack(stream, claimed_id)
                done += 1
        return done

    async def _dead_letter(self, stream: str, message_id: str, fields: dict[str, str], deliveries: int) -> None:
        errors_key = self.redis.key("events", "last-error", self.group)
        error = await self.redis.client.hget(errors_key, message_id) or ""
        await self.redis.client.xadd(
            dead_letter_key(self.redis),
            {**fields, "consumer": self.group, "stream": stream, "message_id": message_id,
             "deliveries": str(deliveries), "error": error, "dead_at": utcnow().isoformat()},
        )
        await self._ack(stream, message_id)
        await self.redis.client.hdel(errors_key, message_id)
        log.error("event dead-lettered", extra={"consumer": self.group, "message_id": message_id})

    async def poll_once(self, *, block_ms: int | None = None) -> int:
        """One round: retry due pending entries, then read new messages. Returns how many were handled.

        BLOCK_MS (default: the consumer's) bounds the wait for new messages; 0 returns at once. Redis's
        own `BLOCK 0` would wait forever, and a short block is no cheaper: Redis only checks blocked
        clients' timeouts on its ~100 ms cron tick, so `BLOCK 1` costs a tenth of a second per call."""
        if not self._groups_ready:
            await self.ensure_groups()
        try:
            return await self._poll(block_ms)
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            self._groups_ready = False  # the stream was deleted under us; recreate on the next round
            return 0

    async def _poll(self, block_ms: int | None) -> int:
        done = await self._retry_pending()
        # Don't sit in a blocking read while retries are still draining (None = return at once).
        wait_ms = self.block_ms if block_ms is None else block_ms
        block = None if done or wait_ms <= 0 else wait_ms
        response = await self.redis.client.xreadgroup(
            self.group, self.name, {s: ">" for s in self.streams}, count=self.batch_size, block=block,
        )
        for stream, messages in response or []:
            for message_id, fields in messages:
                event = _decode(message_id, fields)
                if await self._handle(stream, event):
                    await self._ack(stream, message_id)
                done += 1
        return done

    async def run(self, stop: asyncio.Event) -> None:
        await self.ensure_groups()
        while not stop.is_set():
            try:
                await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a Redis/DB blip must not kill the worker
                log.exception("consumer loop error", extra={"consumer": self.group})
                await asyncio.sleep(1)


async def run_relay(db: Database, redis: RedisStore, stop: asyncio.Event, *, batch_size: int,
                    interval_s: float) -> None:
    while not stop.is_set():
        try:
            moved = await relay_once(db, redis, batch_size=batch_size)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001
            log.exception("outbox relay error")
            moved = 0
        if moved < batch_size:
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval_s)
            except TimeoutError:
                pass


async def read_dead_letters(redis: RedisStore, count: int = 100) -> list[dict[str, str]]:
    entries = await redis.client.xrange(dead_letter_key(redis), count=count)
    return [{"id": message_id, **fields} for message_id, fields in entries]


def all_topics(handlers: Sequence[Handler]) -> set[str]:
    return {t for h in handlers for t in h.topics}
