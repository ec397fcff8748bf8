"""Row-wise top-k selection of a dense score block, compiled with numba.

Selecting the 500 serving candidates among ~20k scored posts for every user was the largest step of
a retrain: numpy needs several full passes per block (a partition of a sample, a comparison, a
`nonzero`, fancy-index gathers, a partition and a sort), each allocating its own temporary of the
block's size, and that cost about 8× the matrix product that produced the scores. One compiled pass
per row — compare against a threshold estimated from a fixed sample of the row, keep the few
survivors, sort them — does the same work in cache, without the GIL, so the caller's threads run
the batches on every core.

Exact: a row where fewer than k scores clear the sampled threshold is collected again in full.
Scores at or below `excluded_below` (the marker of excluded items), NaN and -inf are never items;
rows with fewer than k items are padded with column -1 and score -inf. Ties keep column order.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["select_topk"]

SAMPLE = 1024  # columns sampled per row to estimate the threshold
SLACK = 1.5  # the threshold sits about SLACK·k from the top, so a row rarely falls short
MIN_RATIO = 8  # rows shorter than MIN_RATIO·k are collected whole (a threshold saves nothing there)


@numba.njit(nogil=True, cache=True)
def _select(scores, k, sample_cols, rank, excluded_below, out_ids, out_scores):  # noqa: ANN001, ANN202
    n, m = scores.shape
    values = np.empty(m, np.float32)
    columns = np.empty(m, np.int64)
    sample = np.empty(sample_cols.size, np.float32)
    for r in range(n):
        row = scores[r]
        count = 0
        if sample_cols.size:
            for j in range(sample_cols.size):
                sample[j] = -row[sample_cols[j]]
            threshold = -np.partition(sample, rank)[rank]
            if threshold > excluded_below:  # NaN thresholds compare False: collect in full
                for j in range(m):
                    v = row[j]
                    if v >= threshold:
                        values[count] = v
                        columns[count] = j
                        count += 1
        if count < k:  # the sample misjudged this row: collect it whole, then cut at its k-th score
            count = 0
            for j in range(m):
                v = row[j]
                if v > excluded_below:  # False for NaN and -inf too
                    values[count] = v
                    columns[count] = j
                    count += 1
            if count > 2 * k:
                kth = -np.partition(-values[:count], k - 1)[k - 1]
                kept = 0
                for q in range(count):
                    if values[q] >= kth:
                        values[kept] = values[q]
                        columns[kept] = columns[q]
                        kept += 1
                count = kept
        # Sort survivors by one integer key: the score's order-preserving bit pattern (inverted, so
        # ascending means best first) above the column (so ties keep column order). Sorting plain
        # integers is about twice as fast as an argsort of the scores.
        keys = np.empty(count, np.uint64)
        bits = values.view(np.int32)
        for q in range(count):
            b = bits[q]
            ordered = np.uint64(~b & 0xFFFFFFFF) if b < 0 else np.uint64(b) | np.uint64(0x80000000)
            keys[q] = ((np.uint64(0xFFFFFFFF) - ordered) << np.uint64(32)) | np.uint64(columns[q])
        keys.sort()
        take = min(k, count)
        for q in range(take):
            column = np.int64(keys[q] & np.uint64(0xFFFFFFFF))
            out_ids[r, q] = column
            out_scores[r, q] = row[column]
        for q in range(take, k):
            out_ids[r, q] = -1
            out_scores[r, q] = -np.inf


def select_topk(scores: np.ndarray, k: int, excluded_below: float) -> tuple[np.ndarray, np.ndarray]:
    """(n, k) columns and scores of each row's k best scores, best first (module docstring)."""
    scores = np.ascontiguousarray(scores, dtype=np.float32)
    n, m = scores.shape
    ids = np.empty((n, k), np.int64)
    top = np.empty((n, k), np.float32)
    if n == 0 or k == 0:
        return ids, top
    if m >= MIN_RATIO * k and m > SAMPLE:
        sample_cols = np.sort(np.random.default_rng(0).choice(m, size=SAMPLE, replace=False)).astype(np.int64)
        rank = min(SAMPLE - 1, int(np.ceil(k * SAMPLE / m * SLACK)))
    else:
        sample_cols, rank = np.empty(0, np.int64), 0
    _select(scores, k, sample_cols, rank, np.float32(excluded_below), ids, top)
    return ids, top
