"""BLAS thread limits around implicit's work.

implicit parallelises ALS/BPR over users and items with its own threads; if OpenBLAS also starts a
thread pool inside each of those solves, the threads fight over the cores (implicit measures ~10×
slow-downs and warns). Limiting the BLAS pool to one thread for the duration of the call — not
process-wide and not by ignoring the warning — keeps numpy's BLAS fast elsewhere (e.g. the
re-ranker or notebooks) while implicit runs at full speed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from threadpoolctl import threadpool_limits


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    # Applied at call time, so it also covers BLAS libraries loaded after import (scipy's own
    # OpenBLAS is only loaded when scipy.linalg is first imported).
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@contextmanager
def openmp_threads(n: int) -> Iterator[None]:
    """scikit-learn's gradient boosting parallelises with OpenMP; on small batches (a feed request's
    few hundred candidates, a few thousand logged impressions) starting the team costs more than
    it saves, and on a shared 2-core box several teams oversubscribe the cores."""
    with threadpool_limits(limits=n, user_api="openmp"):
        yield
