"""Sessions stage: who opens the app each day (weekday and hour seasonality, fading with age, churn),
what their feeds showed and what they did with it — impression → post_click/post_view → like / save /
comment / share → product_tag_click → product_view → add to cart — plus searches, hides and
not-interested.

Client-side events go through `interactions.append_client_batches` (one upload per session, as
the apps send them); likes, saves, comments and follows through their bulk use cases, which write
their own server-side interactions; carts are handed to the commerce stage, which adds them
through the cart service at the right moment (with the post and surface that led there).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from commerce.content import service as content
from commerce.content.schemas import CommentCreate
from commerce.interactions import service as interactions
from commerce.interactions.schemas import ClientEvent
from commerce.interactions.service import ClientBatch
from serving.seed.core import WEEKDAY, Day, SeedContext, Stage, chunks, poisson
from serving.seed.feeds import Feeds
from serving.seed.people import follow_all
from serving.seed.vocab import COMMENTS, LEAVES
from serving.seed.world import Person, Post

BASE_CTR = {"for_you": 0.03, "following": 0.042, "explore": 0.022, "hashtag": 0.036, "profile": 0.05}
SURFACES = (("for_you", 0.5), ("following", 0.2), ("explore", 0.14), ("hashtag", 0.06), ("search", 0.06),
            ("profile", 0.04))
SHARE_CHANNELS = ("whatsapp", "instagram", "copy_link", "telegram")


@dataclass(frozen=True, slots=True)
class CartIntent:
    """Someone decided to add a product to their cart: the commerce stage does it at `at`."""

    at: datetime
    person: int
    product: int
    variant: int
    quantity: int
    post: int | None
    surface: str
    story: str | None = None  # a demo story: this one is bought at once, and paid


def relevance(person: Person, post: Post) -> float:
    """About 1 on average; ~0.15 for a category the person ignores, up to ~4 for a passion."""
    return (0.15 + min(person.affinity(post.leaf), 5.0)) / 1.15


def lifecycle(person: Person, day: Day) -> float:
    """Newcomers explore a lot, then settle; one in three drifts away after a month or two."""
    age = (day.start - person.registered_at).total_seconds() / 86400
    settle = 0.45 + 0.55 * math.exp(-age / 18)
    drift = 0.25 if (person.index * 2654435761 % 1000) < 330 and age > 30 + person.index % 40 else 1.0
    return settle * drift


class SessionsStage(Stage):
    name = "sessions"

    def __init__(self) -> None:
        self.feeds: Feeds | None = None
        # What one day's sessions did, written at the end of the day by `flush`.
        self.batches: list[ClientBatch] = []
        self.likes: list[tuple] = []
        self.saves: list[tuple] = []
        self.comments: list[tuple] = []
        self.follows: list[tuple] = []

    def detail(self, ctx: SeedContext) -> str:
        s = ctx.summary
        return f"{s.client_events:,} app events · {s.likes:,} likes"

    async def setup(self, ctx: SeedContext) -> None:
        self.feeds = Feeds(ctx.world)
        ctx.world.cart_intents = []

    async def day(self, ctx: SeedContext, day: Day) -> None:
        rng = ctx.rng(self.name)
        world = ctx.world
        self.feeds.refresh(day.start)
        weekday = WEEKDAY[day.weekday]
        starts: list[tuple[datetime, int]] = []
        for index in world.registered:
            person = world.people[index]
            for _ in range(min(5, poisson(rng, person.activity * weekday * lifecycle(person, day)))):
                at = ctx.local_time(day, rng)
                if at is not None and at > person.registered_at:
                    starts.append((at, index))
        starts.sort()
        for number, (at, index) in enumerate(starts):
            self.session(ctx, rng, world.people[index], at, f"{index:x}-{day.index}-{number}")
        await self.flush(ctx, day)

    def session(self, ctx: SeedContext, rng: random.Random, person: Person, at: datetime, session_id: str) -> None:
        events: list[ClientEvent] = []
        clock = [at]

        def emit(kind: str, **fields) -> None:  # noqa: ANN003
            clock[0] += timedelta(seconds=rng.uniform(1, 9))
            if clock[0] < ctx.end:
                events.append(ClientEvent(event_id=ctx.uuid(rng), type=kind, occurred_at=clock[0],
                                          session_id=session_id, **fields))

        surfaces, weights = zip(*SURFACES, strict=True)
        author_to_visit: int | None = None
        for _ in range(1 + (rng.random() < 0.45) + (rng.random() < 0.2)):
            surface = rng.choices(surfaces, weights=weights)[0]
            if author_to_visit is not None and rng.random() < 0.5:
                surface = "profile"
            if surface == "search":
                self.search(ctx, rng, person, emit, clock)
                continue
            count = rng.randint(5, 16)
            if surface == "following":
                shown = self.feeds.following(person, clock[0], count) or self.feeds.for_you(person, clock[0], count,
                                                                                            rng)
            elif surface == "explore":
                shown = self.feeds.explore(person, clock[0], count, rng)
            elif surface == "hashtag":
                shown = self.feeds.hashtag(person, clock[0], count, rng)
            elif surface == "profile" and author_to_visit is not None:
                shown = self.feeds.profile(person, author_to_visit, clock[0], count)
            else:
                shown = self.feeds.for_you(person, clock[0], count, rng)
            self.feeds.remember(person, [i for i, _ in shown])
            for position, (post_index, where) in enumerate(shown):
                clicked_author = self.impression(ctx, rng, person, ctx.world.posts[post_index], where, position, emit,
                                                 clock)
                author_to_visit = clicked_author if clicked_author is not None else author_to_visit
        if events:
            received = min(ctx.end, clock[0] + timedelta(seconds=rng.uniform(1, 30)))
            self.batches.append(ClientBatch(user_id=person.id, events=events, received_at=received))

    def impression(self, ctx: SeedContext, rng: random.Random, person: Person, post: Post, surface: str,
                   position: int, emit, clock: list[datetime]) -> int | None:  # noqa: ANN001
        """One post on screen; returns its author when the person opened it."""
        world = ctx.world
        emit("impression", surface=surface, position=position, post_id=post.id)
        r = relevance(person, post)
        followed = post.author in person.followees
        p_click = BASE_CTR[surface] * r * post.quality * (1.4 if followed else 1.0) / (1 + 0.09 * position)
        if rng.random() >= p_click:
            if rng.random() < 0.004 * r * post.quality:  # a double-tap like straight from the feed
                self.likes.append((post.id, person.id, clock[0], surface))
                post.engagement += 1
            elif r < 0.5 and rng.random() < 0.012:
                kind = "hide" if rng.random() < 0.45 else "not_interested"
                emit(kind, surface=surface, position=position, post_id=post.id)
                if kind == "hide":
                    person.hidden_authors.add(post.author)
            return None
        post.engagement += 0.3
        emit("post_click", surface=surface, position=position, post_id=post.id)
        emit("post_view", surface="post", post_id=post.id, properties={"dwell_ms": int(rng.lognormvariate(9.3, 0.8)),
                                                                       "from": surface})
        if rng.random() < min(0.6, 0.14 * r ** 0.6 * post.quality ** 0.5):
            self.likes.append((post.id, person.id, clock[0], surface))
            post.engagement += 1
        if rng.random() < 0.06 * r:
            self.saves.append((post.id, person.id, clock[0], surface))
            post.engagement += 1.5
        if rng.random() < 0.03 * post.quality:
            self.comments.append((post.id, person.id, CommentCreate(text=rng.choice(COMMENTS)), clock[0]))
            post.engagement += 2
        if rng.random() < 0.018 * post.quality:
            emit("share", surface="post", post_id=post.id, properties={"channel": rng.choice(SHARE_CHANNELS)})
        if post.products and rng.random() < 0.2 * min(r, 2.5):
            product = world.products[rng.choice(post.products)]
            if rng.random() < product.appeal:
                emit("product_tag_click", surface=surface, position=position, post_id=post.id, product_id=product.id)
                emit("product_view", surface="post", post_id=post.id, product_id=product.id)
                self.consider(ctx, rng, person, product.index, clock[0], post.index, surface)
        author = world.people[post.author]
        if not followed and author.id is not None and rng.random() < 0.05 * min(r, 2) * (1 + author.creator) / 2:
            self.follows.append((person, author, clock[0]))
        return post.author

    def search(self, ctx: SeedContext, rng: random.Random, person: Person, emit, clock: list[datetime]) -> None:  # noqa: ANN001
        """Typing a category's name and opening a few results."""
        world = ctx.world
        leaf = rng.choices(range(len(LEAVES)), weights=person.taste)[0]
        live = world.live_products(leaf, clock[0])
        if not live:
            return
        query = rng.choice(LEAVES[leaf].products).split(" ")[0].lower()
        for position, product_index in enumerate(rng.sample(live, k=min(len(live), rng.randint(1, 4)))):
            emit("product_view", surface="search", position=position, product_id=world.products[product_index].id,
                 properties={"query": query})
            self.consider(ctx, rng, person, product_index, clock[0], None, "search", base=0.05)

    def consider(self, ctx: SeedContext, rng: random.Random, person: Person, product_index: int, at: datetime,
                 post: int | None, surface: str, base: float = 0.3) -> None:
        """On the product page: into the cart or not (price and the person's habits decide)."""
        product = ctx.world.products[product_index]
        price_factor = 1.0 if product.price <= person.price_ceiling else 0.3
        if rng.random() < base * (0.3 + 2 * person.buyer) * price_factor * (0.5 + product.quality):
            variant = rng.randrange(len(product.variants))
            ctx.world.cart_intents.append(CartIntent(
                at=at + timedelta(seconds=rng.uniform(5, 60)), person=person.index, product=product_index,
                variant=variant, quantity=1 if rng.random() < 0.85 else 2, post=post,
                surface="post" if post is not None else surface))

    async def flush(self, ctx: SeedContext, day: Day) -> None:
        """Write the day: app uploads in one COPY, then likes, saves, comments and follows in bulk."""
        session = ctx.session
        if self.batches:
            with ctx.at(max(b.received_at for b in self.batches)):
                result = await interactions.append_client_batches(session, batches=self.batches)
            ctx.summary.client_events += result.accepted
            for batch in self.batches:
                for event in batch.events:
                    ctx.summary.events[event.type] += 1
        latest = max((item[2] for item in self.likes + self.saves), default=day.end)
        latest = max([latest, day.end] + [item[3] for item in self.comments])
        with ctx.at(latest):
            for chunk in chunks(_before(self.likes, 2, ctx.end)):
                ctx.summary.likes += await content.like_many(session, likes=chunk)
            for chunk in chunks(_before(self.saves, 2, ctx.end)):
                ctx.summary.saves += await content.save_many(session, saves=chunk)
            for chunk in chunks(_before(self.comments, 3, ctx.end)):
                ctx.summary.comments += len(await content.comment_many(session, comments=chunk))
        await follow_all(ctx, self.follows)
        self.batches, self.likes, self.saves, self.comments, self.follows = [], [], [], [], []


def _before(items: list[tuple], position: int, end: datetime) -> list[tuple]:
    """Items whose time (at POSITION) is inside the window; a session can run past its last second."""
    return [item for item in items if item[position] <= end]
