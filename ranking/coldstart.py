"""Cold start: people and posts the last retrain has not seen.

**New people** get a blend of what little they told us and what everyone is engaging with now:
- their first likes/saves, folded into the trained factors (`fold_in_recommend`: one least-squares
  solve against the fixed item factors) when the model is at hand, or — in the serving process,
  which only has Redis — the published similar-item lists of those posts;
- posts by the people they follow or whose posts they liked (author affinity);
- trending.
The sources are merged by weighted reciprocal-rank fusion (`fuse_ranked`): ranks, not raw scores,
so an ALS score and an engagement velocity never need to share a scale, and an item several
sources agree on rises.

**New posts** have no interactions, so collaborative filtering cannot score them; until they do,
`fresh_post_score` ranks them by the viewer's affinity to the author plus a freshness boost that
halves every `half_life_hours`.

Author affinity also carries the author-level half of negative feedback: hiding a post lowers the
affinity to its author, so their other posts sink too.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from ranking.datasets import Interactions
from ranking.models.factorization import ALS, BPR

__all__ = ["author_affinity", "fold_in_recommend", "fresh_post_score", "fuse_ranked", "similar_to_liked"]


def author_affinity(
    data: Interactions,
    item_author: np.ndarray,
    n_authors: int,
    *,
    follows: sp.csr_matrix | None = None,
    follow_weight: float = 5.0,
    negative_weight: float = 1.0,
) -> sp.csr_matrix:
    """Users × authors affinity in [-1, 1]: confidence on each author's posts, plus `follow_weight`
    per follow, minus hides of their posts, divided by the person's strongest positive affinity.

    `item_author[col]` is the author index of each item column (-1 unknown); `follows` is users ×
    authors with a 1 per follow, rows aligned with `data`.
    """
    item_author = np.asarray(item_author)
    known = item_author >= 0
    cols = np.flatnonzero(known)
    to_author = sp.csr_matrix((np.ones(cols.size, np.float32), (cols, item_author[known])),
                              shape=(data.n_items, n_authors))
    raw = data.matrix @ to_author - negative_weight * (data.negatives @ to_author)
    if follows is not None:
        raw = raw + follow_weight * sp.csr_matrix(follows, dtype=np.float32)
    raw = sp.csr_matrix(raw, dtype=np.float32)
    peak = np.zeros(raw.shape[0], np.float32)
    rows = np.repeat(np.arange(raw.shape[0]), np.diff(raw.indptr))
    np.maximum.at(peak, rows, np.abs(raw.data))
    peak[peak == 0] = 1.0
    raw.data = raw.data / peak[rows]
    raw.eliminate_zeros()
    return raw


def fresh_post_score(age_hours: np.ndarray | float, author_affinity: np.ndarray | float, *,
                     half_life_hours: float = 12.0, boost: float = 1.0) -> np.ndarray:
    """Score of a post without interaction data: affinity to its author plus a decaying boost."""
    age = np.maximum(np.asarray(age_hours, dtype=np.float64), 0.0)
    return np.asarray(author_affinity, dtype=np.float64) + boost * 0.5 ** (age / half_life_hours)


def fuse_ranked(sources: Mapping[str, Sequence[Hashable]], *, weights: Mapping[str, float] | None = None,
                k: int = 500, rrf_k: float = 60.0,
                exclude: set[Hashable] | frozenset = frozenset()) -> list[tuple[Any, float]]:
    """Weighted reciprocal-rank fusion: score(item) = Σ_source w / (rrf_k + rank), rank from 1.
    Ties keep the order of first appearance (sources in the given order)."""
    scores: dict[Hashable, float] = {}
    for name, ranked in sources.items():
        w = 1.0 if weights is None else float(weights.get(name, 0.0))
        if w == 0.0:
            continue
        for rank, item in enumerate(ranked, start=1):
            if item in exclude:
                continue
            scores[item] = scores.get(item, 0.0) + w / (rrf_k + rank)
    ordered = sorted(scores.items(), key=lambda kv: -kv[1])  # stable: first appearance wins ties
    return ordered[:k]


def similar_to_liked(liked: Sequence[Hashable], similar: Mapping[Hashable, tuple[Sequence[Hashable], Sequence[float]]],
                     *, k: int = 500) -> list[Hashable]:
    """Item-based fold-in without the model: neighbours of the liked items, each weighted by its
    similarity and summed across liked items, the liked items themselves left out."""
    total: dict[Hashable, float] = {}
    liked_set = set(liked)
    for item in liked:
        ids, scores = similar.get(item, ((), ()))
        for other, score in zip(ids, scores, strict=False):
            if other not in liked_set:
                total[other] = total.get(other, 0.0) + float(score)
    return [i for i, _ in sorted(total.items(), key=lambda kv: -kv[1])[:k]]


def fold_in_recommend(model: ALS | BPR, history: Mapping[Hashable, float], k: int = 500, *,
                      hidden: Sequence[Hashable] = ()) -> list[tuple[Any, float]]:
    """Recommendations for one person the model has not seen, from {item id: confidence} of their
    first interactions (items unknown to the model are ignored)."""
    index = {item: col for col, item in enumerate(model.item_ids.tolist())}
    cols = [index[i] for i in history if i in index]
    if not cols:
        return []
    n_items = len(index)
    values = np.array([history[model.item_ids[c]] for c in cols], np.float32)
    row = sp.csr_matrix((values, (np.zeros(len(cols), np.int64), cols)), shape=(1, n_items))
    excluded = cols + [index[i] for i in hidden if i in index]
    exclude = sp.csr_matrix((np.ones(len(excluded), np.float32), (np.zeros(len(excluded), np.int64), excluded)),
                            shape=(1, n_items))
    ids, scores = model.recommend_factors(model.fold_in(row), k, exclude=exclude)
    keep = ids[0] >= 0
    return list(zip(model.item_ids[ids[0][keep]].tolist(), scores[0][keep].tolist(), strict=True))
