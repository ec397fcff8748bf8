"""The platform retrain's pure parts: features known at a moment (nothing from after it), CF inputs,
re-ranking the head of each list, cold start from follows, and the whole run on synthetic data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from ranking.datasets import build_interactions
from ranking.features import Snapshot, cf_inputs, raw_inputs
from ranking.foryou import ForYouConfig, PlatformData, _train_reranker, rerank, train_for_you
from ranking.models.factorization import ALS
from ranking.publish import TopKLists
from ranking.registry import ModelRegistry
from ranking.reranker import RAW_INPUTS
from ranking.synthetic import logged_impressions
from ranking.workflow import RetrainConfig

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


EVENT_SCHEMA = {"user_id": pl.Utf8, "post_id": pl.Utf8, "product_id": pl.Utf8, "event_type": pl.Utf8,
                "occurred_at": pl.Datetime("us", "UTC")}


def _events(rows: list[tuple]) -> pl.DataFrame:
    """(user, post, product, type, hours before NOW) rows."""
    return pl.DataFrame([{"user_id": u, "post_id": p, "product_id": pr, "event_type": t,
                          "occurred_at": NOW - timedelta(hours=h)} for u, p, pr, t, h in rows], schema=EVENT_SCHEMA)


@pytest.fixture
def small() -> dict:
    events = _events([
        ("ayu", "p1", None, "impression", 30), ("ayu", "p1", None, "like", 29), ("budi", "p1", None, "impression", 20),
        ("budi", "p1", None, "post_click", 19), ("citra", "p1", None, "save", 10), ("ayu", "p2", None, "impression", 5),
        ("budi", "p2", "sku1", "product_tag_click", 4), ("citra", "p2", "sku1", "purchase", 3),
        ("ayu", "p1", None, "like", -1),  # after the snapshot: never counted
    ])
    posts = pl.DataFrame({"post_id": ["p1", "p2", "p3"], "author_id": ["dewi", "dewi", "eko"],
                          "created_at": [NOW - timedelta(hours=48), NOW - timedelta(hours=6),
                                         NOW + timedelta(hours=2)]})
    products = pl.DataFrame({"post_id": ["p2", "p2"], "product_id": ["sku1", "sku2"], "price": [150_000, 90_000]})
    follows = pl.DataFrame({"follower_id": ["ayu"], "followee_id": ["eko"], "created_at": [NOW - timedelta(days=1)]})
    hashtags = pl.DataFrame({"post_id": ["p1", "p2", "p3"], "hashtags": [["OOTD"], ["batik", "ootd"], ["kopi"]]})
    category = pl.DataFrame({"post_id": ["p2", "p2"], "category": ["sepatu", "fashion"]})
    return {"events": events, "posts": posts, "post_products": products, "follows": follows,
            "post_hashtags": hashtags, "post_category": category}


def test_a_snapshot_knows_only_what_happened_before_it(small):
    snap = Snapshot.build(as_of=NOW, **small)
    pairs = pl.DataFrame({"user_id": ["ayu", "ayu", "budi", "zed"], "post_id": ["p1", "p2", "p3", "p1"],
                          "at": [NOW, NOW, NOW + timedelta(hours=3), NOW]})
    out = raw_inputs(pairs, snap)
    assert out["user_id"].to_list() == ["ayu", "ayu", "budi", "zed"]  # the pairs' order
    assert set(RAW_INPUTS) <= set(out.columns)
    p1, p2, p3, unknown = out.iter_rows(named=True)
    assert p1["item_impressions"] == 2 and p1["item_engagements"] == 3  # the like after NOW is not there
    assert p1["age_hours"] == pytest.approx(48) and p3["age_hours"] == pytest.approx(1)  # age when shown
    assert p2["tagged_price"] == 90_000 and p2["tagged_clicks"] == 1 and p2["tagged_purchases"] == 1
    assert p1["tagged_price"] is None  # tags no product
    assert p3["follows_author"] is None and out.filter(pl.col("post_id") == "p3")["author_id"].to_list() == ["eko"]
    # ayu follows eko: the follow reaches the affinity and the feature for eko's posts.
    follows = raw_inputs(pl.DataFrame({"user_id": ["ayu"], "post_id": ["p3"]}), snap)
    assert follows["follows_author"].to_list() == [1.0] and follows["author_affinity"][0] > 0
    # Taste: ayu's engagement is all #ootd (hashtags are case-insensitive); nobody knows zed.
    assert p1["hashtag_affinity"] == pytest.approx(2.0 / (2.0 + 5.0))
    assert p2["hashtag_affinity"] == p1["hashtag_affinity"] and p2["category_affinity"] is None
    assert unknown["hashtag_affinity"] is None and unknown["author_affinity"] is None


def test_cf_inputs_are_the_models_scores_and_list_positions(small):
    data = build_interactions(small["events"], item_col="post_id")
    model = ALS(factors=4, iterations=3).fit(data)
    pairs = pl.DataFrame({"user_id": ["ayu", "budi", "nobody", "ayu"], "post_id": ["p2", "p1", "p1", "p9"]})
    out = cf_inputs(model, pairs, k=2)
    rows = data.rows_of(["ayu", "budi"])
    cols = data.cols_of(["p2", "p1"])
    expected = [float(model.user_factors[r] @ model.item_factors[c]) for r, c in zip(rows, cols, strict=True)]
    assert out["cf_score"].to_list()[:2] == pytest.approx(expected, rel=1e-5)
    assert out["cf_score"].to_list()[2:] == [None, None]
    order = np.argsort(-(model.item_factors @ model.user_factors[rows[0]]))
    assert out["cf_rank"][0] == float(list(order).index(cols[0]))


class _ByName:
    """A stand-in ranker: scores each candidate by a fixed table."""

    def __init__(self, table: dict[str, float]) -> None:
        self.table = table

    def score(self, raw: pl.DataFrame) -> np.ndarray:
        return np.array([self.table.get(p, 0.0) for p in raw["post_id"].to_list()])


def test_rerank_reorders_the_head_and_leaves_the_tail_and_padding(small):
    items = np.array(["p1", "p2", "p3", "p4"], dtype=object)
    lists = TopKLists(keys=np.array(["ayu", "budi"], dtype=object),
                      cols=np.array([[0, 1, 2, 3], [3, 2, -1, -1]]),
                      scores=np.array([[4, 3, 2, 1], [9, 8, -np.inf, -np.inf]], dtype=np.float32), item_ids=items)
    snap = Snapshot.build(as_of=NOW, **small)
    out = rerank(lists, _ByName({"p2": 0.9, "p1": 0.5, "p3": 0.7, "p4": 0.1}), snap, top=3, batch_users=1)
    assert out.cols.tolist() == [[1, 2, 0, 3], [2, 3, -1, -1]]
    assert (np.diff(out.scores[0]) <= 0).all()  # still best first, the tail below the head


def test_the_whole_retrain_on_a_synthetic_platform(tmp_path, platform):
    posts = platform.posts
    newcomer_follows = pl.DataFrame({"follower_id": ["newcomer"], "followee_id": [posts["author_id"][0]],
                                     "created_at": [platform.now - timedelta(days=1)]})
    data = PlatformData(
        events=platform.events, posts=posts.select("post_id", "author_id", "created_at"),
        post_products=posts.filter(pl.col("product_id").is_not_null()).select("post_id", "product_id", "price"),
        post_hashtags=posts.select("post_id", "hashtags"), post_category=posts.select("post_id", "category"),
        follows=newcomer_follows, now=platform.now)
    config = ForYouConfig(posts=RetrainConfig(params={"factors": 16, "iterations": 5}, similar_k=10),
                          products=RetrainConfig.products(params={"factors": 8, "iterations": 3}), challenger=True)
    result = train_for_you(data, registry=ModelRegistry(tmp_path), config=config)
    assert [s.name for s in result.spaces] == ["post", "post_challenger", "product"]
    post = result.spaces[0]
    assert post.trending is not None and "global" in post.trending and "cat:fashion" in post.trending
    # The newcomer has no history: the author they follow leads their list.
    keys = post.candidates.keys.tolist()
    assert "newcomer" in keys and result.cold_start_users >= 1
    row = post.candidates.cols[keys.index("newcomer")]
    first = post.candidates.item_ids[row[0]]
    assert posts.filter(pl.col("post_id") == first)["author_id"][0] == posts["author_id"][0]
    assert set(result.timings) == {"posts", "reranker", "trending", "rerank", "cold start", "products"}
    # Every run records one or the other, so only "metrics" says the ranker was actually trained and scored.
    assert "metrics" in result.reranker and "skipped" not in result.reranker


def _logged(seed: int, start: datetime, n_requests: int = 300) -> pl.DataFrame:
    rows = logged_impressions(n_requests=n_requests, per_request=10, seed=seed)
    return rows.with_columns((pl.lit(start) + pl.duration(minutes=pl.col("request_id"))).alias("at"),
                             (pl.lit(f"s{seed}-") + pl.col("request_id").cast(pl.Utf8)).alias("request_id"))


def test_the_ranker_must_beat_cf_and_is_compared_with_the_champion_on_what_it_has_not_seen(tmp_path):
    registry = ModelRegistry(tmp_path)
    config = ForYouConfig(reranker_min_unseen_requests=50)
    first_rows = _logged(1, NOW)
    ranker, info = _train_reranker(first_rows, NOW, registry, config)
    assert info["promoted"] and info["reason"] == "no champion yet" and ranker is not None
    assert info["metrics"]["ndcg@10"] > info["metrics"]["ndcg@10_cf"]  # the synthetic utility is more than CF
    trained_through = registry.get(info["candidate"]).notes["trained_through"]
    assert datetime.fromisoformat(trained_through) == first_rows["at"].max()

    # The same impressions again: the champion has seen them all, so it is not compared.
    _, again = _train_reranker(first_rows, NOW, registry, config)
    assert again["champion_score"] is None and "champion_not_compared" in again
    # Newer impressions: the champion is scored on those alone, next to the candidate and CF.
    later = pl.concat([first_rows, _logged(2, NOW + timedelta(days=1))], how="vertical_relaxed")
    _, third = _train_reranker(later, NOW, registry, config)
    assert third["champion_score"] is not None and "ndcg@10_unseen" in third["metrics"]
    assert third["promoted"] == (third["metrics"]["ndcg@10_unseen"] > max(third["champion_score"],
                                                                         third["metrics"]["ndcg@10_unseen_cf"]))
    assert len(registry.decisions("reranker")) == 3
