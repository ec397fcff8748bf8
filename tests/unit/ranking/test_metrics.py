"""Metric functions against values computed by hand."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from ranking.evaluation.metrics import coverage, group_diversity, intra_list_diversity, ranking_metrics

LOG3, LOG5 = np.log2(3.0), np.log2(5.0)


def relevant(rows: list[list[int]], n_items: int = 10) -> sp.csr_matrix:
    r = [i for i, items in enumerate(rows) for _ in items]
    c = [j for items in rows for j in items]
    return sp.csr_matrix((np.ones(len(c)), (r, c)), shape=(len(rows), n_items))


RECS = np.array([[0, 1, 2, 3], [4, 5, -1, -1], [6, 7, 8, 9]])
REL = relevant([[1, 3, 7], [9], []])  # the third user has nothing held out: not scored


def test_precision_recall_ndcg_map_at_2():
    m = ranking_metrics(RECS, REL, ks=(2,))
    assert m["users"] == 2
    assert m["precision@2"] == pytest.approx((1 / 2 + 0) / 2)
    assert m["recall@2"] == pytest.approx((1 / 3 + 0) / 2)
    assert m["ndcg@2"] == pytest.approx(((1 / LOG3) / (1 + 1 / LOG3) + 0) / 2)
    assert m["map@2"] == pytest.approx(((1 / 2) / 2 + 0) / 2)
    assert m["iprecision@2"] == pytest.approx(1 / (2 + 1))  # pooled hits ÷ pooled min(R, k)


def test_precision_recall_ndcg_map_at_4():
    m = ranking_metrics(RECS, REL, ks=(4,))
    assert m["precision@4"] == pytest.approx(0.25)
    assert m["recall@4"] == pytest.approx(1 / 3)
    assert m["ndcg@4"] == pytest.approx(((1 / LOG3 + 1 / LOG5) / (1 + 1 / LOG3 + 0.5)) / 2)
    assert m["map@4"] == pytest.approx(((1 / 2 + 2 / 4) / 3) / 2)
    assert m["iprecision@4"] == pytest.approx(2 / (3 + 1))


def test_perfect_lists_score_one_and_k_beyond_the_lists_is_refused():
    recs = np.array([[3, 1, 0]])
    m = ranking_metrics(recs, relevant([[1, 3]]), ks=(2,))
    assert m["precision@2"] == m["recall@2"] == m["ndcg@2"] == m["map@2"] == pytest.approx(1.0)
    with pytest.raises(ValueError):
        ranking_metrics(recs, relevant([[1]]), ks=(5,))


def test_nobody_to_score_gives_zeros():
    m = ranking_metrics(np.array([[1, 2]]), relevant([[]]), ks=(2,))
    assert m["users"] == 0 and m["ndcg@2"] == 0.0


def test_catalogue_coverage():
    assert coverage(RECS, 10, k=2) == pytest.approx(len({0, 1, 4, 5, 6, 7}) / 10)
    assert coverage(RECS, 20) == pytest.approx(10 / 20)


def test_intra_list_diversity_with_item_features():
    features = sp.csr_matrix(np.array([[1, 0], [1, 0], [0, 1], [0, 0]], dtype=float))
    recs = np.array([[0, 1, 2, -1], [2, 3, -1, -1]])
    # List one: similarities (0,1)=1, (0,2)=0, (1,2)=0 → 1 − 1/3. List two: item 3 has no features → 1.
    assert intra_list_diversity(recs, features) == pytest.approx(((1 - 1 / 3) + 1) / 2)
    assert intra_list_diversity(np.array([[0, 1]]), features) == pytest.approx(0.0)


def test_group_diversity_counts_distinct_groups_per_list():
    groups = np.array([0, 0, 1, -1])
    recs = np.array([[0, 1, 2, -1], [3, 2, -1, -1], [0, 1, -1, -1]])
    assert group_diversity(recs, groups) == pytest.approx((2 / 3 + 1 + 1 / 2) / 3)
