"""How fast `lakoo seed` builds history, against a bulk load of the same rows in the same run.

    .venv/bin/python -m bench.bench_seed --users 10000 --days 90

Seeds a throwaway database (see bench/stores.py), prints seconds per stage and per commerce step,
rows per second, and the baseline: the interaction log it wrote copied out and back in with plain
`COPY` (what the table can take on this machine right now). `vs COPY` = seeding's interactions per
second ÷ the COPY's rows per second: the share of raw bulk-load speed the seeder keeps while going
through the services and simulating everyone. Compare ratios across runs, not seconds (the machine
is shared).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import time
from pathlib import Path

import psycopg

from bench.stores import BenchStores


def _copy_baseline(db_url: str) -> tuple[int, float]:
    """Copy the interaction log out to memory and into an empty twin table; (rows, seconds)."""
    with psycopg.connect(db_url) as conn:
        conn.execute("CREATE TEMP TABLE copy_twin (LIKE interactions.interaction INCLUDING DEFAULTS)")
        buffer = io.BytesIO()
        started = time.perf_counter()
        with conn.cursor().copy("COPY interactions.interaction TO STDOUT") as copy:
            for chunk in copy:
                buffer.write(chunk)
        buffer.seek(0)
        with conn.cursor().copy("COPY copy_twin FROM STDIN") as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - started
        rows = conn.execute("SELECT count(*) FROM copy_twin").fetchone()[0]
    return rows, seconds


async def _seed(db_url: str, redis_url: str, namespace: str, users: int, days: int, seed: int):  # noqa: ANN202
    from commerce.core.db import Database
    from commerce.core.settings import Settings
    from serving.seed import seed_demo

    settings = Settings(database_url=db_url, redis_url=redis_url, redis_namespace=namespace, _env_file=None)
    database = Database(db_url, pool_size=2)
    last = [0.0]

    def progress(step: str, done: int, total: int, detail: str = "") -> None:
        if time.perf_counter() - last[0] > 10:
            last[0] = time.perf_counter()
            print(f"  day {max(0, done - 1)}/{total - 2} {step}: {detail}", flush=True)

    try:
        return await seed_demo(database, users=users, days=days, seed=seed, settings=settings, progress=progress)
    finally:
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="leave the database behind (its URL is printed)")
    opts = parser.parse_args()
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    stores = BenchStores.open()
    try:
        stores.migrate()
        cpu = time.process_time()
        summary = asyncio.run(_seed(stores.db_url, stores.redis_url, stores.namespace, opts.users, opts.days,
                                    opts.seed))
        cpu = time.process_time() - cpu
        with psycopg.connect(stores.db_url) as conn:
            interactions = conn.execute("SELECT count(*) FROM interactions.interaction").fetchone()[0]
            by_type = dict(conn.execute("SELECT event_type, count(*) FROM interactions.interaction GROUP BY 1 "
                                        "ORDER BY 2 DESC").fetchall())
            size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
        rows, copy_seconds = _copy_baseline(stores.db_url)
        seed_rate = interactions / summary.seconds
        copy_rate = rows / copy_seconds
        result = {
            "users": opts.users, "days": opts.days, "seed": opts.seed, "stores": stores.source,
            "seconds": summary.seconds, "cpu_seconds": round(cpu, 1), "stage_seconds": summary.stage_seconds,
            "step_seconds": summary.step_seconds, "interactions": interactions, "by_type": by_type,
            "orders": summary.orders, "posts": summary.posts, "follows": summary.follows, "database_size": size,
            "interactions_per_s": round(seed_rate), "copy_rows_per_s": round(copy_rate),
            "vs_copy": round(seed_rate / copy_rate, 4), "load_average": os.getloadavg(),
        }
        print(json.dumps(result, indent=2, default=str))
        print(f"\n{opts.users:,} users × {opts.days} days: {summary.seconds:.0f} s ({cpu:.0f} s CPU here), "
              f"{interactions:,} interactions at {seed_rate:,.0f}/s; COPY {copy_rate:,.0f} rows/s; "
              f"vs COPY {seed_rate / copy_rate:.3f}")
        out = Path("bench/results")
        out.mkdir(parents=True, exist_ok=True)
        (out / f"seed-{opts.users}x{opts.days}.json").write_text(json.dumps(result, indent=2, default=str))
        if opts.keep:
            print(f"kept: {stores.db_url}")
            stores.database = ""
    finally:
        for problem in stores.cleanup():
            print(f"warning: {problem}")


if __name__ == "__main__":
    main()
