"""Train/holdout splits that cannot leak.

Two protocols, for two kinds of data:

- **Temporal** (the platform's own events): everything before a cutoff trains, everything from the
  cutoff on is the holdout — what a model trained last night meets today. The holdout is indexed
  like the training part; people and posts that first appear after the cutoff cannot be scored by
  collaborative filtering and are counted, not silently mixed in (cold start is measured apart).
- **Random per user** (public benchmarks such as MovieLens, whose timestamps do not describe a
  feed): each person's interactions are shuffled with a seed and 20% of them are held out.

Hyper-parameter searches split the *training* part once more (`validation_split`), so the test
split is touched exactly once, by the final model.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import numpy as np
import polars as pl
import pyarrow as pa
import scipy.sparse as sp

from ranking.datasets import (
    NEGATIVE_WEIGHTS,
    POST_EVENT_WEIGHTS,
    Interactions,
    _canonical,
    as_frame,
    build_interactions,
    datetime_of,
    epoch_micros,
    micros_of,
    relevance_weights,
)

__all__ = ["random_split", "temporal_holdout", "temporal_split", "validation_split"]


def random_split(data: Interactions, *, test_fraction: float = 0.2, seed: int = 0) -> tuple[Interactions, Interactions]:
    """Hold out ⌊test_fraction × n⌋ of each user's items, chosen at random with `seed`.

    Both halves keep the full index maps (same shape), every (user, item) pair lands in exactly one
    of them, and negatives stay with training (they are exclusions, never relevance).
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError("test_fraction must be between 0 and 1")
    coo = data.matrix.tocoo()
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.random(coo.nnz), coo.row))
    rows, cols, vals = coo.row[order], coo.col[order], coo.data[order]
    counts = np.bincount(rows, minlength=data.n_users)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank = np.arange(rows.size) - starts[rows]
    n_test = np.floor(test_fraction * counts + 1e-9).astype(np.int64)
    held = rank < n_test[rows]
    shape = data.shape
    train = sp.csr_matrix((vals[~held], (rows[~held], cols[~held])), shape=shape)
    test = sp.csr_matrix((vals[held], (rows[held], cols[held])), shape=shape)
    empty = sp.csr_matrix(shape, dtype=np.float32)
    stats = {"protocol": "random_per_user", "test_fraction": test_fraction, "seed": seed}
    train_part = data.with_matrix(train, negatives=data.negatives)
    test_part = data.with_matrix(test, negatives=empty)
    train_part.stats.update(stats)
    test_part.stats.update(stats)
    return train_part, test_part


def validation_split(train: Interactions, *, test_fraction: float = 0.2,
                     seed: int = 0) -> tuple[Interactions, Interactions]:
    """Split a training part again for tuning; a different seed stream from the test split."""
    return random_split(train, test_fraction=test_fraction, seed=seed + 7919)


def temporal_split(
    events: pl.DataFrame | pa.Table, *, cutoff: datetime | None = None, test_fraction: float = 0.2,
    time_col: str = "occurred_at",
) -> tuple[pl.DataFrame, pl.DataFrame, datetime]:
    """Events strictly before `cutoff` train, the rest test. Without a cutoff: the first event time
    at or above the (1 − test_fraction) quantile, so roughly that share of events is held out."""
    frame = as_frame(events)
    if frame.height == 0:
        raise ValueError("no events to split")
    micros = epoch_micros(frame, time_col)
    if cutoff is None:
        raw = frame.select(micros.quantile(1.0 - test_fraction, interpolation="higher")).item()
        cutoff = datetime_of(int(raw))
    bound = micros_of(cutoff)
    return frame.filter(micros < bound), frame.filter(micros >= bound), cutoff


def temporal_holdout(
    events: pl.DataFrame | pa.Table,
    *,
    item_col: str = "post_id",
    user_col: str = "user_id",
    cutoff: datetime | None = None,
    test_fraction: float = 0.2,
    weights: Mapping[str, float] = POST_EVENT_WEIGHTS,
    negative_weights: Mapping[str, float] = NEGATIVE_WEIGHTS,
    half_life_days: float | None = 30.0,
    min_relevance_weight: float = 1.0,
) -> tuple[Interactions, Interactions]:
    """Training matrix from events before the cutoff (decayed to the cutoff); the holdout marks the
    (user, item) pairs someone engaged with (a click or more) after it, indexed like the training
    matrix and without pairs already seen in training."""
    train_events, test_events, cutoff = temporal_split(events, cutoff=cutoff, test_fraction=test_fraction)
    train = build_interactions(train_events, item_col=item_col, user_col=user_col, weights=weights,
                               negative_weights=negative_weights, half_life_days=half_life_days, now=cutoff)
    test = build_interactions(test_events, item_col=item_col, user_col=user_col,
                              weights=relevance_weights(weights, min_weight=min_relevance_weight),
                              negative_weights={}, half_life_days=None, like=train)
    seen = train.exclusions()
    fresh = _canonical(test.matrix - test.matrix.multiply(seen))
    fresh.data[:] = 1.0  # relevance is binary
    cold_users = set(test_events[user_col].unique().to_list()) - set(train.user_index)
    test = test.with_matrix(fresh)
    stats = {"protocol": "temporal", "cutoff": cutoff.isoformat(), "test_fraction": test_fraction}
    train.stats.update(stats)
    test.stats.update({**stats, "cold_users": len(cold_users)})
    return train, test
