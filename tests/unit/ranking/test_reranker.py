"""The second-stage ranker beats CF score alone on logged impressions; its features are pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from ranking.reranker import (
    FEATURE_NAMES,
    RAW_INPUTS,
    Reranker,
    candidate_features,
    evaluate_reranker,
    grouped_ndcg,
    label_impressions,
    split_by_group,
)
from ranking.synthetic import logged_impressions


@pytest.fixture(scope="module")
def impressions() -> pl.DataFrame:
    return logged_impressions(n_requests=300, per_request=20, seed=5)


def test_reranker_orders_held_out_requests_better_than_cf_alone(impressions):
    train, holdout = split_by_group(impressions, test_fraction=0.3, seed=2)
    assert not set(train["request_id"].to_list()) & set(holdout["request_id"].to_list())
    model = Reranker(max_iter=60).fit(train)
    result = evaluate_reranker(model, holdout)
    assert result["ndcg@10_reranker"] > result["ndcg@10_cf"] + 0.05
    assert result["auc_reranker"] > result["auc_cf"]
    assert model.purchase is not None  # enough purchases to learn from


def test_features_are_a_pure_function_of_raw_values():
    raw = {"cf_score": [0.5, np.nan], "age_hours": [24.0, 0.0], "item_impressions": [0.0, 950.0],
           "item_engagements": [0.0, 49.0], "tagged_price": [150_000.0, 0.0], "tagged_clicks": [0.0, 75.0],
           "tagged_purchases": [0.0, 4.5]}
    a, b = candidate_features(raw), candidate_features(pl.DataFrame(raw))
    assert a.shape == (2, len(FEATURE_NAMES)) and np.allclose(a, b, equal_nan=True)
    f = dict(zip(FEATURE_NAMES, a.T, strict=True))
    assert f["freshness"].tolist() == pytest.approx([0.5, 1.0])
    assert f["ctr"].tolist() == pytest.approx([1 / 50, 50 / 1000])  # smoothed towards a prior
    assert f["conversion"].tolist() == pytest.approx([0.5 / 25, 5 / 100])
    assert f["has_product"].tolist() == [1.0, 0.0]
    assert np.isnan(f["cf_score"][1])  # not a CF candidate: left missing, the model handles it
    assert f["author_affinity"].tolist() == [RAW_INPUTS["author_affinity"]] * 2
    with pytest.raises(ValueError, match="unknown"):
        candidate_features({"cf_scor": [1.0]})
    with pytest.raises(ValueError, match="lengths"):
        candidate_features({"cf_score": [1.0], "age_hours": [1.0, 2.0]})


def test_serving_can_score_candidates_with_partial_inputs(impressions):
    model = Reranker(max_iter=30).fit(impressions)
    scores = model.score({"cf_score": [2.0, 2.0, np.nan], "author_affinity": [0.0, 2.0, 2.0]})
    assert scores.shape == (3,) and np.isfinite(scores).all()
    clone = Reranker.from_bytes(model.to_bytes())
    assert np.allclose(clone.score(impressions), model.score(impressions))


def test_grouped_ndcg_by_hand():
    scores = np.array([3.0, 2.0, 1.0, 1.0, 2.0])
    gains = np.array([0.0, 1.0, 0.0, 1.0, 0.0])
    groups = np.array([0, 0, 0, 1, 1])
    first = (1 / np.log2(3)) / 1.0
    second = (1 / np.log2(3)) / 1.0
    assert grouped_ndcg(scores, gains, groups, k=10) == pytest.approx((first + second) / 2)


def test_training_needs_both_outcomes(impressions):
    with pytest.raises(ValueError):
        Reranker().fit(impressions.with_columns(pl.lit(False).alias("engaged")))


def test_impressions_are_labelled_by_what_followed_within_the_window():
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    rows = [  # user, post, event, minutes after t0, position
        ("u1", "p1", "impression", 0, 3), ("u1", "p1", "impression", 30, 1), ("u1", "p1", "like", 40, None),
        ("u1", "p2", "impression", 0, 2), ("u1", "p2", "like", 60 * 30, None),  # too late
        ("u2", "p1", "impression", 5, 0), ("u2", "p1", "purchase", 20, None),
        ("u2", "p3", "impression", 5, 4), ("u1", "p3", "save", 6, None),  # someone else's save
    ]
    events = pl.DataFrame({"user_id": [r[0] for r in rows], "post_id": [r[1] for r in rows],
                           "event_type": [r[2] for r in rows],
                           "occurred_at": [t0 + timedelta(minutes=r[3]) for r in rows],
                           "position": [r[4] for r in rows]})
    labelled = label_impressions(events, window_hours=24)
    got = {(u, p, pos): (e, b) for u, p, pos, e, b in labelled.select(
        "user_id", "post_id", "position", "engaged", "purchased").iter_rows()}
    assert got == {("u1", "p1", 3): (False, False), ("u1", "p1", 1): (True, False), ("u1", "p2", 2): (False, False),
                   ("u2", "p1", 0): (True, True), ("u2", "p3", 4): (False, False)}
