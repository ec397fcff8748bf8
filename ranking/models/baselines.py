"""Baselines every evaluation carries alongside the real models.

`Popularity` recommends the most engaged-with items the person has not seen: any model that cannot
beat it is not learning tastes. `ItemKNN` (implicit's item-item neighbours with cosine, tf-idf or
BM25 weights) is the classic neighbourhood method, kept for comparison and as the co-occurrence
source of related products; it is not one of the platform's feed models.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from implicit.nearest_neighbours import ItemItemRecommender, bm25_weight, normalize, tfidf_weight

from ranking._blas import single_threaded_blas
from ranking._sparse import first_k_valid, max_row_nnz, row_membership
from ranking.datasets import Interactions
from ranking.models.base import Recommender, TopK, clean_implicit_topk

__all__ = ["ItemKNN", "Popularity"]


class Popularity(Recommender):
    """Items ordered by how many people engaged with them (`by="users"`) or by summed confidence."""

    family = "popularity"

    def __init__(self, *, by: str = "users") -> None:
        if by not in ("users", "confidence"):
            raise ValueError("by must be 'users' or 'confidence'")
        super().__init__(by=by)
        self.scores: np.ndarray | None = None

    def fit(self, train: Interactions) -> Popularity:
        m = train.matrix
        if self.params["by"] == "users":
            self.scores = np.bincount(m.indices, minlength=m.shape[1]).astype(np.float32)
        else:
            self.scores = np.asarray(m.sum(axis=0), dtype=np.float32).ravel()
        self._remember_ids(train)
        return self

    def ranking(self) -> np.ndarray:
        return np.argsort(-self.scores, kind="stable")

    def recommend(self, rows: np.ndarray, k: int, *, exclude: sp.csr_matrix | None = None) -> TopK:
        n = len(rows)
        width = min(self.scores.size, k + max_row_nnz(exclude))
        top = self.ranking()[:width]
        ids = np.broadcast_to(top, (n, width))
        scores = np.broadcast_to(self.scores[top], (n, width))
        valid = ~row_membership(ids, exclude) if exclude is not None else np.ones((n, width), bool)
        return first_k_valid(ids, scores, valid, k)

    def item_scores(self, rows: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.scores, (len(rows), self.scores.size)).copy()

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"scores": self.scores}

    @classmethod
    def from_arrays(cls, params: dict[str, Any], arrays: dict[str, np.ndarray]) -> Popularity:
        model = cls(**params)
        model.scores = arrays["scores"]
        return model


# The weightings of implicit's Cosine/TFIDF/BM25 recommenders, done here so the item-item model is
# handed CSR (implicit's own classes pass it COO and warn about the conversion on every fit).
_KNN = {
    "cosine": lambda m: normalize(m.T).T,
    "tfidf": lambda m: normalize(tfidf_weight(m.T)).T,
    "bm25": lambda m: bm25_weight(m.T, K1=1.2, B=0.75).T,
}


class ItemKNN(Recommender):
    family = "itemknn"

    def __init__(self, *, neighbours: int = 100, similarity: str = "tfidf", num_threads: int = 0) -> None:
        if similarity not in _KNN:
            raise ValueError(f"similarity must be one of {sorted(_KNN)}")
        super().__init__(neighbours=neighbours, similarity=similarity, num_threads=num_threads)
        self.model: Any = None
        self.history: sp.csr_matrix | None = None

    def fit(self, train: Interactions) -> ItemKNN:
        self.model = ItemItemRecommender(K=int(self.params["neighbours"]), num_threads=int(self.params["num_threads"]))
        weighted = sp.csr_matrix(_KNN[self.params["similarity"]](train.matrix), dtype=np.float64)
        with single_threaded_blas():
            self.model.fit(weighted, show_progress=False)
        self.history = train.matrix
        self._remember_ids(train)
        return self

    def recommend(self, rows: np.ndarray, k: int, *, exclude: sp.csr_matrix | None = None) -> TopK:
        rows = np.asarray(rows, dtype=np.int64)
        n_items = self.history.shape[1]
        width = min(n_items, k + max_row_nnz(exclude))
        with single_threaded_blas():
            ids, scores = self.model.recommend(rows, self.history[rows], N=width, filter_already_liked_items=False)
        ids, scores = clean_implicit_topk(ids, scores)
        valid = ids >= 0
        if exclude is not None:
            valid &= ~row_membership(ids, exclude)
        return first_k_valid(ids, scores, valid, k)

    def similar_items(self, cols: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Co-occurrence neighbours (people who engaged with one also engaged with the other)."""
        cols = np.asarray(cols, dtype=np.int64)
        with single_threaded_blas():
            ids, scores = self.model.similar_items(cols, N=min(k + 1, self.history.shape[1]))
        ids, scores = np.atleast_2d(ids).astype(np.int64), np.atleast_2d(scores).astype(np.float32)
        valid = (ids != cols[:, None]) & (scores > 0)
        return first_k_valid(ids, scores, valid, k)
