"""Run the event bus in-process in tests: relay every outbox row, then let each consumer drain."""

from __future__ import annotations

from commerce.core.eventbus import Consumer, relay_once


async def drain(settings, db, redis, handlers=None) -> int:  # noqa: ANN001
    from serving.workers.runner import all_handlers

    handled = 0
    consumers = [Consumer(db, redis, h, block_ms=5, retry_base_s=0.01) for h in (handlers or all_handlers(settings))]
    for _ in range(20):
        moved = await relay_once(db, redis)
        round_handled = 0
        for consumer in consumers:
            round_handled += await consumer.poll_once(block_ms=1)
        handled += round_handled
        if moved == 0 and round_handled == 0:
            break
    return handled
