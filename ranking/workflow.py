"""One retrain, end to end: the function the Prefect flow calls between "extract" and "publish".

    events ──temporal split──▶ train │ holdout
                 fit candidate on train ─▶ score candidate, popularity and the champion on the holdout
                 register candidate ─▶ promote if it beats both (guardrail)
    serving model = the new champion (the candidate, or the old one kept)
    all events ──fold-in every user into the serving model──▶ top-500 candidates + similar items

The last step re-solves each person's factors against the serving model's fixed item factors over
the *whole* window (one least-squares solve per user: half an ALS iteration), so people who
appeared after the cutoff, or were active today, get fresh candidates without a second full fit —
which is what keeps a retrain within 2× of implicit's bare `fit` on the same matrix. Posts first
seen after the model was trained are not in it; they reach feeds through trending and the
fresh-post path of cold start until the next retrain.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import scipy.sparse as sp

from ranking.datasets import (
    NEGATIVE_WEIGHTS,
    POST_EVENT_WEIGHTS,
    PRODUCT_EVENT_WEIGHTS,
    Interactions,
    as_frame,
    build_interactions,
    relevance_weights,
)
from ranking.evaluation.harness import Evaluation, evaluate, relevant_matrix
from ranking.evaluation.metrics import ranking_metrics
from ranking.evaluation.search import search
from ranking.models.base import topk_factors
from ranking.models.baselines import Popularity
from ranking.models.factorization import ALS, BPR, FactorModel
from ranking.models.similar import similar_items_table
from ranking.publish import Space, TopKLists
from ranking.registry import Decision, ModelRecord, ModelRegistry
from ranking.splits import temporal_holdout, temporal_split
from ranking.trending import TrendingLists

__all__ = ["ALS_SEARCH_SPACE", "RetrainConfig", "RetrainResult", "candidate_pool", "candidates_for_all", "retrain",
           "user_factors_for"]

MODELS: dict[str, type[FactorModel]] = {"als": ALS, "bpr": BPR}
# What a retrain tries when it tunes ALS: on the demo marketplace (1.6k people × 2.2k posts) 16
# factors with strong regularisation score 0.035 NDCG@10 where the defaults score 0.020, while a
# platform with a large catalogue wants more factors; the search settles it on each retrain's data.
ALS_SEARCH_SPACE: dict[str, tuple] = {"factors": (16, 32, 64), "regularization": (0.05, 1.0, 10.0),
                                      "alpha": (1.0, 5.0)}


@dataclass(frozen=True)
class RetrainConfig:
    kind: str = "post"  # registry kind and Redis space
    item_col: str = "post_id"
    model: str = "als"
    params: Mapping[str, Any] = field(default_factory=dict)
    weights: Mapping[str, float] = field(default_factory=lambda: dict(POST_EVENT_WEIGHTS))
    negative_weights: Mapping[str, float] = field(default_factory=lambda: dict(NEGATIVE_WEIGHTS))
    half_life_days: float | None = 30.0
    holdout_fraction: float = 0.1  # share of the newest events held out
    holdout_metric: str = "ndcg@10"
    ks: tuple[int, ...] = (10, 50)
    candidates_k: int = 500
    similar_k: int = 50
    min_improvement: float = 0.0
    # Hyper-parameter search before the fit: points of this space (over `params`) are scored on a
    # temporal validation split carved from the training part, the best is fitted on all of it.
    # Skipped above `search_max_pairs` training pairs, where a search costs too many full fits.
    search_space: Mapping[str, tuple] | None = None
    search_trials: int = 8
    search_max_pairs: int = 2_000_000
    batch_size: int = 2048
    eval_users: int | None = 10_000  # holdout users scored (a seeded sample beyond this)
    candidate_pool_sample: int | None = 2_000  # see candidate_pool; None scores every item for everyone

    @classmethod
    def products(cls, **overrides: Any) -> RetrainConfig:
        return cls(**{"kind": "product", "item_col": "product_id", "weights": dict(PRODUCT_EVENT_WEIGHTS),
                      **overrides})


@dataclass
class RetrainResult:
    config: RetrainConfig
    record: ModelRecord  # the candidate trained in this run
    decision: Decision
    evaluation: Evaluation
    popularity: Evaluation
    champion_score: float | None  # the previous champion re-scored on this holdout
    serving: ModelRecord  # what the candidates were computed with
    train: Interactions  # the events before the holdout cutoff, which `record`'s model was fitted on
    data: Interactions  # the whole window, indexed by the serving model's items
    candidates: TopKLists
    similar: TopKLists | None
    timings: dict[str, float]

    def space(self, trending: TrendingLists | None = None) -> Space:
        return Space(self.config.kind, candidates=self.candidates, similar=self.similar, trending=trending)

    def summary(self) -> dict[str, Any]:
        return {"kind": self.config.kind, "candidate": self.record.id, "serving": self.serving.id,
                "promoted": self.decision.promoted, "reason": self.decision.reason,
                "metric": self.config.holdout_metric,
                "candidate_score": self.evaluation.metrics.get(self.config.holdout_metric),
                "popularity_score": self.popularity.metrics.get(self.config.holdout_metric),
                "champion_score": self.champion_score, "users": len(self.candidates.keys),
                "items": len(self.candidates.item_ids), "timings": self.timings}


def user_factors_for(model: FactorModel, data: Interactions) -> np.ndarray:
    """Factors of every user of `data` (indexed by the model's items) over data's whole window.

    ALS re-solves everyone against its fixed item factors, warm-started from the trained factors of
    people it knows (cheap conjugate-gradient steps, the same ALS uses per iteration). BPR cannot
    re-solve; people it knows keep their trained factors, the others get the mean of their items.
    """
    known = np.full(data.n_users, -1, np.int64)
    if model.user_ids is not None:
        index = {u: i for i, u in enumerate(model.user_ids.tolist())}
        known = np.fromiter((index.get(u, -1) for u in data.user_ids.tolist()), np.int64, data.n_users)
    hit = known >= 0
    if isinstance(model, ALS):
        warm = np.zeros((data.n_users, model.item_factors.shape[1]), model.item_factors.dtype)
        warm[hit] = model.user_factors[known[hit]]
        return model.solve_users(model.confidences(data), warm=warm)
    factors = model.fold_in(data.matrix)
    factors[hit] = model.user_factors[known[hit]]
    return factors


def candidate_pool(model: FactorModel, factors: np.ndarray, exclusions: sp.csr_matrix, k: int, *,
                   sample: int, seed: int = 0) -> np.ndarray:
    """Item columns worth scoring for everyone: the union of the exact top-(1.5·k) lists of a random
    sample of users. On a real catalogue a large part of the items (the long tail, stale posts) is in
    nobody's top 500; leaving them out of the all-users pass saves most of its cost. Approximate:
    `bench.bench_ranking_retrain` measures how much of the exact lists it keeps."""
    rows = np.random.default_rng(seed).choice(factors.shape[0], size=min(sample, factors.shape[0]), replace=False)
    ids, _ = topk_factors(model.item_factors, factors[rows], int(1.5 * k), exclude=exclusions[rows])
    return np.unique(ids[ids >= 0])


def candidates_for_all(model: FactorModel, data: Interactions, k: int = 500, *, batch_size: int = 2048,
                       pool_sample: int | None = None, factors: np.ndarray | None = None) -> TopKLists:
    """Top-k for every user of `data` (indexed by the model's items), seen and hidden items left out.
    With `pool_sample`, only items in the sampled `candidate_pool` are scored."""
    factors = user_factors_for(model, data) if factors is None else factors
    exclusions = data.exclusions()
    if pool_sample and data.n_users > 2 * pool_sample and data.n_items > 2 * k:
        pool = candidate_pool(model, factors, exclusions, k, sample=pool_sample)
        cols, scores = topk_factors(model.item_factors[pool], factors, k, exclude=exclusions[:, pool],
                                    batch_size=batch_size)
        # Pool positions → item columns; -1 ("no item") wraps onto the -1 appended at the end. One
        # in-place gather: np.where over 25M entries cost more than the selection of a batch.
        np.take(np.append(pool, -1).astype(np.int64), cols, out=cols, mode="wrap")
    else:
        cols, scores = topk_factors(model.item_factors, factors, k, exclude=exclusions, batch_size=batch_size)
    return TopKLists(keys=data.user_ids, cols=cols, scores=scores, item_ids=data.item_ids)


def _champion_on_holdout(champion: FactorModel, train_events: pl.DataFrame, test: Interactions,
                         cfg: RetrainConfig) -> float | None:
    """Score the champion on this run's holdout with the same history the candidate had."""
    history = build_interactions(train_events, item_col=cfg.item_col, weights=cfg.weights,
                                 negative_weights=cfg.negative_weights, half_life_days=cfg.half_life_days,
                                 items=champion.item_ids)
    users = test.user_ids[np.flatnonzero(np.diff(test.matrix.indptr) > 0)]
    rows = history.rows_of(users)
    users, rows = users[rows >= 0], rows[rows >= 0]
    if users.size == 0:
        return None
    factors = user_factors_for(champion, history)[rows]
    recs, _ = champion.recommend_factors(factors, max(cfg.ks), exclude=history.exclusions()[rows])
    # Champion columns → item ids → this holdout's columns (-1 for items the holdout does not index).
    test_cols = test.cols_of(champion.item_ids.tolist())
    mapped = np.where(recs >= 0, test_cols[np.maximum(recs, 0)], -1)
    relevant = test.matrix[test.rows_of(users)]
    return ranking_metrics(mapped, relevant, cfg.ks).get(cfg.holdout_metric)


def retrain(
    events: pl.DataFrame | pa.Table,
    *,
    registry: ModelRegistry,
    config: RetrainConfig | None = None,
    on_step: Callable[[str, float], None] | None = None,
) -> RetrainResult:
    """Train, evaluate, register, promote and compute serving candidates (module docstring).

    The candidates come from the champion after the guardrail: the new model when promoted, else
    the previous champion folded in over the new data. On the very first run there is nothing to
    fall back to, so the candidate serves even if it failed the guardrail (the decision says so)."""
    cfg = config or RetrainConfig()
    if cfg.model not in MODELS:
        raise ValueError(f"model must be one of {sorted(MODELS)}")
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = timings.get(name, 0.0) + now - clock
        clock = now
        if on_step:
            on_step(name, timings[name])

    frame = as_frame(events).filter(pl.col(cfg.item_col).is_not_null())
    train_events, test_events, cutoff = temporal_split(frame, test_fraction=cfg.holdout_fraction)
    train = build_interactions(train_events, item_col=cfg.item_col, weights=cfg.weights,
                               negative_weights=cfg.negative_weights, half_life_days=cfg.half_life_days, now=cutoff)
    test = build_interactions(test_events, item_col=cfg.item_col, weights=relevance_weights(cfg.weights),
                              negative_weights={}, half_life_days=None, like=train)
    relevant = relevant_matrix(train, test)
    scored = np.flatnonzero(np.diff(relevant.indptr) > 0)
    if cfg.eval_users and scored.size > cfg.eval_users:
        # A seeded sample: metrics over 10k people are precise to about ±0.005, and scoring every
        # user would cost as much as the fit on a large platform.
        keep = np.zeros(relevant.shape[0], np.float32)
        keep[np.random.default_rng(0).choice(scored, cfg.eval_users, replace=False)] = 1.0
        relevant = sp.csr_matrix(sp.diags(keep) @ relevant)
        relevant.eliminate_zeros()
    test = test.with_matrix(relevant)
    step("dataset")

    params, searched = dict(cfg.params), None
    if cfg.search_space and 0 < train.matrix.nnz <= cfg.search_max_pairs:
        fit_part, validation = temporal_holdout(train_events, item_col=cfg.item_col, weights=cfg.weights,
                                                negative_weights=cfg.negative_weights,
                                                half_life_days=cfg.half_life_days, test_fraction=cfg.holdout_fraction)
        if validation.matrix.nnz and fit_part.matrix.nnz:
            found = search(MODELS[cfg.model], cfg.search_space, fit_part, validation, metric=cfg.holdout_metric,
                           n_trials=cfg.search_trials, fixed=params)
            params = found.best_params
            searched = {"best": found.best_params, "score": found.best_score, "trials": len(found.trials)}
        step("search")
    candidate = MODELS[cfg.model](**params).fit(train)
    step("train")
    evaluation = evaluate(candidate, train, test, ks=cfg.ks, fit=False, batch_size=cfg.batch_size)
    popularity = evaluate(Popularity(), train, test, ks=cfg.ks, batch_size=cfg.batch_size)
    champion_loaded = registry.load_champion(cfg.kind)
    champion_score = None
    if champion_loaded is not None and isinstance(champion_loaded[1], FactorModel):
        champion_score = _champion_on_holdout(champion_loaded[1], train_events, test, cfg)
    step("evaluate")

    ends = [w for w in (train.window[1], test.window[1]) if w is not None]
    window = (train.window[0], max(ends) if ends else None)
    metrics = {**evaluation.metrics, **{f"popularity_{k}": v for k, v in popularity.metrics.items()}}
    record = registry.register(candidate, kind=cfg.kind, metrics=metrics, holdout_metric=cfg.holdout_metric,
                               data_window=window, notes={"cutoff": cutoff.isoformat(), "train": train.stats,
                                                          "champion_on_holdout": champion_score, "search": searched})
    decision = registry.promote(record.id, baseline=champion_score,
                                floor=popularity.metrics.get(cfg.holdout_metric),
                                min_improvement=cfg.min_improvement)
    if decision.promoted or champion_loaded is None:
        serving_record, serving_model = record, candidate
    else:
        serving_record, serving_model = champion_loaded
    step("register")

    data = build_interactions(frame, item_col=cfg.item_col, weights=cfg.weights,
                              negative_weights=cfg.negative_weights, half_life_days=cfg.half_life_days,
                              items=serving_model.item_ids)
    step("dataset")
    candidates = candidates_for_all(serving_model, data, cfg.candidates_k, batch_size=cfg.batch_size,
                                    pool_sample=cfg.candidate_pool_sample)
    step("candidates")
    similar = None
    if cfg.similar_k:
        ids, scores = similar_items_table(serving_model, cfg.similar_k, batch_size=cfg.batch_size)
        similar = TopKLists(keys=data.item_ids, cols=ids, scores=scores, item_ids=data.item_ids)
    step("similar")
    return RetrainResult(config=cfg, record=record, decision=decision, evaluation=evaluation, popularity=popularity,
                         champion_score=champion_score, serving=serving_record, train=train, data=data,
                         candidates=candidates, similar=similar, timings=timings)
