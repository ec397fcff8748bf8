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
you make in `ctx.summary`. Stages that change how things are made override hooks instead:
`CatalogStage.create_product` (who owns and approves products) and `CommerceStage.ship` (who ships).
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
from serving.seed.people import DEMO_PASSWORD, PeopleStage, demo_username
from serving.seed.sessions import SessionsStage

__all__ = ["DEMO_PASSWORD", "Day", "SeedContext", "SeedOptions", "SeedSummary", "Stage", "default_stages",
           "seed_demo"]

DEFAULT_USERS = 2000
DEFAULT_DAYS = 90


def default_stages() -> list[Stage]:
    """In the order they act on each day: the shelf, who is here, what they post, what they do,
    what they buy."""
    return [CatalogStage(), PeopleStage(), ContentStage(), SessionsStage(), CommerceStage()]


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
