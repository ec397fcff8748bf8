"""Fit, recommend and score models on one split, with the popularity baseline always alongside.

The protocol is the one everybody reports: recommend the top K items a person has *not* interacted
with in training (training items and hidden items are excluded), and count how many of the held-out
items come back. The relevant set is the holdout minus anything seen in training, so a split that
repeats a pair cannot inflate the figures.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import polars as pl
import scipy.sparse as sp

from ranking.datasets import Interactions
from ranking.evaluation.metrics import coverage, group_diversity, intra_list_diversity, ranking_metrics
from ranking.models.base import Recommender
from ranking.models.baselines import Popularity

__all__ = ["Evaluation", "compare", "evaluate", "recommend_batched", "relevant_matrix", "results_frame"]


@dataclass
class Evaluation:
    model: str
    params: dict[str, Any]
    metrics: dict[str, float]
    fit_s: float = 0.0
    recommend_s: float = 0.0
    notes: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def recommend_batched(model: Recommender, rows: np.ndarray, k: int, *, exclude: sp.csr_matrix | None = None,
                      batch_size: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Top-k for many rows; `exclude` is indexed by matrix row (the whole matrix, not per batch)."""
    rows = np.asarray(rows, dtype=np.int64)
    ids = np.full((rows.size, k), -1, np.int64)
    scores = np.full((rows.size, k), -np.inf, np.float32)
    for start in range(0, rows.size, batch_size):
        chunk = rows[start:start + batch_size]
        block_ex = exclude[chunk] if exclude is not None else None
        ids[start:start + chunk.size], scores[start:start + chunk.size] = model.recommend(chunk, k, exclude=block_ex)
    return ids, scores


def relevant_matrix(train: Interactions, test: Interactions) -> sp.csr_matrix:
    if train.shape != test.shape:
        raise ValueError(f"train {train.shape} and test {test.shape} must share index maps")
    seen = train.exclusions()
    rel = test.matrix - test.matrix.multiply(seen)
    rel = sp.csr_matrix(rel)
    rel.eliminate_zeros()
    return rel


def evaluate(
    model: Recommender,
    train: Interactions,
    test: Interactions,
    *,
    ks: Iterable[int] = (10, 50),
    fit: bool = True,
    item_features: sp.csr_matrix | None = None,
    item_group: np.ndarray | None = None,
    name: str | None = None,
    batch_size: int = 2048,
) -> Evaluation:
    """Fit `model` on `train` (unless `fit=False`) and score its top-k against `test`."""
    ks = tuple(sorted(set(ks)))
    fit_s = 0.0
    if fit:
        t0 = time.perf_counter()
        model.fit(train)
        fit_s = time.perf_counter() - t0
    relevant = relevant_matrix(train, test)
    rows = np.flatnonzero(np.diff(relevant.indptr) > 0)
    t0 = time.perf_counter()
    recs, _ = recommend_batched(model, rows, ks[-1], exclude=train.exclusions(), batch_size=batch_size)
    recommend_s = time.perf_counter() - t0
    metrics = ranking_metrics(recs, relevant[rows], ks)
    for k in ks:
        metrics[f"coverage@{k}"] = coverage(recs, train.n_items, k)
        if item_features is not None:
            metrics[f"ild@{k}"] = intra_list_diversity(recs, item_features, k)
        if item_group is not None:
            metrics[f"group_div@{k}"] = group_diversity(recs, item_group, k)
    return Evaluation(model=name or model.name, params=dict(model.params), metrics=metrics, fit_s=fit_s,
                      recommend_s=recommend_s)


def compare(models: Sequence[Recommender], train: Interactions, test: Interactions, **kwargs: Any) -> list[Evaluation]:
    """Evaluate each model on the same split; popularity is added first when it is not among them."""
    todo = list(models)
    if not any(isinstance(m, Popularity) for m in todo):
        todo.insert(0, Popularity())
    return [evaluate(m, train, test, **kwargs) for m in todo]


def results_frame(evaluations: Sequence[Evaluation], *, columns: Sequence[str] | None = None) -> pl.DataFrame:
    """One row per model; metric columns in a stable order, then fit seconds."""
    metric_names = columns or [k for k in evaluations[0].metrics if k != "users"] if evaluations else []
    rows = [{"model": e.model, **{c: round(e.metrics.get(c, float("nan")), 4) for c in metric_names},
             "fit_s": round(e.fit_s, 2)} for e in evaluations]
    return pl.DataFrame(rows)
