"""Cold start: new people get trending plus what their first likes and follows imply; new posts get
author affinity and a freshness boost."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest
import scipy.sparse as sp

from ranking.coldstart import author_affinity, fold_in_recommend, fresh_post_score, fuse_ranked, similar_to_liked
from ranking.datasets import build_interactions
from ranking.models.factorization import ALS, BPR
from ranking.models.similar import similar_items_table
from ranking.trending import trending


@pytest.fixture(scope="module")
def data(platform):
    return build_interactions(platform.events)


@pytest.mark.parametrize("family", [ALS, BPR])
def test_a_few_likes_fold_into_recommendations_of_that_taste(platform, data, family):
    params = {"regularization": 1.0, "iterations": 8} if family is ALS else {"learning_rate": 0.05, "iterations": 40}
    model = family(factors=16, **params).fit(data)
    topic = 3
    liked = [p for p, t in platform.post_topic.items() if t == topic and p in data.item_index][:3]
    recs = fold_in_recommend(model, {p: 2.0 for p in liked}, k=20)
    assert len(recs) == 20 and not set(liked) & {i for i, _ in recs}
    topics = Counter(platform.post_topic[i] for i, _ in recs)
    assert topics[topic] >= (15 if family is ALS else 12)  # BPR folds in by averaging: rougher
    hidden = recs[0][0]
    again = fold_in_recommend(model, {p: 2.0 for p in liked}, k=20, hidden=[hidden])
    assert hidden not in {i for i, _ in again}
    assert fold_in_recommend(model, {"never-seen": 1.0}) == []


def test_a_new_person_with_nothing_gets_trending_and_follows(platform, data):
    trend = trending(platform.events, now=platform.now)
    followed_posts = ["f1", "f2"]
    fused = fuse_ranked({"following": followed_posts, "trending": trend["global"][0].tolist()},
                        weights={"following": 1.0, "trending": 1.0}, k=10)
    ids = [i for i, _ in fused]
    assert ids[:2] in (["f1", trend["global"][0][0]], [trend["global"][0][0], "f1"])
    assert set(followed_posts) <= set(ids) and len(ids) == 10


def test_reciprocal_rank_fusion_rewards_agreement():
    fused = dict(fuse_ranked({"a": ["x", "y", "z"], "b": ["y", "w"]}, rrf_k=0.0))
    assert fused["y"] == pytest.approx(1 / 2 + 1 / 1)
    assert fused["x"] == pytest.approx(1.0)
    assert list(dict(fuse_ranked({"a": ["x", "y"], "b": ["y"]}, weights={"a": 1.0, "b": 0.0})).keys()) == ["x", "y"]
    assert "y" not in dict(fuse_ranked({"a": ["x", "y"]}, exclude={"y"}))


def test_similar_lists_stand_in_for_the_model_in_serving(platform, data):
    model = ALS(factors=16, regularization=1.0, iterations=8).fit(data)
    ids, scores = similar_items_table(model, 20)
    similar = {data.item_ids[r]: (data.item_ids[ids[r][ids[r] >= 0]].tolist(), scores[r][ids[r] >= 0].tolist())
               for r in range(data.n_items)}
    liked = [p for p, t in platform.post_topic.items() if t == 5 and p in data.item_index][:2]
    out = similar_to_liked(liked, similar, k=15)
    assert not set(out) & set(liked)
    assert Counter(platform.post_topic[i] for i in out)[5] >= 12


def test_author_affinity_counts_engagement_follows_and_hides():
    events_like = {"u1": {"p1": 2.0, "p2": 4.0}, "u2": {"p3": 1.0}}
    rows = [(u, p, "like" if w == 2.0 else ("save" if w == 4.0 else "post_click")) for u, ps in events_like.items()
            for p, w in ps.items()] + [("u2", "p4", "hide")]
    frame = pl.DataFrame({"user_id": [r[0] for r in rows], "post_id": [r[1] for r in rows],
                          "event_type": [r[2] for r in rows],
                          "occurred_at": [datetime(2025, 1, 1, tzinfo=UTC)] * len(rows)})
    data = build_interactions(frame, half_life_days=None)
    author = {"p1": 0, "p2": 1, "p3": 1, "p4": 2}
    item_author = np.array([author[p] for p in data.item_ids])
    follows = sp.csr_matrix(np.array([[0, 0, 0], [1, 0, 0]], dtype=np.float32))
    aff = author_affinity(data, item_author, 3, follows=follows, follow_weight=5.0).toarray()
    u1, u2 = data.user_index["u1"], data.user_index["u2"]
    assert aff[u1].tolist() == pytest.approx([0.5, 1.0, 0.0])  # saves count double a like, scaled to the max
    assert aff[u2, 0] == pytest.approx(1.0)  # the follow
    assert aff[u2, 1] == pytest.approx(1.0 / 5.0)
    assert aff[u2, 2] < 0  # the hidden author sinks


def test_fresh_posts_rank_by_author_affinity_and_cool_off():
    scores = fresh_post_score(np.array([0.0, 12.0, 0.0, 240.0]), np.array([0.0, 0.0, 0.8, 0.8]),
                              half_life_hours=12.0)
    assert scores.tolist() == pytest.approx([1.0, 0.5, 1.8, 0.8 + 0.5 ** 20])
    assert fresh_post_score(-5.0, 0.0) == pytest.approx(1.0)  # clock skew never boosts beyond "now"
