"""MovieLens ml-latest-small as a public benchmark for the evaluation harness.

The data is read from a directory the machine provides and never copied into the repository (its
licence forbids redistributing it with other work): `LAKOO_MOVIELENS_DIR`, else
`../shared/data/movielens/ml-latest-small` relative to the project root. Nothing is downloaded.

Protocol (the standard one for implicit feedback): every rating is a positive with confidence 1,
whatever its value; each user's ratings are split 80/20 at random with a seed; the models recommend
the top k movies a user has not rated in training.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import scipy.sparse as sp

from ranking.datasets import Interactions, build_interactions

__all__ = ["MovieLens", "load_movielens", "movielens_dir"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = Path("../shared/data/movielens/ml-latest-small")


def movielens_dir() -> Path:
    configured = os.environ.get("LAKOO_MOVIELENS_DIR")
    path = Path(configured) if configured else DEFAULT_DIR
    return path if path.is_absolute() else (PROJECT_ROOT / path).resolve()


@dataclass(frozen=True)
class MovieLens:
    data: Interactions  # users × movies, 1.0 per rating
    genres: sp.csr_matrix  # movies × genres one-hot, aligned with data.item_ids
    genre_names: list[str]
    primary_genre: np.ndarray  # movie column → index of its first listed genre (-1 none)
    titles: np.ndarray


def load_movielens(path: Path | None = None) -> MovieLens:
    """Raise FileNotFoundError (with the variable to set) when the data is not on this machine."""
    root = path or movielens_dir()
    ratings_file = root / "ratings.csv"
    if not ratings_file.exists():
        raise FileNotFoundError(f"MovieLens ratings not found at {ratings_file}; set LAKOO_MOVIELENS_DIR to the "
                                "ml-latest-small directory")
    ratings = pl.read_csv(ratings_file, schema_overrides={"userId": pl.Int64, "movieId": pl.Int64})
    events = ratings.select(
        pl.col("userId").alias("user_id"), pl.col("movieId").alias("item_id"),
        pl.lit("rating").alias("event_type"), pl.col("timestamp").alias("occurred_at"))
    data = build_interactions(events, item_col="item_id", weights={"rating": 1.0}, negative_weights={},
                              half_life_days=None, quantity_scaling=False)
    movies = pl.read_csv(root / "movies.csv", schema_overrides={"movieId": pl.Int64})
    movies = pl.DataFrame({"movieId": data.item_ids}).join(movies, on="movieId", how="left")
    genre_lists = [(g or "").split("|") for g in movies["genres"].to_list()]
    names = sorted({g for gs in genre_lists for g in gs if g and g != "(no genres listed)"})
    index = {g: i for i, g in enumerate(names)}
    rows, cols, primary = [], [], np.full(len(genre_lists), -1, np.int64)
    for r, gs in enumerate(genre_lists):
        known = [index[g] for g in gs if g in index]
        rows += [r] * len(known)
        cols += known
        if known:
            primary[r] = known[0]
    genres = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(len(genre_lists), len(names)))
    return MovieLens(data=data, genres=genres, genre_names=names, primary_genre=primary,
                     titles=movies["title"].fill_null("").to_numpy())
