"""The packed list format and key layout the serving layer reads (no Redis needed)."""

from __future__ import annotations

import numpy as np
import pytest

from ranking.publish import TopKLists, bucket_of, decode_list, encode_lists, keys


def test_packed_lists_round_trip_with_narrow_and_wide_indices():
    cols = np.array([[5, 2, 9, -1], [70_000, 1, -1, -1]])
    scores = np.array([[0.9, 0.5, 0.25, -np.inf], [3.0, 2.0, -np.inf, -np.inf]], dtype=np.float32)
    narrow = encode_lists(cols[:1], scores[:1], n_items=10)
    assert len(narrow[0]) == 1 + 3 * (2 + 2)
    idx, sc = decode_list(narrow[0])
    assert idx.tolist() == [5, 2, 9] and sc.tolist() == pytest.approx([0.9, 0.5, 0.25], abs=1e-3)
    wide = encode_lists(cols, scores, n_items=80_000, score_f32=True)
    assert len(wide[1]) == 1 + 2 * (4 + 4)
    idx, sc = decode_list(wide[1])
    assert idx.tolist() == [70_000, 1] and sc.tolist() == [3.0, 2.0]
    assert decode_list(b"")[0].size == 0


def test_half_precision_scores_are_clipped_not_overflowed():
    packed = encode_lists(np.array([[0, 1]]), np.array([[1e9, np.nan]]), n_items=2)
    _, sc = decode_list(packed[0])
    assert np.isfinite(sc).all() and sc[0] == pytest.approx(65_000, rel=1e-3) and sc[1] == 0.0


def test_five_hundred_candidates_take_about_three_kilobytes():
    cols = np.arange(500)[None, :]
    assert len(encode_lists(cols, np.ones((1, 500)), n_items=1_000)[0]) == 2_001
    assert len(encode_lists(cols, np.ones((1, 500)), n_items=1_000_000)[0]) == 3_001


def test_key_layout_and_buckets_are_stable():
    assert keys.current("lakoo") == "lakoo:rank:current"
    assert keys.candidates("lakoo", 7, "post", 3) == "lakoo:rank:v7:post:cand:3"
    assert keys.trending("lakoo", 7, "product") == "lakoo:rank:v7:product:trend"
    assert keys.similar("lakoo", 7, "post", 0) == "lakoo:rank:v7:post:sim:0"
    assert keys.items("lakoo", 7, "post") == "lakoo:rank:v7:post:items"
    assert keys.manifest("lakoo", 7) == "lakoo:rank:v7:manifest"
    # crc32 of the id's text: the same in every process and in any language serving may use
    assert bucket_of("0190c3a0-0000-7000-8000-000000000001", 64) == 2_275_843_852 % 64 == 12
    assert bucket_of(12, 1) == 0 and 0 <= bucket_of("x", 8) < 8


def test_lists_must_line_up():
    with pytest.raises(ValueError):
        TopKLists(keys=np.array(["u1"]), cols=np.zeros((2, 3), int), scores=np.zeros((2, 3)), item_ids=np.array([]))
