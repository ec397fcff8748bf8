"""Run the event bus in-process in tests: relay every outbox row, then let each consumer drain.

Reads never block (`block_ms=0`): everything to read is already in the streams when a drain starts,
and a blocking read, however short, costs Redis's ~100 ms timeout tick per consumer per round."""

from __future__ import annotations

from commerce.core.eventbus import Consumer, relay_once

# Consumers (and their groups) are reused across drains of the same stores: creating them anew each
# time re-issues XGROUP CREATE for every stream of every consumer, which dominated event-heavy tests.
_consumers: dict[tuple[int, int, tuple[str, ...]], list[Consumer]] = {}


async def drain(settings, db, redis, handlers=None) -> int:  # noqa: ANN001
    from serving.workers.runner import all_handlers

    chosen = handlers or all_handlers(settings)
    key = (id(db), id(redis), tuple(h.name for h in chosen))
    consumers = _consumers.get(key)
    if consumers is None or handlers is not None:
        consumers = [Consumer(db, redis, h, block_ms=0, retry_base_s=0.01) for h in chosen]
        if handlers is None:
            _consumers[key] = consumers
    handled = 0
    for _ in range(20):
        moved = await relay_once(db, redis)
        round_handled = 0
        for consumer in consumers:
            round_handled += await consumer.poll_once(block_ms=0)
        handled += round_handled
        if moved == 0 and round_handled == 0:
            break
    return handled


async def drain_all(settings, db, redis, names: set[str] | None = None) -> int:  # noqa: ANN001
    """Relay the whole outbox (a seeded history is thousands of rows), then let the consumers named
    in NAMES (default: all of them) work until nothing is left."""
    from serving.workers.runner import all_handlers

    while await relay_once(db, redis, batch_size=5000):
        pass
    consumers = [Consumer(db, redis, h, block_ms=0, retry_base_s=0.01, batch_size=500)
                 for h in all_handlers(settings) if names is None or h.name in names]
    handled = 0
    while done := sum([await c.poll_once(block_ms=0) for c in consumers]):
        handled += done
    return handled
