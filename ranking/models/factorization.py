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
from implicit.nearest_neighbours import bm25_weight, tfidf_weight

from ranking._blas import single_threaded_blas
from ranking.datasets import Interactions
from ranking.models.base import Recommender, TopK, topk_factors

__all__ = ["ALS", "BPR", "FactorModel", "weigh"]

WEIGHTINGS = ("none", "log", "bm25", "tfidf")


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
                          exclude: sp.csr_matrix | None = None) -> TopK:
        """Top-k for arbitrary user vectors (folded-in new users, blended tastes)."""
        if exclude is not None:
            exclude = sp.csr_matrix(exclude)
        return topk_factors(self.item_factors, np.atleast_2d(user_factors), k, exclude=exclude)

    def item_scores(self, rows: np.ndarray) -> np.ndarray:
        return self.user_factors[np.asarray(rows)] @ self.item_factors.T

    def similar_items(self, cols: np.ndarray, k: int) -> TopK:
        """Cosine neighbours in factor space, the item itself left out."""
        cols = np.asarray(cols, dtype=np.int64)
        factors = self.item_factors
        norms = np.linalg.norm(factors, axis=1)
        norms[norms == 0] = 1.0
        unit = (factors / norms[:, None]).astype(np.float32)
        itself = sp.csr_matrix((np.ones(cols.size, np.float32), (np.arange(cols.size), cols)),
                               shape=(cols.size, factors.shape[0]))
        return topk_factors(unit, unit[cols], k, exclude=itself)

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"user_factors": self.user_factors, "item_factors": self.item_factors}

    def _new_model(self) -> Any:
        raise NotImplementedError

    @classmethod
    def from_arrays(cls, params: dict[str, Any], arrays: dict[str, np.ndarray]) -> FactorModel:
        model = cls(**params)
        model.model = model._new_model()
        model.model.user_factors = np.ascontiguousarray(arrays["user_factors"])
        model.model.item_factors = np.ascontiguousarray(arrays["item_factors"])
        return model


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
        """User factors for people the model has not seen, from their rows of raw confidences over
        the model's items (one exact least-squares solve each, item factors fixed). For a few
        people (cold start); many at once go through `solve_users`."""
        p = self.params
        history = sp.csr_matrix(history, dtype=np.float32)
        weighted = weigh(history, p["weighting"], bm25_k1=p["bm25_k1"], bm25_b=p["bm25_b"]) \
            if p["weighting"] in ("none", "log") else history  # bm25/tfidf need corpus statistics
        with single_threaded_blas():
            return np.atleast_2d(self.model.recalculate_user(np.arange(history.shape[0]), weighted))

    def solve_users(self, confidences: sp.csr_matrix, *, warm: np.ndarray | None = None,
                    cg_steps: int = 4) -> np.ndarray:
        """User factors for many people at once against the fixed item factors, by the conjugate-
        gradient steps ALS itself uses, started from `warm` (their last factors) where known. Much
        cheaper than `fold_in`'s exact solve, and as good when warm-started; a few steps from zero
        are a fair start for people the model has not seen."""
        n = confidences.shape[0]
        factors = np.zeros((n, self.item_factors.shape[1]), dtype=self.item_factors.dtype)
        if warm is not None:
            factors[:] = warm
        scaled = sp.csr_matrix(confidences, dtype=np.float32) * float(self.params["alpha"])
        self.model.cg_steps = cg_steps
        with single_threaded_blas():
            self.model.solver(scaled, factors, self.item_factors, float(self.params["regularization"]),
                              num_threads=int(self.params["num_threads"]))
        return factors



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

