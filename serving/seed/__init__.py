"""`lakoo seed`: a believable marketplace with months of history, written through the contexts'
services (never around them), so the demo, the warehouse and the ranking work see the same rules,
counters, events and interactions as real traffic.

Deterministic for a given seed: the same seed, users, days and window end give the same content
and counts (UUIDs and identity values differ between runs; client event ids do not).

Plugging in a stage: subclass `Stage` (serving/seed/core.py), implement `setup` / `day` / `finish`
(and `detail` for the progress bar), and put it in the list `default_stages()` returns (or pass
`stages=` to `seed_demo`). `setup` runs before day 0, `day(ctx, day)` once per simulated day after
the stages listed before it, `finish` after the last day. Inside, wrap each service call in
`with ctx.at(moment):` (the simulated clock), draw randomness from `ctx.rng(self.name)` only, keep
people/products/posts by their index in `ctx.world` (never iterate sets of UUIDs), and count what
you make in `ctx.summary`. A stage whose work is a queue of future steps (a decision a day later,
a parcel picked up in the afternoon) subclasses `ScheduledStage` and schedules them. Anyone about to
read money (a seller's balance, a buyer's wallet) calls `ctx.worker.catch_up(ctx)` first: the
ledger books from events, and the seeder plays the worker's ledger consumers at the moment they
would have run. Stages that change how things are made override hooks instead:
`CatalogStage.create_product` (how the platform's own products are made) and `CommerceStage.ship`
(how the platform ships its own orders; sellers' orders go through the seller fulfilment services).

The demo's fixed stories: demo_sari runs a shop (Toko Sari, approved in the first days, with orders
to fulfil at the end, a balance and payouts), demo_hana and demo_joko (rejected once, re-applied)
sell too, demo_eko was rejected, demo_tono's application waits in the admin's queue; each demo
account's first order ends a different way, and demo_budi keeps his refund in the wallet.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core.db import Database
from commerce.core.settings import Settings
from commerce.users import service as users
from serving.seed.catalog import CatalogStage
from serving.seed.commerce import CommerceStage
from serving.seed.content import ContentStage
from serving.seed.core import Day, Progress, SeedContext, SeedOptions, SeedSummary, Stage, run_stages
from serving.seed.people import DEMO_ADMIN, DEMO_PASSWORD, PeopleStage, demo_username
from serving.seed.sellers import SellersStage
from serving.seed.sessions import SessionsStage
from serving.seed.worker import WorkerStage

__all__ = ["DEMO_ADMIN", "DEMO_PASSWORD", "Day", "SeedContext", "SeedOptions", "SeedSummary", "Stage", "default_stages",
           "seed_demo"]

DEFAULT_USERS = 2000
DEFAULT_DAYS = 90


def default_stages() -> list[Stage]:
    """In the order they act on each day: the platform's shelf, who is here, who sells (and what),
    what they post, what they do, what they buy, what the worker books."""
    return [CatalogStage(), PeopleStage(), SellersStage(), ContentStage(), SessionsStage(), CommerceStage(),
            WorkerStage()]


async def already_seeded(session: AsyncSession) -> bool:
    return await users.username_taken(session, username=demo_username("ayu"))


async def seed_demo(db: Database, *, users: int = DEFAULT_USERS, days: int = DEFAULT_DAYS, seed: int = 7,
                    settings: Settings | None = None, progress: Callable[..., None] | None = None,
                    end: datetime | None = None, stages: list[Stage] | None = None,
                    users_count: int | None = None) -> SeedSummary:
    """Generate the demo marketplace; skipped (summary.skipped) when the demo accounts exist.

    PROGRESS is called as (stage, done, total, detail) — or (stage, done, total) if that is all it
    takes; `users_count` is the old name of USERS."""
    return await run_stages(
        db, stages if stages is not None else default_stages(),
        options=SeedOptions(users=users_count or users, days=days, seed=seed, end=end),
        settings=settings or Settings(), report=_reporter(progress), already_seeded=already_seeded)


def _reporter(progress: Callable[..., None] | None) -> Progress:
    if progress is None:
        return lambda step, done, total, detail="": None
    try:
        inspect.signature(progress).bind("step", 0, 0, "detail")
    except TypeError:
        return lambda step, done, total, detail="": progress(step, done, total)
    return progress
