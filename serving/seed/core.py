"""The seeding engine: a simulated clock walks the window day by day and every stage takes its turn
on each day, so causes come before effects (a like after its post, a cart after its tag click, a
delivery after its shipment) and rows are written in roughly the order they happened.

A stage is a class with `setup`, `day` and `finish`; `run_stages` calls them in list order. Stages
share a `SeedContext`: one database session (use cases still commit one by one), the window, the
in-memory `World` that remembers what was made, a random generator per stage (so adding a stage
never changes what the others generate), counters and the progress reporter.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from commerce.core.clock import travel_to
from commerce.core.db import Database
from commerce.core.errors import DomainError
from commerce.core.settings import Settings
from serving.seed.world import World

WIB = timezone(timedelta(hours=7), "WIB")  # people live on Jakarta time; rows store UTC
# Share of a day's sessions starting in each local hour: a commute bump, lunch and an evening peak.
HOURLY = (0.6, 0.3, 0.2, 0.15, 0.2, 0.6, 1.6, 2.6, 2.4, 2.0, 2.0, 2.4, 3.4, 2.9, 2.3, 2.2, 2.5, 3.0, 3.6, 5.0,
          6.4, 6.8, 5.0, 2.3)
WEEKDAY = (0.9, 0.88, 0.9, 0.93, 1.0, 1.22, 1.27)  # Monday … Sunday: weekends are busier


BULK_CHUNK = 4000  # items per bulk use case call: keeps every statement far below PostgreSQL's 65,535 parameters


def chunks(items: Sequence[Any], size: int = BULK_CHUNK) -> list[Sequence[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: the means here are small (events per person per day)."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class Progress(Protocol):
    def __call__(self, step: str, done: int, total: int, detail: str = "") -> None: ...


@dataclass(frozen=True)
class SeedOptions:
    users: int = 2000
    days: int = 90
    seed: int = 7
    end: datetime | None = None  # the window ends here (default: now); tests pin it


@dataclass(frozen=True)
class Day:
    """One local (WIB) calendar day of the window, clipped to the window's ends."""

    index: int
    start: datetime
    end: datetime

    @property
    def weekday(self) -> int:
        return self.start.astimezone(WIB).weekday()


@dataclass
class SeedSummary:
    users: int = 0
    follows: int = 0
    products: int = 0
    posts: int = 0
    likes: int = 0
    saves: int = 0
    comments: int = 0
    client_events: int = 0
    carts: int = 0
    orders: int = 0
    delivered: int = 0
    reviews: int = 0
    wallet_checkouts: int = 0
    events: Counter[str] = field(default_factory=Counter)
    order_outcomes: Counter[str] = field(default_factory=Counter)
    sellers: Counter[str] = field(default_factory=Counter)  # applications, decisions, shop products
    payouts: Counter[str] = field(default_factory=Counter)
    skipped_steps: Counter[str] = field(default_factory=Counter)  # "stage.action:error code"
    stage_seconds: dict[str, float] = field(default_factory=dict)
    step_seconds: dict[str, float] = field(default_factory=dict)  # finer timings a stage wants to report
    seconds: float = 0.0
    skipped: bool = False


class Stage:
    """Override what the stage needs; each hook runs with the clock at the right simulated time for
    the calls it makes (use `ctx.at(moment)` around each service call)."""

    name = "stage"

    async def setup(self, ctx: SeedContext) -> None:
        """Once, at the start of the window (before day 0)."""

    async def day(self, ctx: SeedContext, day: Day) -> None:
        """Once per day, after the stages listed before it did that day."""

    async def finish(self, ctx: SeedContext) -> None:
        """Once, after the last day."""

    def detail(self, ctx: SeedContext) -> str:
        """A few words for the progress bar."""
        return ""


class ScheduledStage(Stage):
    """A stage whose work is a queue of actions at simulated moments: `schedule(at, "name", *args)`
    has `run_due` call `self.name(ctx, rng, at, *args)` with the clock at AT, in time order. A
    DomainError there (sold out meanwhile, a cart emptied elsewhere…) is real life: rolled back and
    counted in `summary.skipped_steps`. Time per action goes to `summary.step_seconds`."""

    def __init__(self) -> None:
        self.queue: list[tuple[datetime, int, str, tuple[Any, ...]]] = []
        self.sequence = itertools.count()
        self.timing: dict[str, float] = {}

    def schedule(self, at: datetime, action: str, *args: Any) -> None:
        heapq.heappush(self.queue, (at, next(self.sequence), action, args))

    async def run_due(self, ctx: SeedContext, until: datetime) -> None:
        rng = ctx.rng(self.name)
        while self.queue and self.queue[0][0] < until:
            at, _, action, args = heapq.heappop(self.queue)
            began = time.perf_counter()
            try:
                with ctx.at(at):
                    await getattr(self, action)(ctx, rng, at, *args)
            except DomainError as exc:
                await ctx.session.rollback()
                ctx.summary.skipped_steps[f"{self.name}.{action}:{exc.code}"] += 1
            self.timing[action] = self.timing.get(action, 0) + time.perf_counter() - began

    async def finish(self, ctx: SeedContext) -> None:
        ctx.summary.step_seconds.update({f"{self.name}.{k}": round(v, 2) for k, v in sorted(self.timing.items())})


class SeedContext:
    def __init__(self, *, session: AsyncSession, settings: Settings, options: SeedOptions, start: datetime,
                 end: datetime, report: Progress) -> None:
        self.session = session
        self.settings = settings
        self.options = options
        self.start, self.end = start, end
        self.world = World()
        self.summary = SeedSummary()
        self.report = report
        self.payment_secret = settings.webhook_secret("payments")
        self.courier_secret = settings.webhook_secret("courier")
        from serving.seed.worker import SimulatedWorker  # it is also a stage: imports this module

        self.worker = SimulatedWorker(settings)
        self._rngs: dict[str, random.Random] = {}
        self.days = _days(start, end)

    def rng(self, name: str) -> random.Random:
        """The stage's own generator, seeded from (seed, name): deterministic and independent."""
        if name not in self._rngs:
            self._rngs[name] = random.Random(f"{self.options.seed}:{name}")
        return self._rngs[name]

    def at(self, moment: datetime):  # noqa: ANN201 - a context manager
        """Run service calls as if at MOMENT (never after the window's end)."""
        return travel_to(min(moment, self.end))

    def uuid(self, rng: random.Random) -> uuid.UUID:
        """A reproducible random UUIDv4 (client event ids): same seed, same ids."""
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    def local_time(self, day: Day, rng: random.Random, hourly: Sequence[float] = HOURLY) -> datetime | None:
        """A moment of DAY drawn from the local hourly profile; None when it falls outside the window."""
        hour = rng.choices(range(24), weights=hourly)[0]
        local = day.start.astimezone(WIB).replace(hour=hour, minute=0, second=0, microsecond=0)
        moment = (local + timedelta(seconds=rng.randrange(3600))).astimezone(UTC)
        return moment if day.start <= moment < day.end else None

    def moment_in(self, low: datetime, high: datetime, rng: random.Random) -> datetime:
        return low + (high - low) * rng.random()


def _days(start: datetime, end: datetime) -> list[Day]:
    days = []
    local = start.astimezone(WIB).replace(hour=0, minute=0, second=0, microsecond=0)
    while local.astimezone(UTC) < end:
        nxt = local + timedelta(days=1)
        days.append(Day(len(days), max(start, local.astimezone(UTC)), min(end, nxt.astimezone(UTC))))
        local = nxt
    return days


async def run_stages(db: Database, stages: Sequence[Stage], *, options: SeedOptions, settings: Settings,
                     report: Progress, already_seeded: Callable[[AsyncSession], Any]) -> SeedSummary:
    """Walk the window through every stage; skipped when ALREADY_SEEDED answers true."""
    started = time.perf_counter()
    end = (options.end or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    start = end - timedelta(days=options.days)
    # One connection for the whole run (use cases still commit one by one): its settings and the
    # interaction staging table stay put between transactions.
    async with db.engine.connect() as connection, AsyncSession(bind=connection, expire_on_commit=False,
                                                               autoflush=False) as session:
        if await already_seeded(session):
            return SeedSummary(skipped=True)
        # Demo data can be made again: commits need not wait for the WAL flush (this connection only).
        await session.execute(text("SET synchronous_commit TO off"))
        await session.commit()
        ctx = SeedContext(session=session, settings=settings, options=options, start=start, end=end, report=report)
        spent = {stage.name: 0.0 for stage in stages}
        total = len(ctx.days) + 2

        async def step(stage: Stage, hook: str, done: int, *args: Any) -> None:
            began = time.perf_counter()
            await getattr(stage, hook)(ctx, *args)
            session.expunge_all()  # the seeder keeps ids, not ORM objects: keep the identity map small
            spent[stage.name] += time.perf_counter() - began
            report(stage.name, done, total, f"{stage.detail(ctx)} · {spent[stage.name]:.0f}s".lstrip(" ·"))

        for stage in stages:
            await step(stage, "setup", 1)
        for day in ctx.days:
            for stage in stages:
                await step(stage, "day", day.index + 2, day)
        for stage in stages:
            await step(stage, "finish", total)
    ctx.summary.stage_seconds = {name: round(seconds, 2) for name, seconds in spent.items()}
    ctx.summary.seconds = round(time.perf_counter() - started, 2)
    return ctx.summary


def office_hours(moment: datetime, rng: random.Random) -> datetime:
    """MOMENT if the back office (admins, a shop's owner at their desk) works then — Monday to
    Saturday, 09:00–18:00 Jakarta time — else a little after it next opens."""
    local = moment.astimezone(WIB)
    if local.weekday() < 6 and 9 <= local.hour < 18:
        return moment
    opening = local.replace(hour=9, minute=0, second=0, microsecond=0)
    if local.hour >= 9:
        opening += timedelta(days=1)
    if opening.weekday() == 6:
        opening += timedelta(days=1)
    return (opening + timedelta(minutes=rng.uniform(0, 180))).astimezone(UTC)
