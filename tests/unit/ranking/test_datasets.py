"""Implicit-feedback matrices: event weights, time decay, negatives, index maps."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

from ranking.datasets import (
    NEGATIVE_WEIGHTS,
    POST_EVENT_WEIGHTS,
    PRODUCT_EVENT_WEIGHTS,
    build_interactions,
    relevance_weights,
)

NOW = datetime(2025, 3, 1, tzinfo=UTC)


def frame(rows: list[tuple]) -> pl.DataFrame:
    """rows: (user, post, event_type, days_ago[, quantity])"""
    return pl.DataFrame({
        "user_id": [r[0] for r in rows],
        "post_id": [r[1] for r in rows],
        "event_type": [r[2] for r in rows],
        "occurred_at": [NOW - timedelta(days=r[3]) for r in rows],
        "quantity": [r[4] if len(r) > 4 else None for r in rows],
    }, schema_overrides={"occurred_at": pl.Datetime("us", "UTC"), "quantity": pl.Int64})


def value(data, user, item, matrix="matrix") -> float:
    m = getattr(data, matrix)
    return float(m[data.user_index[user], data.item_index[item]])


def test_event_weights_follow_the_effort_they_show():
    order = ["impression", "post_click", "like", "comment", "save", "product_tag_click", "purchase"]
    weights = [POST_EVENT_WEIGHTS[e] for e in order]
    assert weights == sorted(weights) and len(set(weights)) == len(weights)
    assert POST_EVENT_WEIGHTS["post_view"] < POST_EVENT_WEIGHTS["post_click"]
    product = PRODUCT_EVENT_WEIGHTS
    assert product["product_view"] < product["add_to_cart"] < product["purchase"]
    assert set(relevance_weights(POST_EVENT_WEIGHTS)) == {e for e, w in POST_EVENT_WEIGHTS.items() if w >= 1.0}


def test_confidences_add_up_per_pair_and_decay_with_a_half_life():
    data = build_interactions(frame([
        ("u1", "p1", "like", 0), ("u1", "p1", "save", 10), ("u1", "p2", "comment", 20),
        ("u2", "p1", "impression", 0),
    ]), half_life_days=10, now=NOW)
    assert value(data, "u1", "p1") == pytest.approx(2.0 + 4.0 * 0.5)
    assert value(data, "u1", "p2") == pytest.approx(3.0 * 0.25)
    assert value(data, "u2", "p1") == pytest.approx(0.05)
    assert data.shape == (2, 2) and list(data.user_ids) == ["u1", "u2"] and list(data.item_ids) == ["p1", "p2"]
    undecayed = build_interactions(frame([("u1", "p1", "like", 300)]), half_life_days=None)
    assert value(undecayed, "u1", "p1") == pytest.approx(2.0)


def test_decay_anchors_at_the_newest_event_by_default_so_rebuilds_are_identical():
    events = frame([("u1", "p1", "like", 5), ("u1", "p2", "like", 15)])
    a, b = build_interactions(events, half_life_days=10), build_interactions(events, half_life_days=10)
    assert value(a, "u1", "p1") == pytest.approx(2.0) and value(a, "u1", "p2") == pytest.approx(1.0)
    assert (a.matrix != b.matrix).nnz == 0


def test_purchases_scale_with_quantity():
    data = build_interactions(frame([("u1", "p1", "purchase", 0, 3), ("u1", "p2", "purchase", 0, 1)]),
                              half_life_days=None)
    assert value(data, "u1", "p1") == pytest.approx(10.0 * (1 + math.log(3)))
    assert value(data, "u1", "p2") == pytest.approx(10.0)


def test_a_hide_after_a_like_zeroes_the_pair_and_is_kept_as_a_negative():
    data = build_interactions(frame([("u1", "p1", "like", 3), ("u1", "p1", "hide", 1), ("u1", "p2", "like", 1)]),
                              half_life_days=None)
    assert value(data, "u1", "p1") == 0.0
    assert value(data, "u1", "p1", "negatives") == pytest.approx(NEGATIVE_WEIGHTS["hide"])
    assert data.exclusions()[data.user_index["u1"], data.item_index["p1"]] == 1.0
    als = data.for_als(negative_confidence=2.0)
    assert als[data.user_index["u1"], data.item_index["p1"]] == pytest.approx(-2.0 * NEGATIVE_WEIGHTS["hide"])
    assert als[data.user_index["u1"], data.item_index["p2"]] == pytest.approx(2.0)


def test_a_like_after_a_hide_means_the_person_changed_their_mind():
    data = build_interactions(frame([("u1", "p1", "not_interested", 3), ("u1", "p1", "like", 1)]),
                              half_life_days=None)
    assert value(data, "u1", "p1") == pytest.approx(2.0)
    assert data.negatives.nnz == 0


def test_unknown_event_types_and_rows_without_an_item_are_ignored():
    events = pl.concat([frame([("u1", "p1", "like", 0), ("u1", "p1", "teleport", 0)]),
                        frame([("u1", "p9", "like", 0)]).with_columns(pl.lit(None, pl.Utf8).alias("post_id"))])
    data = build_interactions(events)
    assert data.shape == (1, 1)
    assert data.stats["ignored_events"] == 2 and data.stats["events"] == 3


def test_like_reuses_index_maps_and_counts_what_it_drops():
    train = build_interactions(frame([("u1", "p1", "like", 5), ("u2", "p2", "like", 5)]))
    later = build_interactions(frame([("u1", "p2", "like", 1), ("u3", "p1", "like", 1), ("u1", "p7", "like", 1)]),
                               like=train)
    assert later.shape == train.shape and list(later.item_ids) == list(train.item_ids)
    assert value(later, "u1", "p2") == pytest.approx(2.0)
    assert later.stats["dropped_unknown"] == 2


def test_items_fixes_the_item_index_and_indexes_users_afresh():
    data = build_interactions(frame([("u5", "p2", "like", 1), ("u6", "p9", "like", 1)]),
                              items=np.array(["p1", "p2", "p3"]))
    assert list(data.item_ids) == ["p1", "p2", "p3"] and list(data.user_ids) == ["u5"]


def test_arrow_input_and_epoch_seconds_work_like_polars_datetimes():
    events = frame([("u1", "p1", "like", 2), ("u2", "p1", "save", 0)])
    as_epoch = events.with_columns((pl.col("occurred_at").dt.epoch("us") / 1e6).alias("occurred_at"))
    a = build_interactions(events.to_arrow(), half_life_days=1)
    b = build_interactions(as_epoch, half_life_days=1)
    assert np.allclose(a.matrix.toarray(), b.matrix.toarray())
    assert a.window == (NOW - timedelta(days=2), NOW)


def test_missing_columns_are_a_clear_error():
    with pytest.raises(ValueError, match="occurred_at"):
        build_interactions(pl.DataFrame({"user_id": ["u"], "post_id": ["p"], "event_type": ["like"]}))


def test_uuid_ids_from_any_driver_become_canonical_text():
    ids = [uuid.UUID(int=i + 1) for i in range(2)]
    base = {"event_type": ["like", "like"], "occurred_at": [NOW, NOW]}
    as_bytes = pa.table({"user_id": pa.array([u.bytes for u in ids], pa.binary(16)),
                         "post_id": pa.array([u.bytes for u in ids], pa.binary(16)), **base})
    as_text = pl.DataFrame({"user_id": [str(u) for u in ids], "post_id": [str(u) for u in ids], **base})
    a, b = build_interactions(as_bytes), build_interactions(as_text)
    assert list(a.user_ids) == list(b.user_ids) == [str(u) for u in ids]
    as_objects = pl.DataFrame({"user_id": ids, "post_id": ids, **base}, schema_overrides={"user_id": pl.Object,
                                                                                       "post_id": pl.Object})
    assert list(build_interactions(as_objects).item_ids) == [str(u) for u in ids]
