"""Hyper-parameter search through the harness."""

from __future__ import annotations

from ranking.datasets import build_interactions
from ranking.evaluation.search import grid_points, search
from ranking.models.factorization import ALS
from ranking.splits import random_split, validation_split


def test_grid_points_enumerate_the_space():
    assert grid_points({"a": [1, 2], "b": ["x"]}) == [{"a": 1, "b": "x"}, {"a": 2, "b": "x"}]


def test_random_search_is_seeded_and_keeps_the_best_validation_score(platform):
    train, _ = random_split(build_interactions(platform.events), seed=1)
    fit, validation = validation_split(train, seed=1)
    space = {"factors": [4, 16], "regularization": [0.1, 1000.0], "alpha": [1.0]}
    seen: list[int] = []
    fixed = {"iterations": 4, "num_threads": 1}
    a = search(ALS, space, fit, validation, metric="ndcg@10", n_trials=3, seed=3, fixed=fixed,
               on_trial=lambda i, n, trial: seen.append(i))
    b = search(ALS, space, fit, validation, metric="ndcg@10", n_trials=3, seed=3, fixed=fixed)
    assert seen == [1, 2, 3] and len(a.trials) == 3
    assert [t.notes["search_point"] for t in a.trials] == [t.notes["search_point"] for t in b.trials]
    assert a.best_score == max(t.metrics["ndcg@10"] for t in a.trials)
    assert a.best_params["iterations"] == 4
    full = search(ALS, space, fit, validation, strategy="grid", fixed=fixed)
    assert len(full.trials) == 4 and full.best_params["regularization"] != 1000.0
    assert full.to_dict()["best_score"] == full.best_score
