"""The for-you feed under load: `python -m bench.bench_foryou [--users 3000] [--posts 3000] [--duration S]`.

Set-up, not timed: 200 authors and `--posts` posts written through the content service (a share of
them tagging products, some of which are sold out), every card rendered into the card cache, the
fresh set filled, and a ranking version with `--users` users × 500 candidates plus a trending list
published with ranking.publish, exactly as the retrain flow publishes; a tenth of the users have
blocked authors and liked posts. Each user gets an access token signed with the server's key.

Then `GET /api/feed/for-you?limit=20` — 20 hydrated cards with auth, every filter, fresh blending
and impression logging — against `/_bench/bare` on the same server in the same run, rotating through
the users' tokens (one user scrolling alone would empty their list: the seen-filter never serves a
post twice). Goal: ≥ 0.4× bare with p99 ≤ 50 ms at 64 connections on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import redis as redis_sync
from rich.console import Console
from sqlalchemy import text

from bench.bench_social import make_users
from bench.harness import BenchServer, Options, Scenario, measure, report
from commerce.auth.tokens import issue_access_token
from commerce.catalog import service as catalog
from commerce.catalog.schemas import CategoryCreate, ImageIn, ProductCreate, VariantCreate
from commerce.content import service as content
from commerce.content.schemas import ImageIn as PostImage
from commerce.content.schemas import PostCreate, ProductTagIn
from commerce.core.db import Database
from commerce.core.redis import RedisStore
from commerce.feed import cards, signals
from ranking.publish import Space, TopKLists, publish
from ranking.trending import TrendingConfig, TrendingLists

console = Console()
CANDIDATES = 500


async def _catalog(db: Database, rng: random.Random, count: int = 30) -> list[uuid.UUID]:
    async with db.session() as session:
        category = await catalog.create_category(session, data=CategoryCreate(name="Bench"))
        ids = []
        for n in range(count):
            product = await catalog.create_product(session, data=ProductCreate(
                name=f"Produk Bench {n}", description="Produk untuk benchmark", category_id=category.id,
                variants=[VariantCreate(sku=f"BENCH-{n}", attributes={"size": "M"}, price=rng.randrange(25, 900) * 1000,
                                        weight_grams=500)],
                images=[ImageIn(url=f"https://img.lakoo.id/product/{n}.jpg", width=1080, height=1080)]))
            await catalog.submit_product(session, product_id=product.id)
            await catalog.approve_product(session, product_id=product.id)
            ids.append(product.id)
        # A few sold out: posts tagging only those must never be served.
        await session.execute(text("UPDATE catalog.product_variant SET available_qty = 0 WHERE product_id = ANY(:p)"),
                              {"p": ids[:4]})
        await session.execute(text("UPDATE catalog.product_variant SET available_qty = 50 WHERE NOT "
                                   "product_id = ANY(:p)"), {"p": ids[:4]})
        await session.commit()
    return ids


async def setup(server: BenchServer, *, users: int, posts: int, seed: int = 7) -> list[uuid.UUID]:
    rng = random.Random(seed)
    db = Database(server.stores.db_url, pool_size=2)
    store = RedisStore(server.stores.redis_url, server.stores.namespace)
    try:
        products = await _catalog(db, rng)
        authors = make_users(server.stores.db_url, 200)
        start = datetime.now(UTC) - timedelta(days=3)
        post_ids: list[uuid.UUID] = []
        async with db.session() as session:
            for chunk in range(0, posts, 500):
                batch = []
                for n in range(chunk, min(posts, chunk + 500)):
                    tags = rng.sample(products, k=rng.choice([0, 0, 1, 2])) if rng.random() < 0.6 else []
                    batch.append((rng.choice(authors), PostCreate(
                        text=f"Racun minggu ini #ootd #bench{n % 20}",
                        images=[PostImage(url=f"https://img.lakoo.id/post/{n}-{i}.jpg", width=1080, height=1350)
                                for i in range(rng.randint(1, 3))],
                        product_tags=[ProductTagIn(product_id=p, image_index=0, x=0.5, y=0.5) for p in tags]),
                        start + timedelta(seconds=n * 60)))
                post_ids += await content.create_posts(session, posts=batch)
            for chunk in range(0, len(post_ids), 200):
                await cards.render(session, store, post_ids[chunk:chunk + 200])
            await signals.refresh_soldout(session, store)
        for post_id in post_ids[-300:]:
            await signals.add_fresh(store, post_id=post_id, created_at=datetime.now(UTC))
        viewers = [uuid.uuid4() for _ in range(users)]
        for viewer in rng.sample(viewers, k=users // 10):
            await store.client.sadd(signals.hidden_key(store, viewer), *(a.hex for a in rng.sample(authors, 3)))
            await store.client.sadd(signals.engaged_key(store, viewer), *(p.hex for p in rng.sample(post_ids, 20)))
    finally:
        await db.dispose()
        await store.close()

    items = np.array([str(p) for p in post_ids], dtype=object)
    np_rng = np.random.default_rng(seed)
    cols = np.stack([np_rng.choice(len(items), size=min(CANDIDATES, len(items)), replace=False) for _ in viewers])
    scores = np.sort(np_rng.random(cols.shape, dtype=np.float32), axis=1)[:, ::-1]
    trending = TrendingLists(lists={"global": (items[:500], np.arange(500, 0, -1, dtype=np.float32))},
                             computed_at=datetime.now(UTC), config=TrendingConfig())
    client = redis_sync.Redis.from_url(server.stores.redis_url)
    try:
        published = publish(client, server.stores.namespace, [Space(
            name="post", candidates=TopKLists(keys=np.array([str(v) for v in viewers], dtype=object), cols=cols,
                                              scores=scores, item_ids=items), trending=trending)])
    finally:
        client.close()
    console.print(f"set-up: {len(post_ids):,} posts with cards, ranking v{published.version} for {users:,} users "
                  f"({published.payload_bytes / 1e6:.1f} MB)")
    return viewers


def tokens_for(viewers: list[uuid.UUID], secret: str) -> list[str]:
    now = datetime.now(UTC)
    return [issue_access_token(secret=secret, user_id=v, roles=["buyer"], now=now, ttl_s=3600, issuer="lakoo",
                               audience="lakoo-api")[0] for v in viewers]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    args = parser.parse_args()
    opts = Options(duration=args.duration, connections=args.connections, workers=args.workers, loadgen=args.loadgen)
    secret = secrets.token_urlsafe(48)
    started = time.perf_counter()
    with BenchServer(workers=opts.workers, extra_env={"LAKOO_JWT_SECRET": secret}) as server:
        viewers = asyncio.run(setup(server, users=args.users, posts=args.posts))
        console.print(f"set-up took {time.perf_counter() - started:.0f}s")
        scenario = Scenario("feed/for-you (20 cards)", "/api/feed/for-you?limit=20",
                            tokens=tuple(tokens_for(viewers, secret)))
        rows = measure(server, [scenario], opts)
    report("foryou", rows, opts, server)
    feed = next(r for r in rows if r.name.startswith("feed/"))
    verdict = "met" if feed.ratio and feed.ratio >= 0.4 and feed.p99_ms <= 50 else "NOT met"
    console.print(f"for-you: {feed.ratio:.2f}× bare, p99 {feed.p99_ms:.1f} ms — goal (≥ 0.4×, p99 ≤ 50 ms) {verdict}")


if __name__ == "__main__":
    main()
