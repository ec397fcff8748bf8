"""MovieLens ml-latest-small through the harness (read from the machine, never from the repo)."""

from __future__ import annotations

import pytest

from ranking.evaluation.harness import compare
from ranking.models.factorization import ALS
from ranking.movielens import load_movielens, movielens_dir
from ranking.splits import random_split

needs_movielens = pytest.mark.skipif(
    not (movielens_dir() / "ratings.csv").exists(),
    reason=f"MovieLens ml-latest-small is not at {movielens_dir()} (set LAKOO_MOVIELENS_DIR); it is never downloaded")


@needs_movielens
def test_movielens_loads_every_rating_as_a_positive():
    ml = load_movielens()
    assert ml.data.shape == (610, 9724) and ml.data.matrix.nnz == 100_836
    assert set(ml.data.matrix.data.tolist()) == {1.0}
    assert ml.genres.shape == (9724, len(ml.genre_names)) and "Comedy" in ml.genre_names


@needs_movielens
def test_default_als_reproduces_the_reference_and_beats_popularity():
    ml = load_movielens()
    train, test = random_split(ml.data, seed=42)
    pop, als = compare([ALS(factors=100, regularization=0.01, iterations=15, seed=42)], train, test, ks=(10,))
    assert 0.25 < als.metrics["iprecision@10"] < 0.29  # implicit's published ≈ 0.27
    assert 0.15 < pop.metrics["iprecision@10"] < 0.20  # ≈ 0.16–0.18
    assert als.metrics["ndcg@10"] > 1.4 * pop.metrics["ndcg@10"]


def test_missing_data_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="LAKOO_MOVIELENS_DIR"):
        load_movielens(tmp_path)
