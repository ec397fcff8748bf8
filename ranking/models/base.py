"""What every recommender in ranking/ offers, and the top-k helpers they share.

A model is fitted on an `Interactions` (so it knows the id maps and the negatives) and answers
`recommend(rows, k, exclude=...)` for a batch of matrix rows with two (n, k) arrays: item columns
(-1 where fewer than k items were left) and scores. Batches keep the per-call overhead of Python
out of the loop: 100k users are a few hundred calls, not 100k.

Models persist as a dict of numpy arrays plus their parameters (`to_arrays` / `from_arrays`), not
as pickles: an artifact written by one version of implicit or numpy stays readable by the next.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

from ranking.datasets import Interactions

__all__ = ["Recommender", "TopK", "mask_excluded", "pad_topk", "topk_dense"]

TopK = tuple[np.ndarray, np.ndarray]  # (n, k) item columns, (n, k) scores


class Recommender(ABC):
    family: ClassVar[str]

    def __init__(self, **params: Any) -> None:
        self.params: dict[str, Any] = params
        self.user_ids: np.ndarray | None = None
        self.item_ids: np.ndarray | None = None

    @property
    def name(self) -> str:
        return self.family

    @abstractmethod
    def fit(self, train: Interactions) -> Recommender: ...

    @abstractmethod
    def recommend(self, rows: np.ndarray, k: int, *, exclude: sp.csr_matrix | None = None) -> TopK:
        """Top-k item columns and scores for matrix rows `rows`; `exclude` has one row per entry of
        `rows` and marks items that must not come back."""

    def item_scores(self, rows: np.ndarray) -> np.ndarray:
        """Dense (len(rows), n_items) scores, for blending with other sources."""
        raise NotImplementedError(f"{self.family} does not expose dense scores")

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {}

    @classmethod
    def from_arrays(cls, params: dict[str, Any], arrays: dict[str, np.ndarray]) -> Recommender:
        raise NotImplementedError

    def _remember_ids(self, train: Interactions) -> None:
        self.user_ids, self.item_ids = train.user_ids, train.item_ids


def pad_topk(ids: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One convention for "no item here": id -1 and score -inf."""
    ids = np.asarray(ids, dtype=np.int64).copy()
    scores = np.asarray(scores, dtype=np.float32).copy()
    empty = (ids < 0) | ~np.isfinite(scores)
    ids[empty] = -1
    scores[empty] = -np.inf
    return ids, scores


def mask_excluded(scores: np.ndarray, exclude: sp.csr_matrix | None) -> np.ndarray:
    """Set excluded (row, item) scores to -inf in place."""
    if exclude is not None and exclude.nnz:
        coo = exclude.tocoo()
        scores[coo.row, coo.col] = -np.inf
    return scores


def topk_dense(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise top-k of a dense score block, best first (argpartition, then a sort of k)."""
    n, m = scores.shape
    k_eff = min(k, m)
    if k_eff == 0:
        return np.full((n, k), -1, np.int64), np.full((n, k), -np.inf, np.float32)
    part = np.argpartition(-scores, k_eff - 1, axis=1)[:, :k_eff]
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-part_scores, axis=1, kind="stable")
    ids = np.take_along_axis(part, order, axis=1)
    top = np.take_along_axis(part_scores, order, axis=1)
    if k_eff < k:
        ids = np.pad(ids, ((0, 0), (0, k - k_eff)), constant_values=-1)
        top = np.pad(top, ((0, 0), (0, k - k_eff)), constant_values=-np.inf)
    return pad_topk(ids, top)
