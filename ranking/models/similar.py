"""Item-to-item neighbour tables: "similar posts" and "related products".

Two sources, one shape ((n_items, k) columns and scores, -1 / -inf padding):
- factor similarity (cosine of ALS/BPR item factors) generalises across people who never overlap;
- co-occurrence (item-kNN cosine on the interaction matrix) is literal "people who bought this also
  bought", strong where data is dense.
`blend` mixes them after scaling each row to its best score, so neither source's scale dominates.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ranking.models.base import TopK
from ranking.models.baselines import ItemKNN
from ranking.models.factorization import FactorModel

__all__ = ["blend", "similar_items_table", "sparse_row_topk"]


def similar_items_table(model: FactorModel | ItemKNN, k: int = 50, *, cols: np.ndarray | None = None,
                        batch_size: int = 4096) -> TopK:
    """Neighbours of every item (or of `cols`), batched to bound memory."""
    n_items = len(model.item_ids)
    cols = np.arange(n_items) if cols is None else np.asarray(cols, dtype=np.int64)
    ids = np.full((cols.size, k), -1, np.int64)
    scores = np.full((cols.size, k), -np.inf, np.float32)
    for start in range(0, cols.size, batch_size):
        chunk = cols[start:start + batch_size]
        ids[start:start + chunk.size], scores[start:start + chunk.size] = model.similar_items(chunk, k)
    return ids, scores


def _as_sparse(table: TopK, n_items: int) -> sp.csr_matrix:
    ids, scores = table
    valid = (ids >= 0) & np.isfinite(scores)
    best = np.where(valid, scores, -np.inf).max(axis=1, initial=-np.inf)
    best[~np.isfinite(best) | (best <= 0)] = 1.0
    rows = np.repeat(np.arange(ids.shape[0]), ids.shape[1]).reshape(ids.shape)
    data = np.clip(scores / best[:, None], 0.0, None)
    return sp.csr_matrix((data[valid], (rows[valid], ids[valid])), shape=(ids.shape[0], n_items))


def blend(a: TopK, b: TopK, *, weight_a: float = 0.5, k: int | None = None) -> TopK:
    """Weighted sum of two neighbour tables over the same items, each row scaled to its maximum."""
    if a[0].shape[0] != b[0].shape[0]:
        raise ValueError("both tables must list the same items")
    n_items = int(max(a[0].max(initial=-1), b[0].max(initial=-1), a[0].shape[0] - 1)) + 1
    mixed = (weight_a * _as_sparse(a, n_items) + (1.0 - weight_a) * _as_sparse(b, n_items)).tocoo()
    return sparse_row_topk(mixed, a[0].shape[0], k or max(a[0].shape[1], b[0].shape[1]))


def sparse_row_topk(m: sp.coo_matrix, n_rows: int, k: int) -> TopK:
    """Top-k stored entries of each row of a sparse matrix (rows never densified)."""
    keep = m.data > 0
    rows, cols, data = m.row[keep], m.col[keep], m.data[keep]
    order = np.lexsort((-data, rows))
    rows, cols, data = rows[order], cols[order], data[order]
    starts = np.searchsorted(rows, np.arange(n_rows))
    rank = np.arange(rows.size) - starts[rows]
    take = rank < k
    ids = np.full((n_rows, k), -1, np.int64)
    scores = np.full((n_rows, k), -np.inf, np.float32)
    ids[rows[take], rank[take]] = cols[take]
    scores[rows[take], rank[take]] = data[take]
    return ids, scores
