"""What every recommender in ranking/ offers, and the top-k helpers they share.

A model is fitted on an `Interactions` (so it knows the id maps and the negatives) and answers
`recommend(rows, k, exclude=...)` for a batch of matrix rows with two (n, k) arrays: item columns
(-1 where fewer than k items were left) and scores. Batches keep the per-call overhead of Python
out of the loop: 100k users are a few hundred calls, not 100k.

Models persist as a dict of numpy arrays plus their parameters (`to_arrays` / `from_arrays`), not
as pickles: an artifact written by one version of implicit or numpy stays readable by the next.
"""

from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from implicit.cpu.topk import topk as implicit_topk

from ranking._blas import single_threaded_blas
from ranking._topk import select_topk
from ranking.datasets import Interactions

__all__ = ["Recommender", "TopK", "clean_implicit_topk", "mask_excluded", "topk_dense", "topk_factors"]

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


# Excluded scores become the lowest finite float, a marker that survives arithmetic on the block
# (unlike -inf, which turns into NaN when multiplied by zero). Anything at or below _EXCLUDED_BELOW
# is treated as "no item".
_EXCLUDED = np.finfo(np.float32).min
_EXCLUDED_BELOW = _EXCLUDED / 2
HEAP_SELECT_MAX_K = 128


def mask_excluded(scores: np.ndarray, exclude: sp.csr_matrix | None) -> np.ndarray:
    """Push excluded (row, item) scores to the bottom, in place."""
    if exclude is not None and exclude.nnz:
        coo = exclude.tocoo()
        scores[coo.row, coo.col] = _EXCLUDED
    return scores


def topk_dense(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise top-k of a dense score block, best first; excluded, NaN and -inf scores are never
    items (see ranking._topk: one compiled pass per row, 5× numpy's partition-based selection)."""
    return select_topk(scores, k, _EXCLUDED_BELOW)


def topk_factors(item_factors: np.ndarray, user_factors: np.ndarray, k: int, *,
                 exclude: sp.csr_matrix | None = None, batch_size: int = 2048, threads: int | None = None) -> TopK:
    """Top-k items by dot product for each user vector, excluded (row, item) pairs left out.

    Two selection methods, picked by k. implicit's `topk` keeps a heap per row, which is the
    fastest for short lists (evaluation at 50, similar items). For long lists (the 500 serving
    candidates) the heap churns, and a matrix product per batch followed by the compiled
    threshold selection of ranking._topk is 2× faster; batches run on `threads` (default: the
    usable cores; BLAS and the compiled selection both release the GIL).
    """
    n_users, n_items = user_factors.shape[0], item_factors.shape[0]
    if n_users == 0 or n_items == 0 or k == 0:
        return np.full((n_users, k), -1, np.int64), np.full((n_users, k), -np.inf, np.float32)
    users = np.ascontiguousarray(user_factors, dtype=np.float32)
    items = np.ascontiguousarray(item_factors, dtype=np.float32)
    exclude = sp.csr_matrix(exclude, dtype=np.float32) if exclude is not None else None
    workers = threads or len(os.sched_getaffinity(0))
    if k <= HEAP_SELECT_MAX_K:
        n = min(k, n_items)
        with single_threaded_blas():
            ids, scores = implicit_topk(items, users, n, filter_query_items=exclude, num_threads=workers)
        ids, scores = clean_implicit_topk(ids, scores)
        if n < k:
            ids = np.pad(ids, ((0, 0), (0, k - n)), constant_values=-1)
            scores = np.pad(scores, ((0, 0), (0, k - n)), constant_values=-np.inf)
        return ids, scores

    ids = np.empty((n_users, k), np.int64)
    scores = np.empty((n_users, k), np.float32)
    items_t = np.ascontiguousarray(items.T)
    # One score buffer per thread, reused across its batches: a fresh 100 MB block per batch costs
    # as much in page faults as the partial sort costs in comparisons.
    buffers = threading.local()

    def run(start: int) -> None:
        stop = min(start + batch_size, n_users)
        buf = getattr(buffers, "block", None)
        if buf is None:
            buf = buffers.block = np.empty((min(batch_size, n_users), n_items), dtype=np.float32)
        block = np.matmul(users[start:stop], items_t, out=buf[: stop - start])
        if exclude is not None:
            mask_excluded(block, exclude[start:stop])
        ids[start:stop], scores[start:stop] = topk_dense(block, k)

    starts = range(0, n_users, batch_size)
    workers = min(workers, len(starts))
    # One BLAS thread per batch: the batches are the parallelism, nested pools would fight.
    with single_threaded_blas():
        if workers <= 1:
            for start in starts:
                run(start)
        else:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(run, starts))
    return ids, scores


def clean_implicit_topk(ids: np.ndarray, scores: np.ndarray) -> TopK:
    """implicit pads short rows with float32-lowest followed by (id 0, score 0) filler; turn every
    slot from the first pad on into -1 / -inf."""
    ids = np.atleast_2d(np.asarray(ids)).astype(np.int64)
    scores = np.atleast_2d(np.asarray(scores)).astype(np.float32)
    padded = np.logical_or.accumulate(scores <= _EXCLUDED_BELOW, axis=1)
    ids[padded] = -1
    scores[padded] = -np.inf
    return ids, scores
