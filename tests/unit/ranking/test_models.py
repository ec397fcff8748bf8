"""The models learn planted tastes, respect exclusions and agree with brute force."""

from __future__ import annotations

import warnings

import implicit.utils
import numpy as np
import pytest
import scipy.sparse as sp

from ranking._sparse import row_membership
from ranking.datasets import build_interactions
from ranking.evaluation.harness import compare, evaluate
from ranking.models.base import topk_dense, topk_factors
from ranking.models.baselines import ItemKNN, Popularity
from ranking.models.factorization import ALS, BPR, weigh
from ranking.models.similar import blend, similar_items_table
from ranking.splits import random_split, temporal_holdout

FAST_ALS = {"factors": 16, "regularization": 1.0, "iterations": 8}
FAST_BPR = {"factors": 16, "iterations": 40, "learning_rate": 0.05}


@pytest.fixture(scope="module")
def split(platform):
    return random_split(build_interactions(platform.events), seed=1)


@pytest.mark.parametrize("model", [ALS(**FAST_ALS), BPR(**FAST_BPR), ItemKNN(neighbours=50)],
                         ids=["als", "bpr", "itemknn"])
def test_models_beat_popularity_on_planted_tastes(split, model):
    train, test = split
    pop, result = compare([model], train, test, ks=(10,))
    assert pop.model == "popularity"
    assert result.metrics["ndcg@10"] > 1.5 * pop.metrics["ndcg@10"]
    assert result.metrics["precision@10"] > pop.metrics["precision@10"]
    assert result.metrics["coverage@10"] > pop.metrics["coverage@10"]


def test_als_beats_popularity_on_a_temporal_holdout(platform):
    train, test = temporal_holdout(platform.events, test_fraction=0.2)
    pop, als = compare([ALS(**FAST_ALS)], train, test, ks=(10,))
    assert als.metrics["recall@10"] > 1.5 * pop.metrics["recall@10"]


def test_recommendations_never_include_seen_or_hidden_items(platform):
    data = build_interactions(platform.events)
    assert data.negatives.nnz > 0
    rows = np.arange(data.n_users)
    for model in (ALS(**FAST_ALS).fit(data), BPR(**FAST_BPR).fit(data), Popularity().fit(data)):
        for k in (20, 300):
            ids, scores = model.recommend(rows, k, exclude=data.exclusions()[rows])
            assert not row_membership(ids, data.exclusions()).any()
            assert not row_membership(ids, data.negatives).any()
            ordered = np.where(ids >= 0, scores, np.finfo(np.float32).min)
            assert (np.diff(ordered, axis=1) <= 1e-6).all()


def test_short_lists_are_padded_at_the_end():
    items = np.eye(3, dtype=np.float32)
    users = np.ones((2, 3), dtype=np.float32)
    exclude = sp.csr_matrix(np.array([[1, 0, 0], [1, 1, 1]], dtype=np.float32))
    for k in (5, 200):
        ids, scores = topk_factors(items, users, k, exclude=exclude)
        assert sorted(ids[0, :2].tolist()) == [1, 2] and (ids[0, 2:] == -1).all() and (ids[1] == -1).all()
        assert np.isneginf(scores[1]).all()


@pytest.mark.parametrize("k", [7, 150])  # both selection methods (heap / compiled selection)
def test_topk_agrees_with_brute_force(k):
    rng = np.random.default_rng(4)
    items, users = rng.standard_normal((400, 8)).astype(np.float32), rng.standard_normal((50, 8)).astype(np.float32)
    exclude = sp.random(50, 400, density=0.1, format="csr", random_state=4, dtype=np.float32)
    exclude.data[:] = 1
    ids, scores = topk_factors(items, users, k, exclude=exclude, batch_size=16)
    full = users @ items.T
    full[exclude.toarray() > 0] = -np.inf
    expected = np.argsort(-full, axis=1, kind="stable")[:, :k]
    assert np.allclose(scores, np.take_along_axis(full, expected, axis=1), atol=1e-5)


def test_similar_items_come_from_the_same_topic(platform):
    data = build_interactions(platform.events)
    topics = np.array([platform.post_topic[p] for p in data.item_ids])
    for model in (ALS(**FAST_ALS).fit(data), ItemKNN(neighbours=50).fit(data)):
        ids, scores = similar_items_table(model, 10, batch_size=64)
        assert ids.shape == (data.n_items, 10)
        assert not (ids == np.arange(data.n_items)[:, None]).any()
        same = topics[np.maximum(ids, 0)] == topics[:, None]
        assert same[ids >= 0].mean() > 0.7
    mixed_ids, mixed_scores = blend(similar_items_table(ALS(**FAST_ALS).fit(data), 10),
                                    similar_items_table(ItemKNN(neighbours=50).fit(data), 10), weight_a=0.5)
    assert mixed_ids.shape == (data.n_items, 10) and (mixed_scores[:, 0] <= 1.0 + 1e-6).all()


def test_weightings_reshape_confidences():
    m = sp.csr_matrix(np.array([[1.0, 3.0, 0.0], [0.0, 1.0, 7.0]], dtype=np.float32))
    assert np.allclose(weigh(m, "log").toarray(), np.log1p(m.toarray()))
    for name in ("bm25", "tfidf"):
        out = weigh(m, name)
        assert out.shape == m.shape and (out.toarray() >= 0).all() and out.nnz == m.nnz
    with pytest.raises(ValueError):
        weigh(m, "magic")
    with pytest.raises(ValueError):
        ALS(factorz=3)


def test_fitting_does_not_warn_about_blas_threads(platform, monkeypatch):
    data = build_interactions(platform.events)
    monkeypatch.setattr(implicit.utils, "_checked_blas_config", False)  # it only ever checks once
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ALS(**FAST_ALS).fit(data)
        BPR(**FAST_BPR).fit(data)
        ItemKNN(neighbours=20).fit(data)


def test_evaluation_can_reuse_a_fitted_model(split):
    train, test = split
    model = ALS(**FAST_ALS).fit(train)
    result = evaluate(model, train, test, ks=(10, 50), fit=False)
    assert result.fit_s == 0.0 and {"ndcg@10", "ndcg@50", "coverage@50"} <= set(result.metrics)


def test_threshold_selection_is_exact_on_long_rows():
    """Long rows go through a threshold sampled from 1,024 columns; rows the sample misjudges
    (mostly excluded, all tied, NaN, a top-k hidden from the sample) must still come back exact."""
    rng = np.random.default_rng(9)
    n, m, k = 40, 6000, 300
    scores = rng.standard_normal((n, m)).astype(np.float32)
    excluded = np.finfo(np.float32).min
    scores[1, :5800] = excluded  # only 200 items left: padded with -1
    scores[2] = 0.5  # all tied: columns in order
    scores[3, ::3] = np.nan
    scores[4, :] = -1.0
    scores[4, rng.choice(m, k, replace=False)] = 5.0  # the whole top-k may dodge the sample
    scores[5, :] = -np.inf
    ids, top = topk_dense(scores.copy(), k)
    clean = np.where(np.isnan(scores) | (scores <= excluded / 2), -np.inf, scores)
    expected = np.argsort(-clean, axis=1, kind="stable")[:, :k]
    expected_scores = np.take_along_axis(clean, expected, axis=1)
    expected = np.where(np.isfinite(expected_scores), expected, -1)
    assert (ids == expected).all()
    assert np.array_equal(top, expected_scores)
    assert (ids[1, 200:] == -1).all() and (ids[5] == -1).all()
    assert ids[2].tolist() == list(range(k))
