"""Outbox → Redis Streams → consumer groups: at-least-once delivery with exactly-once effects."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from sqlalchemy import func, select

from commerce.core import outbox
from commerce.core.clock import utcnow
from commerce.core.eventbus import Consumer, Handler, _encode, read_dead_letters, relay_once, stream_key
from commerce.core.outbox import OutboxEvent, ProcessedEvent
from commerce.users.handlers import HANDLERS, registrations_key

STATS = HANDLERS[0]


async def _stage(db, n: int) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(n)]
    async with db.session() as session:
        for user_id in ids:
            outbox.publish(session, "user.registered", {"user_id": user_id})
        await session.commit()
    return ids


async def _registered(redis) -> int:
    return await redis.client.scard(registrations_key(redis, utcnow().date().isoformat()))


def _consumer(db, redis, handler=STATS, **kw) -> Consumer:
    kw.setdefault("retry_base_s", 0.05)
    kw.setdefault("block_ms", 10)
    return Consumer(db, redis, handler, **kw)


async def test_relay_publishes_each_row_once(db, redis):
    await _stage(db, 3)
    assert await relay_once(db, redis) == 3
    assert await relay_once(db, redis) == 0
    assert await redis.client.xlen(stream_key(redis, "user.registered")) == 3
    async with db.session() as session:
        assert await session.scalar(select(func.count()).where(OutboxEvent.published_at.is_(None))) == 0


async def test_event_committed_with_the_change_or_not_at_all(db, redis):
    async with db.session() as session:
        outbox.publish(session, "user.registered", {"user_id": str(uuid.uuid4())})
        await session.rollback()
    assert await relay_once(db, redis) == 0


async def test_redelivered_events_have_no_second_effect(db, redis):
    await _stage(db, 3)
    await relay_once(db, redis)
    consumer = _consumer(db, redis)
    await consumer.ensure_groups()
    assert await consumer.poll_once() == 3
    assert await _registered(redis) == 3
    # The relay died after XADD but before its commit, so the same events arrive again.
    async with db.session() as session:
        rows = (await session.scalars(select(OutboxEvent))).all()
    for row in rows:
        await redis.client.xadd(stream_key(redis, row.topic), _encode(row))
    assert await consumer.poll_once() == 3
    assert await _registered(redis) == 3
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(ProcessedEvent)) == 3


async def test_messages_of_a_dead_consumer_are_reclaimed(db, redis):
    await _stage(db, 5)
    await relay_once(db, redis)
    doomed = _consumer(db, redis, consumer_name="doomed")
    await doomed.ensure_groups()
    # It read the batch and died before handling or acknowledging anything.
    await redis.client.xreadgroup(doomed.group, "doomed", {doomed.streams[0]: ">"}, count=10)
    survivor = _consumer(db, redis, consumer_name="survivor")
    assert await survivor.poll_once() == 0  # too early: the backoff has not elapsed
    await asyncio.sleep(0.1)
    assert await survivor.poll_once() == 5
    assert await _registered(redis) == 5
    assert (await redis.client.xpending(doomed.streams[0], doomed.group))["pending"] == 0


async def test_transient_failures_are_retried_with_backoff(db, redis):
    attempts: dict[str, int] = {}

    async def flaky(session, store, event):
        attempts[event.payload["user_id"]] = attempts.get(event.payload["user_id"], 0) + 1
        if attempts[event.payload["user_id"]] < 3:
            raise ConnectionError("downstream blip")
        await STATS.fn(session, store, event)

    await _stage(db, 2)
    await relay_once(db, redis)
    consumer = _consumer(db, redis, Handler("test.flaky", ("user.registered",), flaky), retry_base_s=0.02)
    await consumer.ensure_groups()
    for _ in range(100):
        await consumer.poll_once()
        if await _registered(redis) == 2:
            break
        await asyncio.sleep(0.02)
    assert await _registered(redis) == 2
    assert sorted(attempts.values()) == [3, 3]
    assert await read_dead_letters(redis) == []


async def test_always_failing_handler_goes_to_dead_letter_after_n_tries(db, redis):
    calls = 0

    async def broken(session, store, event):
        nonlocal calls
        calls += 1
        raise ValueError("cannot handle this payload")

    await _stage(db, 1)
    await relay_once(db, redis)
    consumer = _consumer(db, redis, Handler("test.broken", ("user.registered",), broken), max_attempts=3,
                         retry_base_s=0.01)
    await consumer.ensure_groups()
    for _ in range(200):
        await consumer.poll_once()
        if await read_dead_letters(redis):
            break
        await asyncio.sleep(0.01)
    dead = await read_dead_letters(redis)
    assert len(dead) == 1
    assert dead[0]["consumer"] == "test.broken" and dead[0]["deliveries"] == "3"
    assert "cannot handle this payload" in dead[0]["error"]
    assert calls == 3
    assert (await redis.client.xpending(consumer.streams[0], consumer.group))["pending"] == 0
    # The healthy consumer of the same topic was not held up by it.
    assert await _consumer(db, redis).poll_once() == 1


@pytest.mark.slow
async def test_worker_killed_mid_batch_loses_no_event(settings, db, redis):
    """A real `lakoo worker` process is SIGKILLed while handling; a second one finishes the job."""
    user_ids = await _stage(db, 300)
    env = {**os.environ, "LAKOO_DATABASE_URL": settings.database_url, "LAKOO_REDIS_URL": settings.redis_url,
           "LAKOO_REDIS_NAMESPACE": settings.redis_namespace, "LAKOO_CONSUMER_RETRY_BASE_S": "0.3",
           "LAKOO_OUTBOX_BATCH_SIZE": "50", "LAKOO_LOG_LEVEL": "WARNING", "LAKOO_JWT_SECRET": "x" * 32}
    command = [sys.executable, "-m", "serving.cli", "worker"]
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and await _registered(redis) == 0:
            await asyncio.sleep(0.01)
        first.send_signal(signal.SIGKILL)
    finally:
        first.wait()
    done_before_kill = await _registered(redis)
    assert done_before_kill > 0
    second = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and await _registered(redis) < len(user_ids):
            await asyncio.sleep(0.1)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=20) == 0
    members = await redis.client.smembers(registrations_key(redis, utcnow().date().isoformat()))
    assert members == set(user_ids)
    async with db.session() as session:
        assert await session.scalar(select(func.count()).where(OutboxEvent.published_at.is_(None))) == 0
        assert await session.scalar(select(func.count()).select_from(ProcessedEvent)) == len(user_ids)


async def test_run_worker_delivers_registration_events(settings, client, redis):
    from serving.workers.runner import run_worker

    stop = asyncio.Event()
    quick = settings.model_copy(update={"outbox_poll_interval_s": 0.05, "consumer_block_ms": 50})
    task = asyncio.create_task(run_worker(quick, stop=stop))
    try:
        response = await client.post("/api/auth/register",
                                     json={"email": "w@example.com", "password": "password123", "username": "wira"})
        assert response.status_code == 201
        for _ in range(200):
            if await _registered(redis) == 1:
                break
            await asyncio.sleep(0.05)
        assert await _registered(redis) == 1
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)
