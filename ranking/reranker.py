"""Second stage of the for-you feed: a scikit-learn ranker over logged impressions.

Candidates come from several sources (CF, following, trending, fresh posts) whose scores do not
share a scale; the ranker learns from what people did with what they were shown — every served
item is logged as an impression, and an impression is labelled by whether the person engaged with
the post (click, like, save, …) and whether they bought a tagged product.

Features are built by `candidate_features` from raw values that serving knows at request time (CF
score and rank, age, author affinity, follow, the post's impressions and engagements, the tagged
product's price, clicks and purchases, trending score, and the viewer's taste for the post's hashtags
and categories — content signals that also cover posts too new for CF). Training and serving call the same pure
function, so they cannot drift apart; a raw value serving does not have is simply left out (or
NaN) — histogram gradient boosting handles missing values natively, which is why it is the model.

score = P(engage) + purchase_weight · P(purchase): the feed optimises engagement *and* sales.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from typing import Any

import numpy as np
import polars as pl
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from ranking._blas import openmp_threads
from ranking.datasets import as_frame, epoch_micros

__all__ = ["FEATURE_NAMES", "RAW_INPUTS", "Reranker", "auc", "candidate_features", "evaluate_reranker", "grouped_ndcg",
           "label_impressions", "split_by_group"]

RAW_INPUTS: dict[str, float] = {  # raw value → what it means when serving does not know it
    "cf_score": np.nan,  # not among the CF candidates (fresh post, following, trending)
    "cf_rank": np.nan,
    "age_hours": np.nan,
    "author_affinity": 0.0,
    "follows_author": 0.0,
    "item_impressions": 0.0,
    "item_engagements": 0.0,
    "tagged_price": 0.0,  # IDR of the cheapest tagged product; 0 = no product tagged
    "tagged_clicks": 0.0,
    "tagged_purchases": 0.0,
    "trending_score": 0.0,
    "hashtag_affinity": 0.0,  # the viewer's share of engagement on the post's hashtags (the best one)
    "category_affinity": 0.0,  # ... on the categories of the products it tags
}
FEATURE_NAMES = ("cf_score", "cf_rank_log", "age_log", "freshness", "author_affinity", "follows_author",
                 "impressions_log", "ctr", "has_product", "price_log", "conversion", "trending_log",
                 "hashtag_affinity", "category_affinity")
# Smoothing priors: a post with 3 impressions and 1 like is not a 33% CTR.
CTR_PRIOR = (1.0, 50.0)  # (engagements, impressions) added
CONVERSION_PRIOR = (0.5, 25.0)  # (purchases, clicks) added


def _column(raw: Mapping[str, Any] | pl.DataFrame, name: str, n: int) -> np.ndarray:
    if isinstance(raw, pl.DataFrame):
        present = name in raw.columns
        values = raw.get_column(name).cast(pl.Float64).fill_null(np.nan).to_numpy() if present else None
    else:
        values = np.asarray(raw[name], dtype=np.float64) if name in raw else None
    if values is None:
        return np.full(n, RAW_INPUTS[name], dtype=np.float64)
    return np.where(np.isnan(values), RAW_INPUTS[name], values) if not np.isnan(RAW_INPUTS[name]) else values


def candidate_features(raw: Mapping[str, Any] | pl.DataFrame) -> np.ndarray:
    """(n, len(FEATURE_NAMES)) float array from raw per-candidate values (see RAW_INPUTS)."""
    if isinstance(raw, pl.DataFrame):
        n = raw.height
    else:
        lengths = {len(np.atleast_1d(v)) for v in raw.values()}
        if len(lengths) > 1:
            raise ValueError(f"raw inputs have different lengths: {sorted(lengths)}")
        n = lengths.pop() if lengths else 0
    unknown = set(raw.columns if isinstance(raw, pl.DataFrame) else raw) - set(RAW_INPUTS)
    if not isinstance(raw, pl.DataFrame) and unknown:
        raise ValueError(f"unknown raw inputs: {sorted(unknown)}")
    c = {name: _column(raw, name, n) for name in RAW_INPUTS}
    price = np.maximum(c["tagged_price"], 0.0)
    return np.column_stack([
        c["cf_score"],
        np.log1p(np.maximum(c["cf_rank"], 0.0)),
        np.log1p(np.maximum(c["age_hours"], 0.0)),
        0.5 ** (np.maximum(c["age_hours"], 0.0) / 24.0),
        c["author_affinity"],
        c["follows_author"],
        np.log1p(np.maximum(c["item_impressions"], 0.0)),
        (c["item_engagements"] + CTR_PRIOR[0]) / (c["item_impressions"] + CTR_PRIOR[1]),
        (price > 0).astype(np.float64),
        np.log1p(price),
        (c["tagged_purchases"] + CONVERSION_PRIOR[0]) / (c["tagged_clicks"] + CONVERSION_PRIOR[1]),
        np.log1p(np.maximum(c["trending_score"], 0.0)),
        c["hashtag_affinity"],
        c["category_affinity"],
    ])


# With `monotonic`, a higher CF score, affinity (author, hashtag, category), follow or smoothed CTR never lowers the
# predicted chance of engaging: on a small platform's few thousand logged impressions that prior
# keeps the trees from learning noise (out-of-fold NDCG over CF alone: better on 7 of 7 seeded
# histories, against 6 of 7 unconstrained).
MONOTONE_INCREASING = ("cf_score", "author_affinity", "follows_author", "ctr", "hashtag_affinity", "category_affinity")


def _classifier(params: Mapping[str, Any], seed: int) -> HistGradientBoostingClassifier:
    constraints = [1 if name in MONOTONE_INCREASING else 0 for name in FEATURE_NAMES] if params["monotonic"] else None
    return HistGradientBoostingClassifier(
        max_iter=int(params["max_iter"]), learning_rate=float(params["learning_rate"]),
        max_leaf_nodes=int(params["max_leaf_nodes"]), l2_regularization=float(params["l2_regularization"]),
        monotonic_cst=constraints, early_stopping=False, random_state=seed)


class Reranker:
    DEFAULTS: dict[str, Any] = {"purchase_weight": 3.0, "max_iter": 100, "learning_rate": 0.08,
                                "max_leaf_nodes": 15, "l2_regularization": 1.0, "min_purchases": 20, "seed": 0,
                                "threads": 1, "monotonic": False}

    def __init__(self, **params: Any) -> None:
        unknown = set(params) - set(self.DEFAULTS)
        if unknown:
            raise ValueError(f"unknown reranker parameters: {sorted(unknown)}")
        self.params = {**self.DEFAULTS, **params}
        self.engage: HistGradientBoostingClassifier | None = None
        self.purchase: HistGradientBoostingClassifier | None = None

    def fit(self, impressions: pl.DataFrame, *, engaged_col: str = "engaged",
            purchased_col: str = "purchased") -> Reranker:
        """Fit on one row per logged impression with raw inputs and boolean outcome columns."""
        x = candidate_features(impressions.select([c for c in impressions.columns if c in RAW_INPUTS]))
        engaged = impressions[engaged_col].cast(pl.Boolean).to_numpy()
        if engaged.all() or not engaged.any():
            raise ValueError("the impressions need both engaged and not-engaged rows")
        self.purchase = None
        with openmp_threads(int(self.params["threads"])):
            self.engage = _classifier(self.params, self.params["seed"]).fit(x, engaged)
            if purchased_col in impressions.columns:
                bought = impressions[purchased_col].cast(pl.Boolean).to_numpy()
                # Too few purchases give a noisy model that would only add variance to the ranking.
                if int(bought.sum()) >= self.params["min_purchases"] and not bought.all():
                    self.purchase = _classifier(self.params, self.params["seed"] + 1).fit(x, bought)
        return self

    def score(self, raw: Mapping[str, Any] | pl.DataFrame) -> np.ndarray:
        if self.engage is None:
            raise RuntimeError("fit the reranker first")
        if isinstance(raw, pl.DataFrame):
            raw = raw.select([c for c in raw.columns if c in RAW_INPUTS])
        x = candidate_features(raw)
        with openmp_threads(int(self.params["threads"])):
            out = self.engage.predict_proba(x)[:, 1]
            if self.purchase is not None:
                out = out + self.params["purchase_weight"] * self.purchase.predict_proba(x)[:, 1]
        return out

    def to_bytes(self) -> bytes:
        return pickle.dumps({"params": self.params, "engage": self.engage, "purchase": self.purchase,
                             "features": FEATURE_NAMES, "sklearn": sklearn.__version__})

    @classmethod
    def from_bytes(cls, blob: bytes) -> Reranker:
        state = pickle.loads(blob)  # noqa: S301 - our own registry artifact, never user input
        if tuple(state["features"]) != FEATURE_NAMES:
            raise ValueError("the artifact was trained on another feature set; retrain it")
        model = cls(**state["params"])
        model.engage, model.purchase = state["engage"], state["purchase"]
        return model


ENGAGEMENTS = ("post_click", "like", "comment", "share", "save", "product_tag_click", "product_view", "add_to_cart")


def label_impressions(events: pl.DataFrame | Any, *, item_col: str = "post_id", window_hours: float = 24.0,
                      engagements: tuple[str, ...] = ENGAGEMENTS) -> pl.DataFrame:
    """The re-ranker's training rows from the interaction log: every impression, with `engaged` and
    `purchased` set when the same person engaged with (or bought through) the post within
    `window_hours` after it. An outcome is credited to the latest impression before it only, so a
    post shown five times and liked once yields one positive, not five. All impression columns are
    kept (surface, position, session, `properties` — where serving logs the raw feature values)."""
    frame = as_frame(events)
    micros = epoch_micros(frame, "occurred_at")
    frame = frame.with_columns(micros.alias("_us")).filter(pl.col(item_col).is_not_null())
    impressions = frame.filter(pl.col("event_type") == "impression").with_row_index("_imp").sort("_us")
    outcomes = (frame.filter(pl.col("event_type").is_in([*engagements, "purchase"]))
                .select("user_id", item_col, "_us", (pl.col("event_type") == "purchase").alias("_bought"))
                .sort("_us"))
    credited = outcomes.join_asof(
        impressions.select("user_id", item_col, "_us", "_imp"), on="_us", by=["user_id", item_col],
        strategy="backward", tolerance=int(window_hours * 3600e6), check_sortedness=False,  # sorted above
    ).filter(pl.col("_imp").is_not_null()).group_by("_imp").agg(
        pl.lit(True).alias("engaged"), pl.col("_bought").any().alias("purchased"))
    return (impressions.join(credited, on="_imp", how="left")
            .with_columns(pl.col("engaged").fill_null(False), pl.col("purchased").fill_null(False))
            .sort("_imp").drop("_imp", "_us"))


def grouped_ndcg(scores: np.ndarray, gains: np.ndarray, groups: np.ndarray, *, k: int = 10) -> float:
    """Mean NDCG@k of the order `scores` puts each group (one feed request) in; groups without any
    gain are skipped. NaN scores rank last."""
    scores = np.where(np.isnan(scores), -np.inf, np.asarray(scores, dtype=np.float64))
    gains = np.asarray(gains, dtype=np.float64)
    groups = np.asarray(groups)
    order = np.lexsort((-scores, groups))
    g_sorted, gains_sorted = groups[order], gains[order]
    starts = np.flatnonzero(np.r_[True, g_sorted[1:] != g_sorted[:-1]])
    ends = np.r_[starts[1:], g_sorted.size]
    discounts = 1.0 / np.log2(np.arange(k) + 2.0)
    values = []
    for s, e in zip(starts, ends, strict=True):
        got = gains_sorted[s:e][:k]
        ideal = np.sort(gains_sorted[s:e])[::-1][:k]
        idcg = float(ideal @ discounts[:ideal.size])
        if idcg > 0:
            values.append(float(got @ discounts[:got.size]) / idcg)
    return float(np.mean(values)) if values else 0.0


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    scores = np.where(np.isnan(scores), -np.inf, scores)
    scores = np.where(np.isinf(scores), np.nanmin(scores[np.isfinite(scores)], initial=0.0) - 1.0, scores)
    return float(roc_auc_score(labels, scores))


def split_by_group(frame: pl.DataFrame, *, group_col: str = "request_id", test_fraction: float = 0.3,
                   seed: int = 0) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Whole requests go to one side, so the holdout ranks lists the model never saw a part of."""
    groups = frame[group_col].unique().sort().to_numpy()
    held = set(np.random.default_rng(seed).permutation(groups)[: int(round(test_fraction * groups.size))].tolist())
    mask = frame[group_col].is_in(list(held))
    return frame.filter(~mask), frame.filter(mask)


def evaluate_reranker(model: Reranker, holdout: pl.DataFrame, *, k: int = 10, group_col: str = "request_id",
                      purchase_weight: float | None = None) -> dict[str, float]:
    """The ranker against CF score alone on the same holdout requests (NDCG@k of engagement +
    weighted purchase gains, and engagement AUC)."""
    w = model.params["purchase_weight"] if purchase_weight is None else purchase_weight
    gains = holdout["engaged"].cast(pl.Float64).to_numpy()
    if "purchased" in holdout.columns:
        gains = gains + w * holdout["purchased"].cast(pl.Float64).to_numpy()
    groups = holdout[group_col].to_numpy()
    ranker = model.score(holdout)
    cf = holdout["cf_score"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    engaged = holdout["engaged"].cast(pl.Boolean).to_numpy()
    return {f"ndcg@{k}_reranker": grouped_ndcg(ranker, gains, groups, k=k),
            f"ndcg@{k}_cf": grouped_ndcg(cf, gains, groups, k=k),
            "auc_reranker": auc(ranker, engaged), "auc_cf": auc(cf, engaged)}
