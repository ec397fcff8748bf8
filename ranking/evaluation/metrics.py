"""Top-k ranking metrics as pure functions of (recommended ids, relevant sets).

`recs` is an (n, K) array of item columns, best first, -1 where a list is shorter; `relevant` is a
sparse (n, n_items) matrix whose stored entries are the held-out items of each row. Relevance is
binary. Users with nothing held out are left out of every average (they cannot be scored).

Definitions (k ≤ K, hits_i = 1 when the item at rank i is relevant, R = number of relevant items):
- precision@k = Σ_{i<k} hits_i / k
- iprecision@k = Σ_users hits@k ÷ Σ_users min(R, k): the figure implicit's `ranking_metrics_at_k`
  calls "precision" (a pooled, capped hit rate). Published implicit numbers — e.g. "ALS gives
  precision@10 ≈ 0.27 on ml-latest-small" — are this one, so the tables show both.
- recall@k    = Σ_{i<k} hits_i / R
- NDCG@k      = Σ_{i<k} hits_i / log2(i + 2)  ÷  Σ_{i<min(R,k)} 1 / log2(i + 2)
- MAP@k       = Σ_{i<k} hits_i · precision@(i+1)  ÷  min(R, k)
- coverage@k  = distinct items recommended in the first k slots of all lists / catalogue size
- intra-list diversity@k = mean over lists of 1 − mean pairwise cosine similarity of the items'
  feature vectors (e.g. genres, hashtags); group diversity@k = distinct groups (category, author)
  in a list / items in it.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp

from ranking._sparse import row_membership

__all__ = ["coverage", "group_diversity", "hit_matrix", "intra_list_diversity", "ranking_metrics"]


def hit_matrix(recs: np.ndarray, relevant: sp.csr_matrix) -> np.ndarray:
    return row_membership(np.asarray(recs), sp.csr_matrix(relevant))


def ranking_metrics(recs: np.ndarray, relevant: sp.csr_matrix, ks: Iterable[int] = (10, 50)) -> dict[str, float]:
    """Mean precision, recall, NDCG and MAP at each k over users with at least one relevant item."""
    recs = np.asarray(recs)
    relevant = sp.csr_matrix(relevant)
    n_rel = np.diff(relevant.indptr)
    scored = n_rel > 0
    hits = hit_matrix(recs, relevant)[scored].astype(np.float64)
    n_rel = n_rel[scored].astype(np.float64)
    out: dict[str, float] = {"users": float(scored.sum())}
    if not scored.any():
        for k in ks:
            out.update({f"{name}@{k}": 0.0 for name in ("precision", "iprecision", "recall", "ndcg", "map")})
        return out
    discounts = 1.0 / np.log2(np.arange(recs.shape[1]) + 2.0)
    ideal = np.cumsum(discounts)
    for k in ks:
        if k > recs.shape[1]:
            raise ValueError(f"k={k} but only {recs.shape[1]} recommendations per user")
        h = hits[:, :k]
        found = h.sum(axis=1)
        capped = np.minimum(n_rel, k)
        dcg = h @ discounts[:k]
        idcg = ideal[capped.astype(np.int64) - 1]
        precision_at_i = np.cumsum(h, axis=1) / np.arange(1, k + 1)
        out[f"precision@{k}"] = float(np.mean(found / k))
        out[f"iprecision@{k}"] = float(found.sum() / capped.sum())
        out[f"recall@{k}"] = float(np.mean(found / n_rel))
        out[f"ndcg@{k}"] = float(np.mean(dcg / idcg))
        out[f"map@{k}"] = float(np.mean((h * precision_at_i).sum(axis=1) / capped))
    return out


def coverage(recs: np.ndarray, n_items: int, k: int | None = None) -> float:
    block = np.asarray(recs)[:, :k] if k else np.asarray(recs)
    shown = np.unique(block[block >= 0])
    return float(shown.size / n_items) if n_items else 0.0


def intra_list_diversity(recs: np.ndarray, item_features: sp.csr_matrix, k: int | None = None) -> float:
    """1 − mean pairwise cosine similarity within each list (items without features count as
    dissimilar to everything), averaged over lists with two or more items."""
    block = np.asarray(recs)[:, :k] if k else np.asarray(recs)
    features = sp.csr_matrix(item_features, dtype=np.float64)
    norms = np.sqrt(np.asarray(features.multiply(features).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    unit = sp.diags(1.0 / norms) @ features
    n, width = block.shape
    valid = block >= 0
    rows = np.repeat(np.arange(n), width)[valid.ravel()]
    cols = block.ravel()[valid.ravel()]
    members = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, features.shape[0]))
    summed = members @ unit  # per list: Σ f_i
    self_sim = members @ np.asarray(unit.multiply(unit).sum(axis=1)).ravel()  # Σ |f_i|²
    total = np.asarray(summed.multiply(summed).sum(axis=1)).ravel()  # |Σ f_i|² = Σ_i Σ_j f_i·f_j
    m = valid.sum(axis=1).astype(np.float64)
    enough = m >= 2
    if not enough.any():
        return 0.0
    mean_pair_sim = (total[enough] - self_sim[enough]) / (m[enough] * (m[enough] - 1))
    return float(np.mean(1.0 - mean_pair_sim))


def group_diversity(recs: np.ndarray, item_group: np.ndarray, k: int | None = None) -> float:
    """Share of distinct groups (category, author, …) per list; item_group[col] is an int, -1 unknown
    (each unknown item counts as its own group)."""
    block = np.asarray(recs)[:, :k] if k else np.asarray(recs)
    valid = block >= 0
    groups = np.where(valid, np.asarray(item_group)[np.where(valid, block, 0)], -1).astype(np.int64)
    # Unknown groups and padding become unique negative labels, then padding is not counted.
    unique_fill = -(np.arange(groups.size, dtype=np.int64).reshape(groups.shape) + 2)
    groups = np.where(groups < 0, unique_fill, groups)
    ordered = np.sort(groups, axis=1)
    distinct = 1 + (np.diff(ordered, axis=1) != 0).sum(axis=1) - (~valid).sum(axis=1)
    m = valid.sum(axis=1)
    keep = m > 0
    return float(np.mean(distinct[keep] / m[keep])) if keep.any() else 0.0
