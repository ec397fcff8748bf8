"""Publishing ranking output to the real Redis: versioned keys, TTLs, an atomic pointer swap."""

from __future__ import annotations

import json
import secrets
import threading
import time
from datetime import UTC, datetime

import numpy as np
import pytest
import redis as redis_lib
from redis.asyncio import Redis as AsyncRedis

from ranking.publish import (
    AsyncRankingReader,
    RankingReader,
    Space,
    TopKLists,
    bucket_of,
    decode_list,
    keys,
    publish,
    version_keys,
)
from ranking.trending import TrendingConfig, TrendingLists

N_USERS, N_ITEMS, K = 600, 300, 40


@pytest.fixture
def store(redis):
    """A binary client and a prefix of its own inside the test run's namespace."""
    client = redis_lib.Redis.from_url(redis.url)
    prefix = f"{redis.namespace}:{secrets.token_hex(3)}"
    yield client, prefix
    stale = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if stale:
        client.delete(*stale)
    client.close()


def lists(marker: float, n_users: int = N_USERS) -> Space:
    """Every score of this generation equals `marker`, so a reader can tell generations apart."""
    rng = np.random.default_rng(int(marker))
    users = np.array([f"user-{i}" for i in range(n_users)], dtype=object)
    items = np.array([f"post-{i}" for i in range(N_ITEMS)], dtype=object)
    cols = np.stack([rng.permutation(N_ITEMS)[:K] for _ in range(n_users)])
    cols[0, K // 2:] = -1  # a short list
    scores = np.full(cols.shape, marker, np.float32)
    trend = TrendingLists(lists={"global": (np.array(["post-3", "post-1", "fresh-post"]), np.array([9.0, 5.0, 1.0])),
                                 "tag:ootd": (np.array(["post-1"]), np.array([2.5]))},
                          computed_at=datetime.now(UTC), config=TrendingConfig())
    similar = TopKLists(keys=items, cols=np.tile(np.arange(5), (N_ITEMS, 1)), scores=np.ones((N_ITEMS, 5)),
                        item_ids=items)
    return Space("post", candidates=TopKLists(users, cols, scores, items), similar=similar, trending=trend)


async def test_a_published_version_reads_back(store):
    client, prefix = store
    space = lists(1.0)
    result = publish(client, prefix, [space], meta={"model_id": "post-x"})
    assert result.swapped and result.version == 1 and result.previous is None and result.users == {"post": N_USERS}
    reader = RankingReader(client, prefix)
    assert reader.version() == 1 and reader.manifest()["model_id"] == "post-x"
    got = reader.candidates("user-5")
    expected = [f"post-{c}" for c in space.candidates.cols[5]]
    assert [i for i, _ in got] == expected and {s for _, s in got} == {1.0}
    assert len(reader.candidates("user-0")) == K // 2
    assert reader.candidates("user-5", k=3) == got[:3]
    assert reader.candidates("stranger") is None
    assert [i for i, _ in reader.trending()] == ["post-3", "post-1", "fresh-post"]
    assert reader.trending("tag:ootd") == [("post-1", 2.5)] and reader.trending("tag:none") == []
    assert [i for i, _ in reader.similar("post-7")] == [f"post-{c}" for c in range(5)]
    assert reader.candidates("user-5", space="product") is None
    buckets = reader.manifest()["spaces"]["post"]["buckets"]
    ttl = client.ttl(keys.candidates(prefix, 1, "post", bucket_of("user-5", buckets)))
    assert 6 * 86_400 < ttl <= 7 * 86_400
    assert client.ttl(keys.current(prefix)) == -1  # the pointer itself never expires


async def test_the_async_reader_reads_the_same(store):
    client, prefix = store
    publish(client, prefix, [lists(1.0)])
    async_client = AsyncRedis.from_url(_url(client))
    try:
        reader = AsyncRankingReader(async_client, prefix)
        sync = RankingReader(client, prefix)
        assert await reader.version() == 1
        assert await reader.candidates("user-9") == sync.candidates("user-9")
        assert await reader.trending("global", k=2) == sync.trending("global", k=2)
        assert await reader.similar("post-1") == sync.similar("post-1")
        assert await reader.candidates("stranger") is None
    finally:
        await async_client.aclose()


def _url(client: redis_lib.Redis) -> str:
    kw = client.connection_pool.connection_kwargs
    return f"redis://{kw.get('host', '127.0.0.1')}:{kw.get('port', 6379)}/{kw.get('db', 0)}"


async def test_the_old_version_expires_after_the_swap(store):
    client, prefix = store
    publish(client, prefix, [lists(1.0)], ttl_s=3_600, old_version_ttl_s=30)
    first_keys = version_keys(prefix, 1, json.loads(client.get(keys.manifest(prefix, 1))))
    second = publish(client, prefix, [lists(2.0)], ttl_s=3_600, old_version_ttl_s=30)
    assert second.previous == 1 and second.swapped
    ttls = [client.ttl(k) for k in first_keys if client.exists(k)]
    assert ttls and all(0 < t <= 30 for t in ttls)
    assert client.ttl(keys.manifest(prefix, 2)) > 3_000
    assert RankingReader(client, prefix).candidates("user-1")[0][1] == 2.0


async def test_an_older_run_never_replaces_a_newer_version(store):
    client, prefix = store
    publish(client, prefix, [lists(1.0)])
    client.set(keys.current(prefix), "99")  # a newer run got there first
    late = publish(client, prefix, [lists(2.0)], old_version_ttl_s=20)
    assert not late.swapped and late.previous == 99
    assert client.get(keys.current(prefix)) == b"99"
    assert 0 < client.ttl(keys.manifest(prefix, late.version)) <= 20


async def test_a_reader_during_publishing_only_ever_sees_complete_versions(store):
    client, prefix = store
    publish(client, prefix, [lists(1.0)], meta={"marker": 1})
    sample = [f"user-{i}" for i in range(1, N_USERS, 23)]
    seen: list[int] = []
    problems: list[str] = []
    stop = threading.Event()

    def read() -> None:
        reader_client = redis_lib.Redis.from_url(_url(client))
        reader = RankingReader(reader_client, prefix, pointer_cache_s=0.0)
        while not stop.is_set():
            version = reader.version()
            manifest = reader.manifest(version)
            if manifest is None:
                problems.append(f"v{version}: no manifest")
                continue
            markers = set()
            for user in sample:
                got = reader.candidates(user, version=version)
                if got is None or len(got) != K:
                    problems.append(f"v{version}: {user} has {None if got is None else len(got)} candidates")
                else:
                    markers |= {s for _, s in got}
            if len(markers) > 1 or markers != {float(manifest["marker"])}:
                problems.append(f"v{version}: mixed generations {markers}")
            seen.append(version)
        reader_client.close()

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for generation in range(2, 7):
            publish(client, prefix, [lists(float(generation))], meta={"marker": generation}, batch=16)
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not problems, problems[:5]
    assert len(set(seen)) >= 2, "the reader should have observed several versions"
    assert seen == sorted(seen)


def test_packed_values_in_redis_decode_to_what_was_published(redis):
    client = redis_lib.Redis.from_url(redis.url)
    prefix = f"{redis.namespace}:{secrets.token_hex(3)}"
    try:
        space = lists(3.0, n_users=10)
        result = publish(client, prefix, [space])
        manifest = RankingReader(client, prefix).manifest()
        raw = client.hget(keys.candidates(prefix, result.version, "post",
                                          bucket_of("user-4", manifest["spaces"]["post"]["buckets"])), "user-4")
        idx, scores = decode_list(raw)
        assert idx.tolist() == space.candidates.cols[4].tolist() and set(scores.tolist()) == {3.0}
    finally:
        stale = list(client.scan_iter(match=f"{prefix}:*"))
        if stale:
            client.delete(*stale)
        client.close()


async def test_a_retrain_published_end_to_end_reads_back_per_user(store, tmp_path):
    from ranking.registry import ModelRegistry
    from ranking.synthetic import synthetic_platform
    from ranking.trending import trending
    from ranking.workflow import RetrainConfig, retrain

    client, prefix = store
    platform = synthetic_platform(n_users=200, n_posts=300, n_events=8_000, seed=4)
    result = retrain(platform.events, registry=ModelRegistry(tmp_path),
                     config=RetrainConfig(params={"factors": 8, "iterations": 4, "num_threads": 1}, candidates_k=30,
                                          similar_k=5))
    trend = trending(platform.events, now=platform.now, item_hashtags=platform.posts.select("post_id", "hashtags"),
                     item_category=platform.posts.select("post_id", "category"), config=TrendingConfig(min_users=2))
    published = publish(client, prefix, [result.space(trend)], meta={"models": {"post": result.serving.id}})
    reader = AsyncRankingReader(AsyncRedis.from_url(_url(client)), prefix)
    try:
        manifest_version = await reader.version()
        assert manifest_version == published.version
        user = result.candidates.keys[7]
        got = await reader.candidates(user)
        cols = result.candidates.cols[7]
        assert [i for i, _ in got] == result.candidates.item_ids[cols[cols >= 0]].tolist()
        assert (await reader.trending("global"))[0][0] == trend["global"][0][0]
        category = next(n for n in trend.names() if n.startswith("cat:"))
        assert [i for i, _ in await reader.trending(category)] == trend[category][0].tolist()
        post = result.similar.keys[0]
        assert len(await reader.similar(post)) == 5
    finally:
        await reader.client.aclose()
