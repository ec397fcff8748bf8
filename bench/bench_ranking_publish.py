"""Publishing 100k users × 500 candidates to Redis: seconds and bytes per user.

    python -m bench.bench_ranking_publish [--users 100000] [--k 500] [--items 100000]

Uses LAKOO_REDIS_URL, else the machine's Redis at 127.0.0.1:6379, under a unique prefix that is
deleted afterwards (also on failure). Baselines measured in the same run:
- seconds: pipelined plain SETs of the same packed bytes under one key per user — the raw write
  cost of the payload, without buckets, TTL bookkeeping, manifest or pointer swap;
- bytes: the same candidates as one sorted set per user (UUID members, float scores), the obvious
  encoding, measured on a sample of users and scaled per user.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
import uuid
from datetime import UTC, datetime

import numpy as np
import redis
from rich.table import Table

from bench.ranking_common import console, write_results
from ranking.publish import RankingReader, Space, TopKLists, encode_lists, publish, version_keys
from ranking.trending import TrendingConfig, TrendingLists

LOCAL_REDIS = "redis://127.0.0.1:6379/0"


def memory_of(client: redis.Redis, keys: list[str]) -> int:
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.memory_usage(key, samples=0)
    return sum(v or 0 for v in pipe.execute())


def delete_prefix(client: redis.Redis, prefix: str) -> int:
    gone = 0
    batch: list[bytes] = []
    for key in client.scan_iter(match=f"{prefix}:*", count=5000):
        batch.append(key)
        if len(batch) >= 5000:
            gone += client.unlink(*batch)
            batch = []
    if batch:
        gone += client.unlink(*batch)
    return gone


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--k", type=int, default=500)
    parser.add_argument("--items", type=int, default=100_000, help="catalogue size (≥ 65,536 → 4-byte indices)")
    parser.add_argument("--zset-sample", type=int, default=2_000, help="users stored as sorted sets for bytes")
    args = parser.parse_args(argv)
    url = os.environ.get("LAKOO_REDIS_URL") or LOCAL_REDIS
    client = redis.Redis.from_url(url)
    client.ping()
    prefix = f"bench{secrets.token_hex(4)}"
    rng = np.random.default_rng(0)
    with console.status("generating candidate lists"):
        users = np.array([str(uuid.UUID(int=int(x), version=4)) for x in rng.integers(0, 2**62, args.users)],
                         dtype=object)
        items = np.array([str(uuid.UUID(int=int(x), version=4)) for x in rng.integers(0, 2**62, args.items)],
                         dtype=object)
        cols = rng.integers(0, args.items, size=(args.users, args.k))
        scores = np.sort(rng.random((args.users, args.k), dtype=np.float32), axis=1)[:, ::-1].copy()
        trend = TrendingLists(lists={"global": (items[:500], np.linspace(9, 1, 500, dtype=np.float32))},
                              computed_at=datetime.now(UTC), config=TrendingConfig())
        space = Space("post", candidates=TopKLists(users, cols, scores, items), trending=trend)
    try:
        with console.status(f"publishing {args.users:,} users × {args.k} candidates") as status:
            result = publish(client, prefix, [space],
                             on_progress=lambda done, total: status.update(f"publishing: {done:,}/{total:,} users"))
        manifest_keys = version_keys(prefix, result.version,
                                     RankingReader(client, prefix).manifest(result.version))
        used = memory_of(client, manifest_keys)
        per_user = used / args.users
        reader = RankingReader(client, prefix)
        t0 = time.perf_counter()
        probes = rng.choice(args.users, 2_000, replace=False)
        for i in probes:
            assert reader.candidates(users[i]) is not None
        read_ms = (time.perf_counter() - t0) / probes.size * 1000

        with console.status("baseline: plain pipelined SETs of the same bytes"):
            packed = encode_lists(cols, scores, n_items=args.items)
            t0 = time.perf_counter()
            pipe = client.pipeline(transaction=False)
            for i, value in enumerate(packed):
                pipe.set(f"{prefix}:bare:{i}", value)
                if len(pipe) >= 1_000:
                    pipe.execute()
            pipe.execute()
            bare_s = time.perf_counter() - t0
            delete_prefix(client, f"{prefix}:bare")

        with console.status(f"baseline: {args.zset_sample:,} users as sorted sets"):
            pipe = client.pipeline(transaction=False)
            zkeys = []
            for i in range(args.zset_sample):
                key = f"{prefix}:zset:{i}"
                zkeys.append(key)
                pipe.zadd(key, {items[c]: float(s) for c, s in zip(cols[i], scores[i], strict=True)})
                if len(pipe) >= 200:
                    pipe.execute()
            pipe.execute()
            zset_per_user = memory_of(client, zkeys) / args.zset_sample
    finally:
        removed = delete_prefix(client, prefix)
        client.close()

    table = Table(title=f"publishing {args.users:,} users × {args.k} candidates ({args.items:,}-item catalogue), "
                        f"Redis {url.rsplit('@', 1)[-1]}")
    for column in ("what", "value", "ratio"):
        table.add_column(column, justify="left" if column == "what" else "right")
    table.add_row("publish (pipelined, versioned, TTLs, pointer swap)", f"{result.seconds:.2f} s",
                  f"{result.seconds / bare_s:.2f}× bare SETs")
    table.add_row("bare pipelined SET of the same packed bytes", f"{bare_s:.2f} s", "1.00")
    table.add_row("users per second", f"{args.users / result.seconds:,.0f}", "")
    table.add_row("Redis memory per user (packed, hash buckets)", f"{per_user:,.0f} B",
                  f"{per_user / zset_per_user:.2f}× sorted set")
    table.add_row("Redis memory per user as a sorted set of UUIDs", f"{zset_per_user:,.0f} B", "1.00")
    table.add_row("payload bytes per user", f"{result.payload_bytes / args.users:,.0f} B", "")
    table.add_row("whole version in Redis", f"{used / 2**20:,.0f} MiB", "")
    table.add_row("read one user's list (sync client, after warm-up)", f"{read_ms:.3f} ms", "")
    console.print(table)
    console.print(f"cleaned up {removed:,} keys under {prefix}:*")
    path = write_results("ranking_publish", {
        "users": args.users, "k": args.k, "items": args.items, "publish_s": result.seconds, "bare_set_s": bare_s,
        "ratio_vs_bare": result.seconds / bare_s, "bytes_per_user": per_user, "zset_bytes_per_user": zset_per_user,
        "bytes_ratio_vs_zset": per_user / zset_per_user, "payload_bytes": result.payload_bytes,
        "version_bytes": used, "read_ms": read_ms, "keys_written": result.keys_written,
    })
    console.print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
