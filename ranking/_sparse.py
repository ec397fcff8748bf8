"""Vectorised membership tests between dense (n, k) id blocks and sparse per-row sets.

Both evaluation (is a recommended item relevant?) and filtering (is it excluded?) ask the same
question for millions of (row, item) pairs; encoding each pair as one int64 key and binary-searching
the sorted keys of the sparse side answers it without a Python loop.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def row_membership(ids: np.ndarray, sets: sp.csr_matrix) -> np.ndarray:
    """(n, k) bool: is ids[r, j] among the stored columns of sets[r]? Ids < 0 are never members."""
    n, _ = ids.shape
    if sets.shape[0] != n:
        raise ValueError(f"{n} rows of ids but {sets.shape[0]} rows of sets")
    if sets.nnz == 0 or ids.size == 0:
        return np.zeros(ids.shape, dtype=bool)
    width = np.int64(max(sets.shape[1], int(ids.max()) + 1, 1))
    coo = sets.tocoo()
    keys = np.sort(coo.row.astype(np.int64) * width + coo.col.astype(np.int64))
    query = np.arange(n, dtype=np.int64)[:, None] * width + ids.astype(np.int64)
    pos = np.searchsorted(keys, query)
    pos[pos >= keys.size] = keys.size - 1
    return (keys[pos] == query) & (ids >= 0)


def first_k_valid(ids: np.ndarray, scores: np.ndarray, valid: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Keep the first k valid entries of each row, in order; pad with -1 / -inf."""
    order = np.argsort(~valid, axis=1, kind="stable")[:, :k]
    out_ids = np.take_along_axis(ids, order, axis=1).astype(np.int64)
    out_scores = np.take_along_axis(scores, order, axis=1).astype(np.float32)
    kept = np.take_along_axis(valid, order, axis=1)
    out_ids[~kept] = -1
    out_scores[~kept] = -np.inf
    if out_ids.shape[1] < k:
        pad = k - out_ids.shape[1]
        out_ids = np.pad(out_ids, ((0, 0), (0, pad)), constant_values=-1)
        out_scores = np.pad(out_scores, ((0, 0), (0, pad)), constant_values=-np.inf)
    return out_ids, out_scores


def max_row_nnz(m: sp.csr_matrix | None) -> int:
    if m is None or m.shape[0] == 0:
        return 0
    return int(np.diff(m.indptr).max())
