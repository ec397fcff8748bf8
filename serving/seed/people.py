"""People stage: sign-ups spread over the window with growth (a launch cohort, then compounding
word of mouth), latent tastes per person, creators with a niche, and a follow graph grown by
preferential attachment — newcomers follow mostly the already-popular accounts that match their
taste — so a few creators end up with large followings and most people with a handful."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from commerce.auth import service as auth
from commerce.social import service as social
from serving.seed.core import Day, SeedContext, Stage, chunks
from serving.seed.vocab import FIRST_NAMES, LEAVES, MORE_NAMES, SURNAMES
from serving.seed.world import Person

DEMO_PASSWORD = "lakoo-demo-pass"
DEMO_DOMAIN = "demo.lakoo.id"
DEMO_ADMIN = {"email": f"admin@{DEMO_DOMAIN}", "username": "admin", "password": "lakoo-admin-demo"}
DEMO_CREATORS = {"ayu", "citra", "dewi", "fitri", "hana", "kartika", "putri", "sari", "wulan", "made"}
LAUNCH_COHORT = 0.15  # signs up in the first three days
GROWTH = 1.3  # sign-ups per day grow by e^GROWTH over the window
CREATOR_SHARE = 0.08


def demo_username(first: str) -> str:
    return f"demo_{first}"


async def ensure_admin(ctx: SeedContext, at: datetime) -> None:
    """The demo admin runs the platform: builds the catalogue, verifies sellers and products, pays
    sellers out. Created at AT unless `lakoo demo` made the account already."""
    with ctx.at(at):
        found = await auth.account_id(ctx.session, email=DEMO_ADMIN["email"])
        ctx.world.admin_id = found or (await auth.create_admin(ctx.session, **DEMO_ADMIN)).id


def _taste(rng: random.Random, leaf_weights: list[float], alpha: float) -> list[float]:
    draws = [rng.gammavariate(alpha, 1.0) * w for w in leaf_weights]
    total = sum(draws) or 1.0
    return [d / total for d in draws]


def _sign_up_time(ctx: SeedContext, rng: random.Random) -> datetime:
    span = (ctx.end - ctx.start).total_seconds()
    if rng.random() < LAUNCH_COHORT:
        fraction = rng.random() * min(1.0, 3 * 86400 / span)
    else:  # inverse CDF of a density growing like e^(GROWTH·t)
        fraction = math.log(1 + rng.random() * (math.exp(GROWTH) - 1)) / GROWTH
    return ctx.start + timedelta(seconds=fraction * span * 0.999)


class PeopleStage(Stage):
    name = "people"

    def __init__(self) -> None:
        self.by_day: dict[int, list[Person]] = {}
        self.password_hash = ""

    def detail(self, ctx: SeedContext) -> str:
        return f"{ctx.summary.users:,} users · {ctx.summary.follows:,} follows"

    async def setup(self, ctx: SeedContext) -> None:
        rng = ctx.rng(self.name)
        self.password_hash = auth.hash_password(DEMO_PASSWORD)  # once: every demo account shares it
        leaf_weights = [rng.uniform(0.5, 1.5) for _ in LEAVES]
        taken: set[str] = set()
        people = []
        for i in range(ctx.options.users):
            demo = i < len(FIRST_NAMES)
            if demo:
                username = demo_username(FIRST_NAMES[i])
                registered_at = ctx.start + timedelta(hours=rng.uniform(1, 40))
            else:
                username = self._username(rng, taken)
                registered_at = _sign_up_time(ctx, rng)
            taken.add(username)
            creator = 0.0
            if (demo and FIRST_NAMES[i] in DEMO_CREATORS) or (not demo and rng.random() < CREATOR_SHARE):
                creator = min(6.0, rng.paretovariate(1.6))
            people.append(Person(
                index=i, username=username, registered_at=registered_at,
                taste=_taste(rng, leaf_weights, 0.15 if creator else 0.35),
                activity=1.4 if demo else min(3.0, rng.lognormvariate(math.log(0.22), 0.9)) * (1.5 if creator else 1),
                creator=creator, buyer=0.9 if demo else rng.betavariate(1.6, 4.5),
                price_ceiling=int(rng.lognormvariate(math.log(260_000), 0.6)), demo=demo))
        ctx.world.people = people
        for person in sorted(people, key=lambda p: p.registered_at):
            self.by_day.setdefault(self._day_index(ctx, person.registered_at), []).append(person)

    @staticmethod
    def _day_index(ctx: SeedContext, moment: datetime) -> int:
        low, high = 0, len(ctx.days) - 1
        while low < high:
            mid = (low + high) // 2
            if ctx.days[mid].end <= moment:
                low = mid + 1
            else:
                high = mid
        return low

    @staticmethod
    def _username(rng: random.Random, taken: set[str]) -> str:
        while True:
            first = rng.choice(MORE_NAMES + FIRST_NAMES)
            style = rng.random()
            if style < 0.4:
                name = f"{first}.{rng.choice(SURNAMES)}"
            elif style < 0.7:
                name = f"{first}_{rng.randrange(10, 100)}"
            else:
                name = f"{first}{rng.choice(SURNAMES)[:4]}{rng.randrange(1, 1000)}"
            if name not in taken:
                return name

    async def day(self, ctx: SeedContext, day: Day) -> None:
        rng = ctx.rng(self.name)
        world = ctx.world
        follows: list[tuple[Person, Person, datetime]] = []
        newcomers = self.by_day.get(day.index, [])
        ids = []
        if newcomers:
            accounts = [(f"{p.username}@{DEMO_DOMAIN}", p.username, self.password_hash, p.registered_at)
                        for p in newcomers]
            with ctx.at(max(p.registered_at for p in newcomers)):
                for chunk in chunks(accounts):
                    ids += await auth.register_many(ctx.session, accounts=chunk)
        for person, user_id in zip(newcomers, ids, strict=True):
            person.id = user_id
            ctx.summary.users += 1
            follows += self._first_follows(ctx, rng, person)
            world.registered.append(person.index)
            world.attachment.append(person.index)
        await follow_all(ctx, follows)

    def _first_follows(self, ctx: SeedContext, rng: random.Random, person: Person) -> list[tuple]:
        """Onboarding suggests accounts: popular ones that match the newcomer's taste; demo accounts
        also follow every earlier demo account (and are followed back)."""
        world = ctx.world
        out = []
        if person.demo:
            for other in (world.people[i] for i in world.registered if world.people[i].demo):
                out.append((person, other, person.registered_at + timedelta(minutes=rng.uniform(2, 50))))
                out.append((other, person, person.registered_at + timedelta(hours=rng.uniform(1, 30))))
        if not world.registered:
            return out
        wanted = min(len(world.registered), max(1, round(rng.lognormvariate(math.log(9), 0.7))))
        for _ in range(wanted * 2):
            if len(person.followees) + len(out) >= wanted * 2 or rng.random() < 0.1 and len(out) >= wanted:
                break
            if rng.random() < 0.15:
                candidate = world.people[rng.choice(world.registered)]
            else:  # a small tournament among popularity-weighted draws: the best taste match wins
                draws = [world.people[rng.choice(world.attachment)] for _ in range(3)]
                candidate = max(draws, key=lambda c: match(person, c))
            if candidate is not person and candidate.index not in person.followees:
                out.append((person, candidate, person.registered_at + timedelta(minutes=rng.uniform(1, 180))))
        return out


def match(person: Person, other: Person) -> float:
    """How well OTHER's niche fits PERSON's taste, plus a pull for people who post."""
    return sum(a * b for a, b in zip(person.taste, other.taste, strict=True)) * len(person.taste) + other.creator


async def follow_all(ctx: SeedContext, follows: list[tuple[Person, Person, datetime]]) -> None:
    """Record follows in the world and write them through `social.follow_many`."""
    edges = []
    for follower, followee, at in follows:
        if followee.id is not None and ctx.world.add_follow(follower, followee):
            edges.append((follower.id, followee.id, min(at, ctx.end)))
    if edges:
        with ctx.at(max(at for _, _, at in edges)):
            for chunk in chunks(edges):
                ctx.summary.follows += await social.follow_many(ctx.session, follows=chunk)
