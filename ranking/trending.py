"""Trending for explore: time-decayed engagement velocity, overall, per hashtag and per category.

score(item) = Σ_events w(type) · 2^(−age / half_life) · ln2 / half_life

over the last `window_hours`. For a post that keeps receiving engagement at a steady rate of r
weighted events per hour this converges to r, so the score reads as "weighted engagements per hour,
recent hours counting most" and a post that was hot yesterday cools off within a few half-lives.
Hides and "not interested" subtract. To keep one person (or one bot) from making a post trend,
each (person, post, event type) counts once, and a post needs engagement from `min_users`
distinct people before it is listed at all.

Hashtags and categories are inputs (maps from item to tags / category), so the same code serves
posts (hashtags from the text, category of the tagged product) and products.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from ranking.datasets import NEGATIVE_WEIGHTS, as_frame, epoch_micros, micros_of

__all__ = ["TRENDING_WEIGHTS", "TrendingConfig", "TrendingLists", "trending"]

# Engagement only: impressions say what we showed, and would make whatever we already push trend.
TRENDING_WEIGHTS: dict[str, float] = {
    "post_click": 1.0, "like": 2.0, "comment": 3.0, "share": 4.0, "save": 3.0, "product_tag_click": 3.0,
    "add_to_cart": 4.0, "purchase": 6.0,
}


@dataclass(frozen=True)
class TrendingConfig:
    half_life_hours: float = 6.0
    window_hours: float = 72.0
    min_users: int = 3
    top_n: int = 500
    weights: Mapping[str, float] = field(default_factory=lambda: dict(TRENDING_WEIGHTS))
    negative_weights: Mapping[str, float] = field(default_factory=lambda: dict(NEGATIVE_WEIGHTS))


@dataclass
class TrendingLists:
    """name → (item ids, scores), best first. Names: "global", "tag:<hashtag>", "cat:<category>"."""

    lists: dict[str, tuple[np.ndarray, np.ndarray]]
    computed_at: datetime
    config: TrendingConfig

    def __getitem__(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        return self.lists[name]

    def __contains__(self, name: str) -> bool:
        return name in self.lists

    def names(self) -> list[str]:
        return list(self.lists)

    def scores_of(self, name: str = "global") -> dict[Any, float]:
        ids, scores = self.lists.get(name, (np.array([]), np.array([])))
        return dict(zip(ids.tolist(), scores.tolist(), strict=True))


def _item_map_frame(mapping: Mapping[Any, Any] | pl.DataFrame | None, item_col: str, name: str,
                    *, many: bool) -> pl.DataFrame | None:
    if mapping is None:
        return None
    if isinstance(mapping, pl.DataFrame):
        frame = mapping.select(pl.col(item_col), pl.col(name))
    else:
        frame = pl.DataFrame({item_col: list(mapping.keys()), name: list(mapping.values())})
    if many:
        frame = frame.explode(name)
    frame = frame.filter(pl.col(name).is_not_null()).with_columns(pl.col(name).cast(pl.Utf8))
    if many:  # hashtags are case-insensitive
        frame = frame.with_columns(pl.col(name).str.to_lowercase())
    return frame.unique()


def trending(
    events: pl.DataFrame | pa.Table,
    *,
    now: datetime,
    item_col: str = "post_id",
    item_hashtags: Mapping[Any, Sequence[str]] | pl.DataFrame | None = None,
    item_category: Mapping[Any, Any] | pl.DataFrame | None = None,
    config: TrendingConfig | None = None,
) -> TrendingLists:
    """Trending lists at `now`. `item_hashtags` maps an item to its tags (or is a frame with
    `item_col` and a list column `hashtags`); `item_category` maps an item to one category (or is a
    frame with `item_col` and `category`)."""
    cfg = config or TrendingConfig()
    frame = as_frame(events)
    micros = epoch_micros(frame, "occurred_at")
    now_us = micros_of(now)
    since_us = micros_of(now - timedelta(hours=cfg.window_hours))
    table = pl.DataFrame(
        {"event_type": [*cfg.weights, *cfg.negative_weights],
         "_w": [float(v) for v in cfg.weights.values()] + [-float(v) for v in cfg.negative_weights.values()]},
        schema={"event_type": pl.Utf8, "_w": pl.Float64})
    half_life_us = cfg.half_life_hours * 3600e6
    recent = (
        frame.select(pl.col("user_id"), pl.col(item_col), pl.col("event_type").cast(pl.Utf8), micros.alias("_us"))
        .filter(pl.col(item_col).is_not_null() & (pl.col("_us") >= since_us) & (pl.col("_us") <= now_us))
        .join(table, on="event_type", how="inner")
        # One count per (person, item, type): the latest one, so repeated taps do not pump a post.
        .group_by(["user_id", item_col, "event_type"]).agg(pl.col("_us").max(), pl.col("_w").first())
        .with_columns((pl.col("_w") * (0.5 ** ((now_us - pl.col("_us")) / half_life_us))
                       * (math.log(2) / cfg.half_life_hours)).alias("_score"))
    )
    scored = (
        recent.group_by(item_col)
        .agg(pl.col("_score").sum().alias("score"),
             pl.col("user_id").filter(pl.col("_w") > 0).n_unique().alias("users"))
        .filter((pl.col("users") >= cfg.min_users) & (pl.col("score") > 0))
    )
    lists: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    top = scored.sort(["score", item_col], descending=[True, False]).head(cfg.top_n)
    lists["global"] = (top[item_col].to_numpy(), top["score"].to_numpy().astype(np.float32))
    for prefix, mapping, name, many in (("tag", item_hashtags, "hashtags", True),
                                        ("cat", item_category, "category", False)):
        groups = _item_map_frame(mapping, item_col, name, many=many)
        if groups is None:
            continue
        grouped = (
            scored.join(groups, on=item_col, how="inner")
            .sort([name, "score", item_col], descending=[False, True, False])
            .group_by(name, maintain_order=True).head(cfg.top_n)
            .group_by(name, maintain_order=True).agg(pl.col(item_col), pl.col("score"))
        )
        for key, ids, scores in grouped.iter_rows():
            lists[f"{prefix}:{key}"] = (np.asarray(ids), np.asarray(scores, dtype=np.float32))
    return TrendingLists(lists=lists, computed_at=now, config=cfg)
