"""Splits cannot leak: every pair lands on one side, holdout events come after training ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from ranking.datasets import build_interactions, datetime_of
from ranking.splits import random_split, temporal_holdout, temporal_split, validation_split


def pairs(m) -> set[tuple[int, int]]:
    coo = m.tocoo()
    return set(zip(coo.row.tolist(), coo.col.tolist(), strict=True))


def test_random_split_partitions_each_users_items_80_20(platform):
    data = build_interactions(platform.events)
    train, test = random_split(data, test_fraction=0.2, seed=3)
    assert train.shape == test.shape == data.shape
    assert not pairs(train.matrix) & pairs(test.matrix)
    assert pairs(train.matrix) | pairs(test.matrix) == pairs(data.matrix)
    per_user = np.diff(data.matrix.indptr)
    held = np.diff(test.matrix.indptr)
    assert np.array_equal(held, np.floor(0.2 * per_user + 1e-9).astype(int))
    assert test.negatives.nnz == 0 and train.negatives.nnz == data.negatives.nnz
    # Values travel with their pair.
    assert np.allclose((train.matrix + test.matrix).toarray(), data.matrix.toarray())


def test_random_split_is_seeded_and_validation_uses_another_stream(platform):
    data = build_interactions(platform.events)
    a, _ = random_split(data, seed=5)
    b, _ = random_split(data, seed=5)
    c, _ = random_split(data, seed=6)
    assert pairs(a.matrix) == pairs(b.matrix) != pairs(c.matrix)
    fit, validation = validation_split(a, seed=5)
    _, test = random_split(data, seed=5)
    assert not pairs(validation.matrix) & pairs(test.matrix)
    assert pairs(fit.matrix) | pairs(validation.matrix) == pairs(a.matrix)


def test_temporal_split_puts_everything_before_the_cutoff_in_training(platform):
    train, test, cutoff = temporal_split(platform.events, test_fraction=0.25)
    assert train["occurred_at"].max() < cutoff <= test["occurred_at"].min()
    assert train.height + test.height == platform.events.height
    assert abs(test.height / platform.events.height - 0.25) < 0.01
    explicit = datetime(2025, 5, 20, tzinfo=UTC)
    train, test, cutoff = temporal_split(platform.events, cutoff=explicit)
    assert cutoff == explicit and train["occurred_at"].max() < explicit <= test["occurred_at"].min()


def test_temporal_split_is_exact_at_the_cutoff_microsecond():
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    events = pl.DataFrame({"occurred_at": [t0, t0 + timedelta(microseconds=1), t0 + timedelta(microseconds=2)]})
    train, test, _ = temporal_split(events, cutoff=t0 + timedelta(microseconds=1))
    assert train.height == 1 and test.height == 2
    assert datetime_of(1) == datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC)


def test_temporal_holdout_marks_only_new_engagement(platform):
    train, test = temporal_holdout(platform.events, test_fraction=0.2)
    assert train.shape == test.shape
    assert not pairs(test.matrix) & pairs(train.exclusions())
    assert train.window[1] < datetime.fromisoformat(test.stats["cutoff"])
    # Relevance is binary and comes from a click or more, never an impression alone.
    assert set(np.unique(test.matrix.data).tolist()) == {1.0}
    cutoff = datetime.fromisoformat(test.stats["cutoff"])
    late = platform.events.filter(pl.col("occurred_at") >= cutoff)
    impressions_only = late.group_by("user_id", "post_id").agg(pl.col("event_type").unique()).filter(
        pl.col("event_type").list.eval(pl.element() == "impression").list.all())
    for user, post, _ in impressions_only.head(20).iter_rows():
        if user in train.user_index and post in train.item_index:
            assert test.matrix[train.user_index[user], train.item_index[post]] == 0


def test_temporal_split_rejects_nothing_to_split():
    with pytest.raises(ValueError):
        temporal_split(pl.DataFrame({"occurred_at": []}, schema={"occurred_at": pl.Datetime("us", "UTC")}))
