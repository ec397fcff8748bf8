"""Hyper-parameter search through the harness: seeded random or full grid over a discrete space.

Every trial is fitted on the training part and scored on a *validation* split carved out of it
(`ranking.splits.validation_split`); the caller refits the winner on all training data and touches
the test split once. Random search over a grid samples distinct points without replacement, so a
given seed always tries the same candidates in the same order.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ranking.datasets import Interactions
from ranking.evaluation.harness import Evaluation, evaluate
from ranking.models.base import Recommender

__all__ = ["SearchResult", "grid_points", "search"]


@dataclass
class SearchResult:
    metric: str
    best_params: dict[str, Any]
    best_score: float
    trials: list[Evaluation] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "best_params": self.best_params, "best_score": self.best_score,
                "trials": [t.to_dict() for t in self.trials]}


def grid_points(space: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    names = list(space)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*(space[n] for n in names))]


def search(
    factory: Callable[..., Recommender],
    space: Mapping[str, Sequence[Any]],
    train: Interactions,
    validation: Interactions,
    *,
    metric: str = "ndcg@10",
    strategy: str = "random",
    n_trials: int = 20,
    seed: int = 0,
    fixed: Mapping[str, Any] | None = None,
    ks: Sequence[int] = (10,),
    on_trial: Callable[[int, int, Evaluation], None] | None = None,
) -> SearchResult:
    """Try points of `space` (merged over `fixed`), keep the one with the highest `metric`."""
    if strategy not in ("random", "grid"):
        raise ValueError("strategy must be 'random' or 'grid'")
    points = grid_points(space)
    if strategy == "random" and n_trials < len(points):
        order = np.random.default_rng(seed).permutation(len(points))[:n_trials]
        points = [points[i] for i in order]
    ks = tuple(sorted({*ks, int(metric.rsplit("@", 1)[1])}))
    trials: list[Evaluation] = []
    best: Evaluation | None = None
    for i, point in enumerate(points):
        params = {**(fixed or {}), **point}
        trial = evaluate(factory(**params), train, validation, ks=ks)
        trial.notes["search_point"] = point
        trials.append(trial)
        if metric not in trial.metrics:
            raise ValueError(f"unknown metric {metric!r}; have {sorted(trial.metrics)}")
        if best is None or trial.metrics[metric] > best.metrics[metric]:
            best = trial
        if on_trial is not None:
            on_trial(i + 1, len(points), trial)
    if best is None:
        raise ValueError("the search space is empty")
    return SearchResult(metric=metric, best_params={**(fixed or {}), **best.notes["search_point"]},
                        best_score=best.metrics[metric], trials=trials)
