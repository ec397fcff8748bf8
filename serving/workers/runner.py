"""The worker process: the outbox relay plus every context's consumers, each an asyncio task, stopped
cleanly on SIGINT/SIGTERM (in-flight messages not acknowledged are redelivered later)."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from commerce.catalog.jobs import POPULARITY_INTERVAL_S, refresh_popularity_job
from commerce.core.db import Database
from commerce.core.eventbus import Consumer, Handler, run_relay
from commerce.core.redis import RedisStore
from commerce.core.settings import Settings
from commerce.feed.handlers import drain_impressions_job, refresh_cards_job, refresh_soldout_job
from commerce.feed.handlers import make_handlers as feed_handlers
from commerce.inventory.jobs import release_expired_job
from commerce.ledger.handlers import make_handlers as ledger_handlers
from commerce.notifications.config import notification_config
from commerce.notifications.dispatch import dispatch_job, prune_job
from commerce.notifications.handlers import make_handlers as notifications_handlers
from commerce.orders.handlers import auto_complete_job
from commerce.orders.handlers import make_handlers as orders_handlers
from commerce.sellers.handlers import HANDLERS as SELLERS_HANDLERS
from commerce.users.handlers import HANDLERS as USERS_HANDLERS
from serving.app import close_state, open_state
from serving.state import feed_config

log = logging.getLogger("lakoo.worker")


@dataclass(frozen=True)
class PeriodicJob:
    """Housekeeping that runs every `interval_s` in the worker (expired reservations, auto-completion).
    Each run is its own transaction(s); returning how much it did lets the log say so."""

    name: str
    interval_s: float
    fn: Callable[[Database, RedisStore, Settings], Awaitable[int]]


def periodic_jobs(settings: Settings) -> list[PeriodicJob]:
    """Every context's periodic jobs; a new context adds its jobs here."""
    return [
        PeriodicJob("inventory.release-expired", 15, release_expired_job),
        PeriodicJob("orders.auto-complete", 300, auto_complete_job),
        PeriodicJob("catalog.popularity", POPULARITY_INTERVAL_S, refresh_popularity_job),
        PeriodicJob("feed.cards", 1, refresh_cards_job),
        PeriodicJob("feed.soldout", 10, refresh_soldout_job),
        PeriodicJob("feed.impressions", 1, drain_impressions_job),
        PeriodicJob("notifications.dispatch", settings.notification_dispatch_interval_s, dispatch_job),
        PeriodicJob("notifications.prune", 24 * 3600, prune_job),
    ]


async def run_periodic(job: PeriodicJob, db: Database, redis: RedisStore, settings: Settings,
                       stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            done = await job.fn(db, redis, settings)
            if done:
                log.info("periodic job ran", extra={"job": job.name, "done": done})
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - a failing job must not stop the worker; it runs again later
            log.exception("periodic job failed", extra={"job": job.name})
        try:
            await asyncio.wait_for(stop.wait(), timeout=job.interval_s)
        except TimeoutError:
            pass


def all_handlers(settings: Settings) -> list[Handler]:
    """Every context's consumers; a new context adds its list here."""
    return [*USERS_HANDLERS, *feed_handlers(feed_config(settings)), *orders_handlers(settings),
            *notifications_handlers(notification_config(settings)), *SELLERS_HANDLERS, *ledger_handlers(settings)]


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
    tasks += [asyncio.create_task(run_periodic(job, state.db, state.redis, settings, stop), name=f"job:{job.name}")
              for job in periodic_jobs(settings)]
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
