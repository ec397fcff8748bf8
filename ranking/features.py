"""The re-ranker's raw inputs for (person, post) pairs, as the platform knew them at one moment.

The re-ranker (`ranking.reranker`) is trained on logged impressions and then re-orders every
person's CF candidates when a retrain publishes them. Both steps need the same raw values
(`RAW_INPUTS`) for a pair, known at some moment: at the holdout cutoff for training, at the end of
the data for serving. `Snapshot` is what was known at that moment, computed once from the events
before it; `raw_inputs` turns pairs into the frame `Reranker.fit` / `Reranker.score` take.

Training takes its snapshot at the retrain's holdout cutoff and labels the impressions logged after
it: every feature of an impression comes from data older than the impression, so no outcome leaks
into its own features (a post's engagement count would otherwise include the like being predicted).

Frames (polars, ids as text; `ranking.datasets.as_frame` normalises them):

    events         user_id, post_id, product_id, event_type, occurred_at[, quantity]
    posts          post_id, author_id, created_at
    post_products  post_id, product_id, price     one row per tagged product; price in IDR
    follows        follower_id, followee_id[, created_at]
    post_hashtags  post_id, hashtags (list)       optional
    post_category  post_id, category              optional; several rows per post are fine
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl
import scipy.sparse as sp

from ranking.coldstart import author_affinity
from ranking.datasets import POST_EVENT_WEIGHTS, Interactions, as_frame, build_interactions, epoch_micros, micros_of
from ranking.models.base import topk_factors
from ranking.models.factorization import FactorModel
from ranking.reranker import ENGAGEMENTS, RAW_INPUTS
from ranking.trending import TrendingConfig, trending

__all__ = ["Snapshot", "cf_inputs", "raw_inputs"]

PRODUCT_CLICKS = ("product_tag_click", "product_view")
# What counts towards a person's taste for a hashtag or category: engagement, weighted like the CF
# confidences; impressions say what we showed, not what they wanted.
TASTE_WEIGHTS = {k: v for k, v in POST_EVENT_WEIGHTS.items() if k != "impression"}
TASTE_PRIOR = 5.0  # added to a person's total: one click is not a 100% taste
_ID = pl.Utf8


def _before(frame: pl.DataFrame, moment: datetime, col: str = "occurred_at") -> pl.DataFrame:
    if col not in frame.columns or frame.height == 0:
        return frame
    return frame.filter(epoch_micros(frame, col) < micros_of(moment))


def _ids(frame: pl.DataFrame, *cols: str) -> pl.DataFrame:
    return frame.with_columns(*(pl.col(c).cast(_ID) for c in cols if c in frame.columns))


@dataclass(frozen=True)
class Snapshot:
    """What the platform knew at `as_of`: per-post counters, tagged products' price and
    conversion, global trending, who follows whom, and each person's affinity to authors."""

    as_of: datetime
    posts: pl.DataFrame  # post_id, author_id, created_at
    post_stats: pl.DataFrame  # post_id, item_impressions, item_engagements, tagged_*, trending_score
    follows: pl.DataFrame  # follower_id, followee_id
    affinity: pl.DataFrame  # user_id, author_id, author_affinity (non-zero pairs only)
    post_groups: dict[str, pl.DataFrame]  # "hashtag" | "category" → post_id, group
    taste: dict[str, pl.DataFrame]  # "hashtag" | "category" → user_id, group, share of their engagement

    @classmethod
    def build(cls, *, events: pl.DataFrame, posts: pl.DataFrame, post_products: pl.DataFrame,
              follows: pl.DataFrame, as_of: datetime, data: Interactions | None = None,
              trending_config: TrendingConfig | None = None, post_hashtags: pl.DataFrame | None = None,
              post_category: pl.DataFrame | None = None) -> Snapshot:
        """`data`, when given, is the user × post confidence matrix of the same events (a retrain
        has it already); otherwise it is built here."""
        events = _ids(_before(as_frame(events), as_of), "user_id", "post_id", "product_id")
        # Every post, also those created after `as_of`: a post's author and age are known the moment
        # it can be shown, only its engagement is not.
        posts = _ids(as_frame(posts), "post_id", "author_id").select("post_id", "author_id", "created_at")
        follows = _ids(_before(as_frame(follows), as_of, "created_at"), "follower_id", "followee_id")
        follows = follows.select("follower_id", "followee_id").unique()
        tagged = _ids(as_frame(post_products), "post_id", "product_id")

        on_posts = events.filter(pl.col("post_id").is_not_null())
        counters = on_posts.group_by("post_id").agg(
            (pl.col("event_type") == "impression").sum().cast(pl.Float64).alias("item_impressions"),
            pl.col("event_type").is_in(list(ENGAGEMENTS)).sum().cast(pl.Float64).alias("item_engagements"))
        on_products = events.filter(pl.col("product_id").is_not_null()).group_by("product_id").agg(
            pl.col("event_type").is_in(list(PRODUCT_CLICKS)).sum().cast(pl.Float64).alias("clicks"),
            (pl.col("event_type") == "purchase").sum().cast(pl.Float64).alias("purchases"))
        products = (tagged.join(on_products, on="product_id", how="left")
                    .group_by("post_id").agg(pl.col("price").cast(pl.Float64).min().alias("tagged_price"),
                                             pl.col("clicks").fill_null(0.0).sum().alias("tagged_clicks"),
                                             pl.col("purchases").fill_null(0.0).sum().alias("tagged_purchases")))
        hot = trending(events, now=as_of, config=trending_config).lists["global"]
        trend = pl.DataFrame({"post_id": [str(i) for i in hot[0].tolist()],
                              "trending_score": hot[1].astype(np.float64)},
                             schema={"post_id": _ID, "trending_score": pl.Float64})
        stats = (posts.select("post_id").join(counters, on="post_id", how="left")
                 .join(products, on="post_id", how="left").join(trend, on="post_id", how="left"))
        affinity = _affinity_frame(events, posts, follows, data)
        groups: dict[str, pl.DataFrame] = {}
        if post_hashtags is not None:
            groups["hashtag"] = (_ids(as_frame(post_hashtags), "post_id").explode("hashtags")
                                 .select("post_id", pl.col("hashtags").str.to_lowercase().alias("group"))
                                 .drop_nulls().unique())
        if post_category is not None:
            groups["category"] = (_ids(as_frame(post_category), "post_id")
                                  .select("post_id", pl.col("category").cast(pl.Utf8).alias("group"))
                                  .drop_nulls().unique())
        taste = {name: _taste(on_posts, frame) for name, frame in groups.items()}
        return cls(as_of=as_of, posts=posts, post_stats=stats, follows=follows, affinity=affinity,
                   post_groups=groups, taste=taste)


def _taste(events: pl.DataFrame, post_groups: pl.DataFrame) -> pl.DataFrame:
    """user_id, group, taste: the person's weighted engagement with posts of the group over all of
    it (plus TASTE_PRIOR): what share of their attention goes to #ootd or to shoes."""
    weighted = (events.filter(pl.col("event_type").is_in(list(TASTE_WEIGHTS)))
                .select("user_id", "post_id", pl.col("event_type").replace_strict(
                    {k: float(v) for k, v in TASTE_WEIGHTS.items()}, default=0.0, return_dtype=pl.Float64).alias("w")))
    totals = weighted.group_by("user_id").agg(pl.col("w").sum().alias("_total"))
    return (weighted.join(post_groups, on="post_id").group_by("user_id", "group").agg(pl.col("w").sum())
            .join(totals, on="user_id").select("user_id", "group",
                                               (pl.col("w") / (pl.col("_total") + TASTE_PRIOR)).alias("taste")))


def _affinity_frame(events: pl.DataFrame, posts: pl.DataFrame, follows: pl.DataFrame,
                    data: Interactions | None) -> pl.DataFrame:
    """`coldstart.author_affinity` as a long frame of its non-zero (person, author) pairs."""
    empty = pl.DataFrame(schema={"user_id": _ID, "author_id": _ID, "author_affinity": pl.Float64})
    if data is None:
        if events.filter(pl.col("post_id").is_not_null()).height == 0:
            return empty
        data = build_interactions(events, item_col="post_id")
    authors = posts.get_column("author_id").unique().sort()
    if data.n_users == 0 or authors.len() == 0:
        return empty
    author_index = {a: i for i, a in enumerate(authors.to_list())}
    post_author = dict(zip(posts["post_id"].to_list(), posts["author_id"].to_list(), strict=True))
    item_author = np.fromiter((author_index.get(post_author.get(str(p)), -1) for p in data.item_ids.tolist()),
                              np.int64, data.n_items)
    rows = data.rows_of(follows["follower_id"].to_list())
    cols = np.fromiter((author_index.get(a, -1) for a in follows["followee_id"].to_list()), np.int64, follows.height)
    keep = (rows >= 0) & (cols >= 0)
    follow_matrix = sp.csr_matrix((np.ones(int(keep.sum()), np.float32), (rows[keep], cols[keep])),
                                  shape=(data.n_users, len(author_index)))
    matrix = author_affinity(data, item_author, len(author_index), follows=follow_matrix).tocoo()
    user_ids = np.asarray([str(u) for u in data.user_ids.tolist()], dtype=object)
    author_ids = np.asarray(authors.to_list(), dtype=object)
    return pl.DataFrame({"user_id": user_ids[matrix.row].tolist(), "author_id": author_ids[matrix.col].tolist(),
                         "author_affinity": matrix.data.astype(np.float64)},
                        schema={"user_id": _ID, "author_id": _ID, "author_affinity": pl.Float64})


def raw_inputs(pairs: pl.DataFrame, snapshot: Snapshot) -> pl.DataFrame:
    """`pairs` (user_id, post_id, and optionally `at` — when the pair was or will be shown —
    `cf_score`, `cf_rank`) with every RAW_INPUTS column added, in the pairs' order. Values the
    snapshot does not have stay null (the re-ranker reads them as "unknown", see RAW_INPUTS)."""
    frame = _ids(pairs, "user_id", "post_id").with_row_index("_row")
    at = pl.col("at") if "at" in frame.columns else pl.lit(snapshot.as_of)
    age_hours = ((at.cast(pl.Datetime("us", "UTC")) - pl.col("created_at").cast(pl.Datetime("us", "UTC")))
                 .dt.total_microseconds().cast(pl.Float64) / 3.6e9)
    follows = snapshot.follows.rename({"follower_id": "user_id", "followee_id": "author_id"}).with_columns(
        pl.lit(1.0).alias("follows_author"))
    out = (frame.join(snapshot.posts, on="post_id", how="left")
           .join(snapshot.post_stats, on="post_id", how="left")
           .join(follows, on=["user_id", "author_id"], how="left")
           .join(snapshot.affinity, on=["user_id", "author_id"], how="left")
           .with_columns(age_hours.alias("age_hours")))
    for name, groups in snapshot.post_groups.items():
        best = (out.select("_row", "user_id", "post_id").join(groups, on="post_id")
                .join(snapshot.taste[name], on=["user_id", "group"], how="inner")
                .group_by("_row").agg(pl.col("taste").max().alias(f"{name}_affinity")))
        out = out.join(best, on="_row", how="left")
    out = out.sort("_row")
    for name in RAW_INPUTS:
        if name not in out.columns:
            out = out.with_columns(pl.lit(None, dtype=pl.Float64).alias(name))
    return out.drop("_row", "created_at")


def cf_inputs(model: FactorModel, pairs: pl.DataFrame, *, exclusions: sp.csr_matrix | None = None,
              k: int = 500, batch_size: int = 2048) -> pl.DataFrame:
    """`cf_score` (the model's dot product) and `cf_rank` (position in the person's top-k, as the
    published candidate list would have had it; null beyond k) for each (user_id, post_id) pair.
    `exclusions` (model rows × model items) are what that list would have left out.
    Pairs of people or posts the model does not know get nulls."""
    frame = _ids(pairs, "user_id", "post_id").with_row_index("_row")
    user_index = {str(u): i for i, u in enumerate(model.user_ids.tolist())}
    item_index = {str(p): i for i, p in enumerate(model.item_ids.tolist())}
    rows = np.fromiter((user_index.get(u, -1) for u in frame["user_id"].to_list()), np.int64, frame.height)
    cols = np.fromiter((item_index.get(p, -1) for p in frame["post_id"].to_list()), np.int64, frame.height)
    known = (rows >= 0) & (cols >= 0)
    scores = np.full(frame.height, np.nan)
    uf, itf = model.user_factors, model.item_factors
    scores[known] = np.einsum("ij,ij->i", uf[rows[known]], itf[cols[known]])
    users = np.unique(rows[rows >= 0])
    ranks = pl.DataFrame(schema={"user_id": _ID, "post_id": _ID, "cf_rank": pl.Float64})
    if users.size:
        top, _ = topk_factors(itf, uf[users], k, exclude=exclusions[users] if exclusions is not None else None,
                              batch_size=batch_size)
        flat_users = np.repeat(users, top.shape[1])
        flat_cols = top.ravel()
        ok = flat_cols >= 0
        user_ids = np.asarray([str(u) for u in model.user_ids.tolist()], dtype=object)
        item_ids = np.asarray([str(p) for p in model.item_ids.tolist()], dtype=object)
        ranks = pl.DataFrame({"user_id": user_ids[flat_users[ok]].tolist(),
                              "post_id": item_ids[flat_cols[ok]].tolist(),
                              "cf_rank": np.tile(np.arange(top.shape[1], dtype=np.float64), users.size)[ok]},
                             schema={"user_id": _ID, "post_id": _ID, "cf_rank": pl.Float64})
    return (frame.with_columns(pl.Series("cf_score", scores, dtype=pl.Float64).fill_nan(None))
            .join(ranks, on=["user_id", "post_id"], how="left").sort("_row").drop("_row"))
