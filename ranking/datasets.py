"""Implicit-feedback matrices from interaction events.

An event frame has one row per thing a person did: `user_id`, an item column (`post_id` for the
feed, `product_id` for product recommendations, anything for public data), `event_type`,
`occurred_at` (timezone-aware datetime or epoch seconds) and optionally `quantity` and `amount`.
That is the shape of `interactions.interaction` in Postgres and `raw.interactions__interaction` in
the warehouse, so a warehouse query can be handed over unchanged.

Each event contributes a confidence that grows with the effort (and money) it shows — an impression
is nearly nothing, a purchase of a tagged product is the strongest signal — decayed exponentially
with its age, so a like from last week counts more than one from last year. Confidences of the same
(user, item) pair add up.

Negative signals (`hide`, `not_interested`) demote in three ways:
1. the latest signal about a pair wins: a hide after a like zeroes the pair's positive confidence
   (a like after a hide drops the hide, the person changed their mind);
2. the remaining negatives are kept in `Interactions.negatives`; ALS receives them as negative
   entries, which implicit reads as "preference 0 with that much confidence", so the factors are
   pushed away from the item rather than merely not towards it;
3. `Interactions.exclusions()` contains them, and every recommend call filters it, so a hidden
   post is never recommended to that person again. (Author-level demotion is in `coldstart`.)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import scipy.sparse as sp

__all__ = [
    "ID_COLUMNS", "NEGATIVE_WEIGHTS", "POST_EVENT_WEIGHTS", "PRODUCT_EVENT_WEIGHTS", "Interactions", "as_frame",
    "build_interactions", "datetime_of", "epoch_micros", "micros_of", "relevance_weights",
]

# Ordered by the effort each shows: impression/view < click < like < comment < save < tag click <
# purchase of a tagged product. Impressions count for almost nothing: they say what we showed, not
# what the person wanted (the re-ranker uses them as its negatives instead).
POST_EVENT_WEIGHTS: dict[str, float] = {
    "impression": 0.05, "post_view": 0.5, "post_click": 1.0, "like": 2.0, "comment": 3.0, "share": 3.0,
    "save": 4.0, "product_tag_click": 5.0, "product_view": 5.0, "add_to_cart": 7.0, "checkout": 8.0,
    "purchase": 10.0,
}
# For user × product: how close the person came to buying.
PRODUCT_EVENT_WEIGHTS: dict[str, float] = {
    "impression": 0.05, "product_tag_click": 1.0, "product_view": 1.0, "add_to_cart": 3.0, "checkout": 4.0,
    "purchase": 6.0,
}
NEGATIVE_WEIGHTS: dict[str, float] = {"hide": 4.0, "not_interested": 4.0}
SECONDS_PER_DAY = 86_400.0
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def relevance_weights(weights: Mapping[str, float], *, min_weight: float = 1.0) -> dict[str, float]:
    """The events that count as "the person engaged" in a holdout: a click or more, not impressions."""
    return {k: 1.0 for k, v in weights.items() if v >= min_weight}


@dataclass(frozen=True, eq=False)
class Interactions:
    """Users × items confidences with the index maps that turn rows and columns back into ids."""

    matrix: sp.csr_matrix  # positive confidences, float32; pairs a negative won are absent
    negatives: sp.csr_matrix  # decayed strength of hide / not_interested, same shape
    user_ids: np.ndarray  # row → user id
    item_ids: np.ndarray  # column → item id
    window: tuple[datetime | None, datetime | None] = (None, None)  # first and last event used
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    @property
    def n_users(self) -> int:
        return self.matrix.shape[0]

    @property
    def n_items(self) -> int:
        return self.matrix.shape[1]

    @cached_property
    def user_index(self) -> dict[Any, int]:
        return {u: i for i, u in enumerate(self.user_ids.tolist())}

    @cached_property
    def item_index(self) -> dict[Any, int]:
        return {u: i for i, u in enumerate(self.item_ids.tolist())}

    def rows_of(self, user_ids: Any) -> np.ndarray:
        """Row numbers of the given users, -1 for users the matrix does not know."""
        index = self.user_index
        return np.fromiter((index.get(u, -1) for u in user_ids), dtype=np.int64)

    def cols_of(self, item_ids: Any) -> np.ndarray:
        index = self.item_index
        return np.fromiter((index.get(i, -1) for i in item_ids), dtype=np.int64)

    @cached_property
    def _exclusions(self) -> sp.csr_matrix:
        pattern = (_binary(self.matrix) + _binary(self.negatives)).tocsr()
        pattern.data[:] = 1.0
        return pattern

    def exclusions(self) -> sp.csr_matrix:
        """Items never to recommend to a user: already engaged with, or hidden."""
        return self._exclusions

    def for_als(self, negative_confidence: float = 1.0) -> sp.csr_matrix:
        """Positives as they are, negatives as negative values (implicit's "disliked")."""
        if negative_confidence <= 0 or self.negatives.nnz == 0:
            return self.matrix
        combined = (self.matrix - negative_confidence * self.negatives).tocsr().astype(np.float32)
        combined.eliminate_zeros()
        return combined

    def with_matrix(self, matrix: sp.csr_matrix, *, negatives: sp.csr_matrix | None = None) -> Interactions:
        neg = negatives if negatives is not None else sp.csr_matrix(self.shape, dtype=np.float32)
        return replace(self, matrix=_canonical(matrix), negatives=_canonical(neg), stats=dict(self.stats))


ID_COLUMNS = ("user_id", "post_id", "product_id", "author_id", "item_id")


def as_frame(events: pl.DataFrame | pa.Table | Any) -> pl.DataFrame:
    """Polars, Arrow (DuckDB's `.arrow()`, ADBC) or pandas in; polars out, ids as text.

    Drivers disagree on UUIDs: DuckDB gives text, ADBC and some Arrow paths 16 raw bytes, pandas
    Python `uuid.UUID` objects. Ids are written to Redis and compared across runs, so they are
    normalised to the canonical text form here, once."""
    if isinstance(events, pl.DataFrame):
        frame = events
    elif isinstance(events, pa.Table):
        frame = pl.from_arrow(events)  # type: ignore[assignment]
    else:
        frame = pl.from_pandas(events)
    fixes = []
    for col in ID_COLUMNS:
        if col not in frame.columns:
            continue
        dtype = frame.schema[col]
        if dtype == pl.Binary:
            hexed = pl.col(col).bin.encode("hex")
            fixes.append(pl.concat_str([hexed.str.slice(0, 8), hexed.str.slice(8, 4), hexed.str.slice(12, 4),
                                        hexed.str.slice(16, 4), hexed.str.slice(20, 12)], separator="-").alias(col))
        elif dtype == pl.Object:
            fixes.append(pl.col(col).map_elements(lambda v: None if v is None else str(v),
                                                  return_dtype=pl.Utf8).alias(col))
    return frame.with_columns(fixes) if fixes else frame


def build_interactions(
    events: pl.DataFrame | pa.Table,
    *,
    item_col: str = "post_id",
    user_col: str = "user_id",
    weights: Mapping[str, float] = POST_EVENT_WEIGHTS,
    negative_weights: Mapping[str, float] = NEGATIVE_WEIGHTS,
    half_life_days: float | None = 30.0,
    now: datetime | None = None,
    quantity_scaling: bool = True,
    like: Interactions | None = None,
    items: np.ndarray | None = None,
) -> Interactions:
    """Aggregate events into confidences per (user, item).

    `now` anchors the decay (default: the newest event, so a rebuild of the same data is
    identical). `quantity_scaling` multiplies events that carry a quantity (purchases, carts) by
    1 + ln(quantity). `like` reuses another build's index maps — the holdout of a temporal split
    must be indexed like its training part; events of users or items it does not know are dropped
    and counted in `stats["dropped_unknown"]`. `items` fixes only the item index (a trained model's
    items) and indexes users afresh. Events of types in neither weight table are ignored
    (counted in `stats["ignored_events"]`), so new event types need no code change here.
    """
    frame = as_frame(events)
    for col in (user_col, item_col, "event_type", "occurred_at"):
        if col not in frame.columns:
            raise ValueError(f"events need a {col!r} column (have {frame.columns})")
    n_events = frame.height
    pos_w = {str(k): float(v) for k, v in weights.items()}
    neg_w = {str(k): float(v) for k, v in negative_weights.items() if str(k) not in pos_w}
    has_quantity = quantity_scaling and "quantity" in frame.columns
    # One lazy plan over only the columns needed: polars fuses the filters and projections, and the
    # group-by runs once over a narrow frame (this is most of a retrain's dataset time).
    lazy = (
        frame.lazy()
        .select(pl.col(user_col), pl.col(item_col), pl.col("event_type").cast(pl.Utf8),
                _epoch_seconds(frame, "occurred_at").alias("_ts"),
                *([pl.col("quantity")] if has_quantity else []))
        .filter(pl.col(item_col).is_not_null() & pl.col(user_col).is_not_null()
                & pl.col("event_type").is_in(list(pos_w) + list(neg_w)))
        .with_columns(pl.col("event_type").replace_strict(pos_w, default=0.0, return_dtype=pl.Float64).alias("_w"),
                      pl.col("event_type").replace_strict(neg_w, default=0.0, return_dtype=pl.Float64).alias("_nw"))
    )
    frame = lazy.collect()
    ignored = n_events - frame.height
    if frame.height:
        t_min, t_max = frame["_ts"].min(), frame["_ts"].max()
    else:
        t_min = t_max = None
    anchor = now.timestamp() if now is not None else (t_max if t_max is not None else 0.0)
    decay = pl.lit(1.0)
    if half_life_days:
        decay = (pl.lit(0.5) ** ((pl.lit(anchor) - pl.col("_ts")).clip(lower_bound=0.0)
                                 / (half_life_days * SECONDS_PER_DAY)))
    scale = pl.lit(1.0)
    if has_quantity:
        scale = 1.0 + pl.col("quantity").fill_null(1).clip(lower_bound=1).cast(pl.Float64).log()
    # The latest signal about a pair wins (module docstring).
    neg_at, pos_at = pl.col("_neg_at"), pl.col("_pos_at")
    neg_wins = neg_at.is_not_null() & (pos_at.is_null() | (neg_at >= pos_at))
    pairs = (
        frame.lazy()
        .select(pl.col(user_col), pl.col(item_col),
                (pl.col("_w") * decay * scale).alias("_pos"), (pl.col("_nw") * decay).alias("_neg"),
                pl.when(pl.col("_w") > 0).then(pl.col("_ts")).alias("_pos_at"),
                pl.when(pl.col("_nw") > 0).then(pl.col("_ts")).alias("_neg_at"))
        .group_by([user_col, item_col]).agg(
            pl.col("_pos").sum(), pl.col("_neg").sum(), pl.col("_pos_at").max(), pl.col("_neg_at").max())
        .with_columns(
            pl.when(neg_wins).then(0.0).otherwise(pl.col("_pos")).alias("_pos"),
            pl.when(neg_wins).then(pl.col("_neg")).otherwise(0.0).alias("_neg"))
        .filter((pl.col("_pos") > 0) | (pl.col("_neg") > 0))
        .select(user_col, item_col, "_pos", "_neg")
        .collect()
    )

    n_pairs = pairs.height
    if like is not None:
        user_ids = pl.Series(user_col, like.user_ids)
        item_ids = pl.Series(item_col, like.item_ids)
    else:
        if items is not None:
            item_ids = pl.Series(item_col, items).cast(pairs.schema[item_col])
            pairs = pairs.join(pl.DataFrame({item_col: item_ids}), on=item_col, how="semi")
        else:
            item_ids = pairs.get_column(item_col).unique().sort()
        user_ids = pairs.get_column(user_col).unique().sort()
    users = pl.DataFrame({user_col: user_ids, "_row": np.arange(len(user_ids), dtype=np.int64)})
    items = pl.DataFrame({item_col: item_ids, "_col": np.arange(len(item_ids), dtype=np.int64)})
    known = pairs.join(users, on=user_col, how="inner").join(items, on=item_col, how="inner")
    shape = (len(user_ids), len(item_ids))
    rows, cols = known["_row"].to_numpy(), known["_col"].to_numpy()
    matrix = _canonical(sp.csr_matrix((known["_pos"].to_numpy().astype(np.float32), (rows, cols)), shape=shape))
    negatives = _canonical(sp.csr_matrix((known["_neg"].to_numpy().astype(np.float32), (rows, cols)), shape=shape))
    return Interactions(
        matrix=matrix,
        negatives=negatives,
        user_ids=user_ids.to_numpy(),
        item_ids=item_ids.to_numpy(),
        window=(_to_datetime(t_min), _to_datetime(t_max)),
        stats={"events": n_events, "ignored_events": ignored, "pairs": matrix.nnz, "negative_pairs": negatives.nnz,
               "dropped_unknown": n_pairs - known.height, "half_life_days": half_life_days,
               "anchor": _to_datetime(anchor).isoformat() if t_max is not None or now else None},
    )


def epoch_micros(frame: pl.DataFrame, col: str) -> pl.Expr:
    """Integer microseconds since the epoch, exact (comparisons at a cutoff must not round)."""
    dtype = frame.schema[col]
    if isinstance(dtype, pl.Datetime):
        expr = pl.col(col)
        if dtype.time_zone is not None:
            expr = expr.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        return expr.dt.epoch("us")
    if dtype.is_numeric():
        return (pl.col(col).cast(pl.Float64) * 1e6).round(0).cast(pl.Int64)
    raise TypeError(f"{col} must be a datetime or epoch seconds, not {dtype}")


def micros_of(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware (UTC)")
    return (moment - _EPOCH) // timedelta(microseconds=1)


def datetime_of(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=int(micros))


def _epoch_seconds(frame: pl.DataFrame, col: str) -> pl.Expr:
    return epoch_micros(frame, col).cast(pl.Float64) / 1e6


def _to_datetime(ts: float | None) -> datetime | None:
    if ts is None or (isinstance(ts, float) and math.isnan(ts)):
        return None
    return datetime.fromtimestamp(ts, tz=UTC)


def _binary(m: sp.csr_matrix) -> sp.csr_matrix:
    out = m.copy()
    out.data = np.ones_like(out.data)
    return out


def _canonical(m: sp.spmatrix) -> sp.csr_matrix:
    out = sp.csr_matrix(m, dtype=np.float32)
    out.sum_duplicates()
    out.eliminate_zeros()
    out.sort_indices()
    return out
