"""Candidates for every user: fold-in against the serving model, sampled item pool."""

from __future__ import annotations

import numpy as np
import polars as pl
import scipy.sparse as sp

from ranking._sparse import row_membership
from ranking.datasets import build_interactions
from ranking.models.factorization import ALS, BPR
from ranking.workflow import candidates_for_all, user_factors_for


def test_pooled_candidates_keep_nearly_all_of_the_exact_lists(platform):
    data = build_interactions(platform.events)
    model = ALS(factors=16, regularization=1.0, iterations=8, num_threads=1).fit(data)
    exact = candidates_for_all(model, data, 60)
    pooled = candidates_for_all(model, data, 60, pool_sample=100)
    assert pooled.cols.shape == exact.cols.shape == (data.n_users, 60)
    valid = exact.cols >= 0
    pooled_sets = _as_sets(pooled.cols, data.n_items)
    assert row_membership(exact.cols, pooled_sets)[valid].mean() > 0.97
    assert not row_membership(pooled.cols, data.exclusions()).any()


def test_people_new_since_training_get_candidates_too(platform):
    cutoff = platform.events["occurred_at"].quantile(0.8)
    train = build_interactions(platform.events.filter(pl.col("occurred_at") < cutoff))
    for model in (ALS(factors=16, regularization=1.0, iterations=8, num_threads=1).fit(train),
                  BPR(factors=16, iterations=30, learning_rate=0.05, num_threads=1).fit(train)):
        everyone = build_interactions(platform.events, items=model.item_ids)
        factors = user_factors_for(model, everyone)
        assert factors.shape == (everyone.n_users, model.item_factors.shape[1])
        lists = candidates_for_all(model, everyone, 20)
        newcomers = [r for r, u in enumerate(everyone.user_ids) if u not in train.user_index]
        if newcomers:
            assert (lists.cols[newcomers, 0] >= 0).all()
        known = [r for r, u in enumerate(everyone.user_ids) if u in train.user_index][:50]
        assert np.isfinite(factors[known]).all()


def _as_sets(cols: np.ndarray, n_items: int) -> sp.csr_matrix:
    r, c = np.nonzero(cols >= 0)
    return sp.csr_matrix((np.ones(r.size), (r, cols[r, c])), shape=(cols.shape[0], n_items))
