"""Content stage: creators post in their niche several times a week, everyone else now and then;
posts tag live products that fit the picture and carry the niche's hashtags — all through
`content.create_post`, so hashtags, counters and `post.created` (the feed fan-out) are the real ones."""

from __future__ import annotations

import random
from datetime import datetime

from commerce.content import service as content
from commerce.content.schemas import ImageIn, PostCreate, ProductTagIn
from serving.seed.catalog import image
from serving.seed.core import Day, SeedContext, Stage, chunks, poisson
from serving.seed.vocab import CAPTIONS, GENERAL_HASHTAGS, LEAVES
from serving.seed.world import Person, Post

CREATOR_POSTS_PER_DAY = 0.11  # × the creator's score (1 to 6)
CASUAL_POSTS_PER_DAY = 0.006
SHOP_POSTS_PER_DAY = 0.08  # sellers show off their own products
TAGGED_SHARE = 0.8
OWN_PRODUCTS = 0.75  # a seller's post tags their own products


class ContentStage(Stage):
    name = "content"

    def detail(self, ctx: SeedContext) -> str:
        return f"{ctx.summary.posts:,} posts"

    async def setup(self, ctx: SeedContext) -> None:
        ctx.world.posts_by_leaf = [[] for _ in LEAVES]

    async def day(self, ctx: SeedContext, day: Day) -> None:
        rng = ctx.rng(self.name)
        world = ctx.world
        registered = [world.people[i] for i in world.registered]
        planned: list[tuple[datetime, Person]] = []
        for person in registered:
            if person.creator:
                for _ in range(poisson(rng, person.creator * CREATOR_POSTS_PER_DAY)):
                    planned.append((ctx.local_time(day, rng), person))
        for _ in range(poisson(rng, len(registered) * CASUAL_POSTS_PER_DAY)):
            planned.append((ctx.local_time(day, rng), rng.choice(registered)))
        for shop in world.shops:
            if shop.products:
                for _ in range(poisson(rng, SHOP_POSTS_PER_DAY)):
                    planned.append((ctx.local_time(day, rng), world.people[shop.person]))
        planned = sorted(((at, p) for at, p in planned if at is not None and at > p.registered_at),
                         key=lambda item: (item[0], item[1].index))
        drafts = [self.draft(ctx, rng, author, at) for at, author in planned]
        if not drafts:
            return
        items = [(author.id, data, at) for (at, author), (data, _) in zip(planned, drafts, strict=True)]
        ids = []
        with ctx.at(planned[-1][0]):
            for chunk in chunks(items):
                ids += await content.create_posts(ctx.session, posts=chunk)
        for post_id, (_, author), (_, post) in zip(ids, planned, drafts, strict=True):
            post.id = post_id
            self.remember(ctx, author, post)

    def draft(self, ctx: SeedContext, rng: random.Random, author: Person, at: datetime) -> tuple[PostCreate, Post]:
        """What AUTHOR posts at AT: a niche from their taste, live products of it, its hashtags."""
        world = ctx.world
        own = [p for p in world.shops[author.shop].products if world.products[p].live_at <= at] \
            if author.shop is not None else []
        tagged: list[int] = []
        if own and rng.random() < OWN_PRODUCTS:
            tagged = rng.sample(own, k=min(len(own), rng.choice((1, 1, 2))))
            leaf_index = world.products[tagged[0]].leaf
        else:
            leaf_index = rng.choices(range(len(LEAVES)), weights=author.taste)[0]
            live = world.live_products(leaf_index, at)
            if live and rng.random() < TAGGED_SHARE:
                tagged = rng.sample(live, k=min(len(live), rng.choice((1, 1, 1, 2, 2, 3))))
        leaf = LEAVES[leaf_index]
        hashtags = rng.sample(leaf.hashtags, k=rng.randint(1, min(3, len(leaf.hashtags))))
        if rng.random() < 0.5:
            hashtags.append(rng.choice(GENERAL_HASHTAGS))
        thing = world.products[tagged[0]].name.split(" ", 1)[-1] if tagged else leaf.name.lower()
        text = f"{rng.choice(CAPTIONS).format(thing=thing)} " + " ".join(f"#{t}" for t in hashtags)
        images = [ImageIn(**image(rng, "post")) for _ in range(rng.randint(1, 5))]
        tags = [ProductTagIn(product_id=world.products[p].id, image_index=0, x=round(rng.uniform(0.1, 0.9), 2),
                             y=round(rng.uniform(0.1, 0.9), 2)) for p in tagged]
        quality = rng.lognormvariate(0, 0.45) * (1 + 0.12 * author.creator)
        post = Post(index=-1, id=None, author=author.index, created_at=at, leaf=leaf_index, products=tagged,
                    hashtags=hashtags, quality=quality)
        return PostCreate(text=text, images=images, product_tags=tags), post

    @staticmethod
    def remember(ctx: SeedContext, author: Person, post: Post) -> None:
        world = ctx.world
        post.index = len(world.posts)
        world.posts.append(post)
        world.post_times.append(post.created_at)
        world.posts_by_leaf[post.leaf].append(post.index)
        for tag in post.hashtags:
            world.posts_by_hashtag.setdefault(tag, []).append(post.index)
        author.posts.append(post.index)
        ctx.summary.posts += 1
