"""The platform's collaborative-filtering models: implicit's ALS and BPR behind one interface.

ALS (Hu, Koren & Volinsky 2008) fits user and item factors to all of a person's confidences at once
and is the default: it is fast, deterministic given a seed, and can fold in a new person's first few
likes with one least-squares solve (`fold_in`), which cold start needs. BPR optimises pairwise
ranking by sampling; it is kept as the alternative the harness compares against.

Confidence scaling is part of the model's parameters so the search can tune it: `alpha` multiplies
the confidences (implicit's own knob), `weighting` reshapes them first — `log` compresses heavy
users and repeated events, `bm25` / `tfidf` down-weight very popular items and very active users
(the idf is taken over items, as in implicit's lastfm example).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares
from implicit.cpu.bpr import BayesianPersonalizedRanking
from implicit.cpu.topk import topk
from implicit.nearest_neighbours import bm25_weight, tfidf_weight

from ranking._blas import single_threaded_blas
from ranking.datasets import Interactions
from ranking.models.base import Recommender, TopK

__all__ = ["ALS", "BPR", "FactorModel", "clean_implicit_topk", "weigh"]

WEIGHTINGS = ("none", "log", "bm25", "tfidf")
_IMPLICIT_PAD = np.finfo(np.float32).min / 2


def weigh(matrix: sp.csr_matrix, weighting: str, *, bm25_k1: float = 100.0, bm25_b: float = 0.8) -> sp.csr_matrix:
    """Reshape positive confidences before factorisation (see the module docstring)."""
    if weighting == "none" or matrix.nnz == 0:
        return matrix
    if weighting == "log":
        out = matrix.copy()
        out.data = np.log1p(out.data).astype(np.float32)
        return out
    if weighting == "bm25":
        return sp.csr_matrix(bm25_weight(matrix.T, K1=bm25_k1, B=bm25_b).T, dtype=np.float32)
    if weighting == "tfidf":
        return sp.csr_matrix(tfidf_weight(matrix.T).T, dtype=np.float32)
    raise ValueError(f"weighting must be one of {WEIGHTINGS}, not {weighting!r}")


def clean_implicit_topk(ids: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """implicit pads short rows with float32-lowest followed by (id 0, score 0) filler; turn every
    slot from the first pad on into -1 / -inf."""
    ids = np.atleast_2d(np.asarray(ids)).astype(np.int64)
    scores = np.atleast_2d(np.asarray(scores)).astype(np.float32)
    padded = np.logical_or.accumulate(scores <= _IMPLICIT_PAD, axis=1)
    ids[padded] = -1
    scores[padded] = -np.inf
    return ids, scores


class FactorModel(Recommender):
    """Shared by ALS and BPR: scoring, top-k, similar items and persistence of user/item factors."""

    DEFAULTS: dict[str, Any] = {}

    def __init__(self, **params: Any) -> None:
        unknown = set(params) - set(self.DEFAULTS)
        if unknown:
            raise ValueError(f"unknown {self.family} parameters: {sorted(unknown)}")
        super().__init__(**{**self.DEFAULTS, **params})
        self.model: Any = None

    @property
    def user_factors(self) -> np.ndarray:
        return self.model.user_factors

    @property
    def item_factors(self) -> np.ndarray:
        return self.model.item_factors

    def recommend(self, rows: np.ndarray, k: int, *, exclude: sp.csr_matrix | None = None) -> TopK:
        rows = np.asarray(rows, dtype=np.int64)
        return self.recommend_factors(self.user_factors[rows], k, exclude=exclude)

    def recommend_factors(self, user_factors: np.ndarray, k: int, *,
                          exclude: sp.csr_matrix | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k for arbitrary user vectors (folded-in new users, blended tastes)."""
        n_items = self.item_factors.shape[0]
        n = min(k, n_items)
        if exclude is not None:
            exclude = sp.csr_matrix(exclude, dtype=np.float32)
        with single_threaded_blas():
            ids, scores = topk(self.item_factors, np.ascontiguousarray(user_factors, dtype=self.item_factors.dtype),
                               n, filter_query_items=exclude, num_threads=self.params["num_threads"])
        ids, scores = clean_implicit_topk(ids, scores)
        if n < k:
            ids = np.pad(ids, ((0, 0), (0, k - n)), constant_values=-1)
            scores = np.pad(scores, ((0, 0), (0, k - n)), constant_values=-np.inf)
        return ids, scores

    def item_scores(self, rows: np.ndarray) -> np.ndarray:
        return self.user_factors[np.asarray(rows)] @ self.item_factors.T

    def similar_items(self, cols: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Cosine neighbours in factor space, the item itself left out."""
        cols = np.asarray(cols, dtype=np.int64)
        factors = self.item_factors
        norms = np.linalg.norm(factors, axis=1)
        norms[norms == 0] = 1.0
        unit = (factors / norms[:, None]).astype(np.float32)
        exclude = sp.csr_matrix((np.ones(cols.size, np.float32), (np.arange(cols.size), cols)),
                                shape=(cols.size, factors.shape[0]))
        n = min(k, factors.shape[0] - 1)
        with single_threaded_blas():
            ids, scores = topk(unit, unit[cols], max(n, 1), filter_query_items=exclude,
                               num_threads=self.params["num_threads"])
        ids, scores = clean_implicit_topk(ids, scores)
        if n < k:
            ids = np.pad(ids[:, :max(n, 0)], ((0, 0), (0, k - max(n, 0))), constant_values=-1)
            scores = np.pad(scores[:, :max(n, 0)], ((0, 0), (0, k - max(n, 0))), constant_values=-np.inf)
        return ids, scores

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"user_factors": self.user_factors, "item_factors": self.item_factors}


class ALS(FactorModel):
    family = "als"
    DEFAULTS: dict[str, Any] = {
        "factors": 64, "regularization": 0.05, "alpha": 1.0, "iterations": 15, "weighting": "none",
        "bm25_k1": 100.0, "bm25_b": 0.8, "negative_confidence": 1.0, "seed": 0, "num_threads": 0,
    }

    def _new_model(self) -> AlternatingLeastSquares:
        p = self.params
        with single_threaded_blas():
            return AlternatingLeastSquares(
                factors=int(p["factors"]), regularization=float(p["regularization"]), alpha=float(p["alpha"]),
                iterations=int(p["iterations"]), random_state=int(p["seed"]), num_threads=int(p["num_threads"]))

    def confidences(self, data: Interactions) -> sp.csr_matrix:
        """What ALS is fitted on: weighted positives, negatives as negative entries."""
        p = self.params
        positives = weigh(data.matrix, p["weighting"], bm25_k1=p["bm25_k1"], bm25_b=p["bm25_b"])
        if p["negative_confidence"] > 0 and data.negatives.nnz:
            out = (positives - float(p["negative_confidence"]) * data.negatives).tocsr().astype(np.float32)
            out.eliminate_zeros()
            return out
        return positives

    def fit(self, train: Interactions) -> ALS:
        self.model = self._new_model()
        with single_threaded_blas():
            self.model.fit(self.confidences(train), show_progress=False)
        self._remember_ids(train)
        return self

    def fold_in(self, history: sp.csr_matrix) -> np.ndarray:
        """User factors for people the model has not seen, from their rows of confidences over the
        model's items (one least-squares solve each, item factors fixed)."""
        p = self.params
        history = sp.csr_matrix(history, dtype=np.float32)
        weighted = weigh(history, p["weighting"], bm25_k1=p["bm25_k1"], bm25_b=p["bm25_b"]) \
            if p["weighting"] in ("none", "log") else history  # bm25/tfidf need corpus statistics
        with single_threaded_blas():
            return np.atleast_2d(self.model.recalculate_user(np.arange(history.shape[0]), weighted))

    def refresh_users(self, data: Interactions) -> None:
        """Re-solve every user's factors against newer data with the items fixed: half an ALS
        iteration, so a model evaluated on yesterday's split serves today's tastes (the matrix must
        use this model's index maps)."""
        if data.shape != (self.user_factors.shape[0], self.item_factors.shape[0]):
            raise ValueError("refresh_users needs a matrix indexed like the training matrix")
        with single_threaded_blas():
            self.model.user_factors = np.ascontiguousarray(
                self.model.recalculate_user(np.arange(data.n_users), self.confidences(data)))

    @classmethod
    def from_arrays(cls, params: dict[str, Any], arrays: dict[str, np.ndarray]) -> ALS:
        model = cls(**params)
        model.model = model._new_model()
        model.model.user_factors = np.ascontiguousarray(arrays["user_factors"])
        model.model.item_factors = np.ascontiguousarray(arrays["item_factors"])
        return model


class BPR(FactorModel):
    family = "bpr"
    DEFAULTS: dict[str, Any] = {
        "factors": 64, "learning_rate": 0.01, "regularization": 0.01, "iterations": 100, "seed": 0,
        "num_threads": 0,
    }

    def _new_model(self) -> BayesianPersonalizedRanking:
        p = self.params
        with single_threaded_blas():
            return BayesianPersonalizedRanking(
                factors=int(p["factors"]), learning_rate=float(p["learning_rate"]),
                regularization=float(p["regularization"]), iterations=int(p["iterations"]),
                random_state=int(p["seed"]), num_threads=int(p["num_threads"]))

    def fit(self, train: Interactions) -> BPR:
        # BPR samples positives from the stored entries and ignores their values, so negatives
        # cannot be given to it; they stay exclusions at recommend time.
        self.model = self._new_model()
        with single_threaded_blas():
            self.model.fit(train.matrix, show_progress=False)
        self._remember_ids(train)
        return self

    def fold_in(self, history: sp.csr_matrix) -> np.ndarray:
        """implicit's BPR cannot re-solve a user; the confidence-weighted mean of the liked items'
        factors is the usual stand-in (the last column is the item bias, matched by a constant 1)."""
        history = sp.csr_matrix(history, dtype=np.float32)
        sums = np.asarray(history.sum(axis=1)).ravel()
        sums[sums == 0] = 1.0
        users = (history @ self.item_factors) / sums[:, None]
        users[:, -1] = 1.0
        return users.astype(self.item_factors.dtype)

    @classmethod
    def from_arrays(cls, params: dict[str, Any], arrays: dict[str, np.ndarray]) -> BPR:
        model = cls(**params)
        model.model = model._new_model()
        model.model.user_factors = np.ascontiguousarray(arrays["user_factors"])
        model.model.item_factors = np.ascontiguousarray(arrays["item_factors"])
        return model
