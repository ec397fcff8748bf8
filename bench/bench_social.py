"""Social hot paths: `python -m bench.bench_social [--duration S] [--connections C] [--followers N]`.

1. Fan-out of one post to N followers (default 10,000): wall time of `feed.fan_out` (keyset reads
   of the follow graph + pipelined ZADDs), against a baseline of the bare pipelined ZADDs for the
   same N timelines with no Postgres in the loop; and Redis memory per timeline entry.
2. `GET /api/feed/following` (20 hydrated cards) under load, against the bare endpoint on the same
   server in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
from rich.console import Console
from rich.table import Table

from bench.bench_auth import access_token
from bench.harness import BenchServer, Options, Scenario, measure, report
from bench.stores import BenchStores

console = Console()


def _copy(conn: psycopg.Connection, table: str, columns: str, rows: list[tuple]) -> None:
    buffer = io.StringIO("".join("\t".join(str(v) for v in row) + "\n" for row in rows))
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        copy.write(buffer.read())


def make_users(db_url: str, count: int) -> list[uuid.UUID]:
    """Bulk users straight into the tables (COPY): registering 10k accounts over the API would
    spend minutes in argon2 and measure nothing of interest here."""
    now = datetime.now(UTC).isoformat()
    ids = [uuid.uuid4() for _ in range(count)]
    with psycopg.connect(db_url) as conn:
        _copy(conn, "auth.account", "id, email, password_hash, status, created_at",
              [(i, f"u{i.hex}@example.com", "x", "active", now) for i in ids])
        _copy(conn, "users.user_profile", "id, username, display_name, bio, created_at, updated_at",
              [(i, f"u{i.hex[:20]}", "bench", "", now, now) for i in ids])
    return ids


def make_follows(db_url: str, pairs: list[tuple[uuid.UUID, uuid.UUID]]) -> None:
    start = datetime.now(UTC) - timedelta(days=30)
    with psycopg.connect(db_url) as conn:
        _copy(conn, "social.follow", "follower_id, followee_id, created_at",
              [(a, b, (start + timedelta(seconds=n)).isoformat()) for n, (a, b) in enumerate(pairs)])
        conn.execute("""UPDATE users.user_profile p SET followers_count = c.n FROM
                        (SELECT followee_id, count(*) n FROM social.follow GROUP BY followee_id) c
                        WHERE p.id = c.followee_id""")
        conn.execute("""UPDATE users.user_profile p SET following_count = c.n FROM
                        (SELECT follower_id, count(*) n FROM social.follow GROUP BY follower_id) c
                        WHERE p.id = c.follower_id""")


async def fanout_figures(stores: BenchStores, followers: int, repeats: int = 5) -> dict[str, float]:
    from commerce.core.db import Database
    from commerce.core.redis import RedisStore
    from commerce.feed import service as feed
    from commerce.feed import timelines

    ids = make_users(stores.db_url, followers + 1)
    author, fans = ids[0], ids[1:]
    make_follows(stores.db_url, [(fan, author) for fan in fans])
    db = Database(stores.db_url, pool_size=2)
    redis = RedisStore(stores.redis_url, stores.namespace)
    config = feed.FeedConfig(fanout_threshold=followers + 1)
    try:
        info_before = await redis.client.info("memory")
        fanout_s, bare_s = [], []
        for r in range(repeats):
            post_id = uuid.uuid4()
            started = time.perf_counter()
            async with db.session() as session:
                pushed = await feed.fan_out(session, redis, config, post_id=post_id, author_id=author,
                                            created_at=datetime.now(UTC))
            fanout_s.append(time.perf_counter() - started)
            assert pushed == followers
            started = time.perf_counter()
            for i in range(0, followers, 1000):  # same batches, no Postgres
                await timelines.push(redis, user_ids=fans[i:i + 1000], post_id=uuid.uuid4(), score_ms=r)
            bare_s.append(time.perf_counter() - started)
        info_after = await redis.client.info("memory")
        entries = followers * repeats * 2
        sample = timelines.timeline_key(redis, fans[0])
        per_key = await redis.client.memory_usage(sample)
        return {
            "followers": followers,
            "fanout_ms_median": statistics.median(fanout_s) * 1000,
            "bare_zadd_ms_median": statistics.median(bare_s) * 1000,
            "ratio_vs_bare": statistics.median(fanout_s) / statistics.median(bare_s),
            "bytes_per_entry_used_memory": (info_after["used_memory"] - info_before["used_memory"]) / entries,
            "bytes_per_key_memory_usage": per_key / (repeats * 2),
        }
    finally:
        await redis.close()
        await db.dispose()


async def feed_fixture(base_url: str, stores: BenchStores, authors: int = 50, posts_each: int = 20) -> str:
    """A viewer following AUTHORS people with POSTS_EACH posts each (tagging nothing), fanned out."""
    import httpx

    from commerce.content import service as content
    from commerce.content.schemas import PostCreate
    from commerce.core.db import Database
    from commerce.core.redis import RedisStore
    from commerce.feed import service as feed

    creds = {"email": "viewer@example.com", "password": "viewer-password"}
    async with httpx.AsyncClient(timeout=30) as http:
        resp = await http.post(f"{base_url}/api/auth/register", json={**creds, "username": "viewer"})
    resp.raise_for_status()
    viewer = uuid.UUID(resp.json()["id"])
    author_ids = make_users(stores.db_url, authors)
    make_follows(stores.db_url, [(viewer, a) for a in author_ids])
    db = Database(stores.db_url, pool_size=2)
    redis = RedisStore(stores.redis_url, stores.namespace)
    try:
        for author in author_ids:
            for n in range(posts_each):
                async with db.session() as session:
                    card = await content.create_post(session, author_id=author, data=PostCreate.model_validate({
                        "text": f"post {n} #bench", "images": [
                            {"url": "https://img.example.com/a.jpg", "width": 1080, "height": 1350}]}))
                    await feed.fan_out(session, redis, feed.FeedConfig(), post_id=card.id, author_id=author,
                                       created_at=card.created_at)
    finally:
        await redis.close()
        await db.dispose()
    return access_token(base_url, creds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    args = parser.parse_args()
    opts = Options(duration=args.duration, connections=args.connections, workers=args.workers, loadgen=args.loadgen)

    stores = BenchStores.open()
    try:
        stores.migrate()
        figures = asyncio.run(fanout_figures(stores, args.followers))
    finally:
        stores.cleanup()
    table = Table("fan-out of one post", "value", title=f"fan-out to {args.followers:,} followers")
    for key, value in figures.items():
        table.add_row(key, f"{value:,.2f}" if isinstance(value, float) else f"{value:,}")
    console.print(table)

    with BenchServer(workers=opts.workers) as server:
        token = asyncio.run(feed_fixture(server.base_url, server.stores))
        scenarios = [Scenario("feed/following (20 cards)", "/api/feed/following?limit=20",
                              headers={"Authorization": f"Bearer {token}"})]
        rows = measure(server, scenarios, opts)
    path = report("social", rows, opts, server)
    console.print(f"fan-out figures: {figures}\nload figures: {path}")


if __name__ == "__main__":
    main()
