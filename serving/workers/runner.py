"""The worker process: the outbox relay plus every context's consumers, each an asyncio task, stopped
cleanly on SIGINT/SIGTERM (in-flight messages not acknowledged are redelivered later)."""

from __future__ import annotations

import asyncio
import logging
import signal

from commerce.core.eventbus import Consumer, Handler, run_relay
from commerce.core.settings import Settings
from commerce.feed.handlers import make_handlers as feed_handlers
from commerce.users.handlers import HANDLERS as USERS_HANDLERS
from serving.app import close_state, open_state
from serving.state import feed_config

log = logging.getLogger("lakoo.worker")


def all_handlers(settings: Settings) -> list[Handler]:
    """Every context's consumers; a new context adds its list here."""
    return [*USERS_HANDLERS, *feed_handlers(feed_config(settings))]


async def run_worker(settings: Settings, *, handlers: list[Handler] | None = None,
                     stop: asyncio.Event | None = None) -> None:
    state = await open_state(settings)
    if stop is None:  # we own the process: signals end it
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    consumers = [
        Consumer(state.db, state.redis, handler, max_attempts=settings.consumer_max_attempts,
                 retry_base_s=settings.consumer_retry_base_s, block_ms=settings.consumer_block_ms)
        for handler in (handlers if handlers is not None else all_handlers(settings))
    ]
    tasks = [asyncio.create_task(
        run_relay(state.db, state.redis, stop, batch_size=settings.outbox_batch_size,
                  interval_s=settings.outbox_poll_interval_s), name="outbox-relay")]
    tasks += [asyncio.create_task(c.run(stop), name=f"consumer:{c.group}") for c in consumers]
    log.info("worker started", extra={"consumers": [c.group for c in consumers]})
    try:
        await stop.wait()
    finally:
        # Let each loop finish its current round (block timeouts are ~1 s), then cancel stragglers.
        done, pending = await asyncio.wait(tasks, timeout=settings.consumer_block_ms / 1000 + 2)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await close_state(state)
        log.info("worker stopped")
