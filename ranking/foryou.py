"""The platform's whole ranking retrain over its own data: what `pipelines.retrain` runs between
reading the warehouse and publishing to Redis (no I/O here but the model registry's files).

    events ─▶ posts: ALS/BPR retrain (ranking.workflow: temporal holdout, guardrail, top-500 each)
           ─▶ re-ranker: impressions logged after the holdout cutoff, labelled by what people did
              next, features from a snapshot at the cutoff; scored out of fold (3 folds of whole
              feed requests) against the CF score alone and the current champion, fitted on all of
              them, registered, promoted only when it beats both
           ─▶ each person's candidates: the head (`rerank_top`) re-ordered by the champion ranker
              with today's features, the tail left in CF order
           ─▶ cold start: people who follow someone but have too little history for CF get the
              followed authors' best posts fused with trending (ranks, not scores)
           ─▶ trending (global, per hashtag, per category) for explore and as the feed's backup
           ─▶ products: the same retrain over user × product (recommendations, related products)
           ─▶ spaces to publish: "post", "product" and, for the ranking experiment, "post_challenger"

Fresh posts the models have not seen reach feeds through the serving script's fresh and following
sources (fixed slots on every page), which is the "new posts get author affinity and a freshness
boost" half of cold start; this module handles the people half.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl

from ranking.coldstart import fuse_ranked
from ranking.datasets import as_frame, build_interactions, epoch_micros, micros_of
from ranking.features import Snapshot, cf_inputs, raw_inputs
from ranking.models.factorization import FactorModel
from ranking.publish import Space, TopKLists
from ranking.registry import ModelRegistry
from ranking.reranker import Reranker, auc, grouped_ndcg, label_impressions
from ranking.trending import TrendingConfig, TrendingLists, trending
from ranking.workflow import RetrainConfig, RetrainResult, candidates_for_all, retrain

__all__ = ["ForYouConfig", "ForYouResult", "PlatformData", "train_for_you"]

RERANKER_METRIC = "ndcg@10"
# Fewer, shallower, more regularised trees than Reranker's defaults, monotone in the features that can
# only help: a platform's holdout has thousands to tens of thousands of impressions and a few percent
# positives (out-of-fold NDCG on the demo data: +0.022 over CF alone with these, +0.017 with the
# defaults; on smaller seeded histories the defaults sometimes lose to CF alone, these did not).
RERANKER_PARAMS: dict[str, Any] = {"max_iter": 50, "learning_rate": 0.05, "max_leaf_nodes": 7,
                                   "l2_regularization": 5.0, "monotonic": True}


@dataclass(frozen=True)
class PlatformData:
    """What the retrain reads (see ranking.features for the columns), all as of `now`."""

    events: pl.DataFrame
    posts: pl.DataFrame  # post_id, author_id, created_at
    post_products: pl.DataFrame  # post_id, product_id, price
    post_hashtags: pl.DataFrame  # post_id, hashtags (list of str)
    post_category: pl.DataFrame  # post_id, category
    follows: pl.DataFrame  # follower_id, followee_id, created_at
    now: datetime


@dataclass(frozen=True)
class ForYouConfig:
    posts: RetrainConfig = field(default_factory=RetrainConfig)
    products: RetrainConfig | None = field(default_factory=RetrainConfig.products)
    reranker: Mapping[str, Any] = field(default_factory=dict)  # Reranker parameters over RERANKER_PARAMS
    reranker_folds: int = 3  # out-of-fold evaluation over whole feed requests
    reranker_min_unseen_requests: int = 100  # engaged requests the champion never saw, to compare it at all
    rerank_top: int = 200  # the head of each list the ranker re-orders; the rest stays in CF order
    reranker_min_impressions: int = 500
    max_training_impressions: int = 300_000  # a seeded sample of whole requests beyond this
    rerank_batch_users: int = 2_000
    cold_start_min_events: int = 3  # fewer engagements than this: the follow graph leads the list
    trending: TrendingConfig = field(default_factory=TrendingConfig)
    challenger: bool = False  # also publish "post_challenger" for the ranking experiment


@dataclass
class ForYouResult:
    posts: RetrainResult
    products: RetrainResult | None
    spaces: list[Space]
    reranker: dict[str, Any]
    cold_start_users: int
    timings: dict[str, float]

    def summary(self) -> dict[str, Any]:
        return {"posts": self.posts.summary(), "products": self.products.summary() if self.products else None,
                "reranker": self.reranker, "cold_start_users": self.cold_start_users,
                "spaces": [s.name for s in self.spaces], "timings": self.timings}


def _micros_before(frame: pl.DataFrame, moment: datetime) -> pl.Expr:
    return epoch_micros(frame, "occurred_at") < micros_of(moment)


def _requests(impressions: pl.DataFrame) -> pl.Expr:
    """A feed request: one person's page on one surface, served at one moment (a logged page's
    impressions share their time) — the unit the ranker orders and is scored on."""
    def text(col: str) -> pl.Expr:
        return pl.col(col).cast(pl.Utf8).fill_null("") if col in impressions.columns else pl.lit("")

    return pl.concat_str([pl.col("user_id"), text("surface"), text("session_id"),
                          pl.col("occurred_at").dt.truncate("1m").cast(pl.Utf8)], separator="|")


def _training_rows(events: pl.DataFrame, data: PlatformData, result: RetrainResult, registry: ModelRegistry,
                   cfg: ForYouConfig) -> tuple[pl.DataFrame, datetime]:
    """Impressions after the holdout cutoff with their outcomes and the raw inputs known at the cutoff."""
    cutoff = datetime.fromisoformat(result.record.notes["cutoff"])
    model = registry.load(result.record)
    assert isinstance(model, FactorModel)
    post_cfg = cfg.posts
    train_events = events.filter(_micros_before(events, cutoff))
    # The matrix this model was fitted on, so its rows and columns are the model's users and items.
    train = result.train
    exclusions = train.exclusions()
    after = ~_micros_before(events, cutoff) | (pl.col("event_type") != "impression")
    labelled = label_impressions(events.filter(after))
    labelled = labelled.filter(~_micros_before(labelled, cutoff)).with_columns(_requests(labelled).alias("request_id"))
    if labelled.height > cfg.max_training_impressions:
        groups = labelled["request_id"].unique().sort()
        share = cfg.max_training_impressions / labelled.height
        keep = groups.sample(fraction=min(1.0, share), seed=0)
        labelled = labelled.filter(pl.col("request_id").is_in(keep.to_list()))
    pairs = labelled.select("user_id", "post_id", pl.col("occurred_at").alias("at"), "request_id", "engaged",
                            "purchased", *[c for c in ("surface", "position") if c in labelled.columns])
    with_cf = cf_inputs(model, pairs, exclusions=exclusions, k=post_cfg.candidates_k, batch_size=post_cfg.batch_size)
    snapshot = Snapshot.build(events=train_events, posts=data.posts, post_products=data.post_products,
                              follows=data.follows, as_of=cutoff, data=train, trending_config=cfg.trending,
                              post_hashtags=data.post_hashtags, post_category=data.post_category)
    return raw_inputs(with_cf, snapshot), cutoff


def _out_of_fold(rows: pl.DataFrame, params: Mapping[str, Any], folds: int) -> np.ndarray:
    """Each impression scored by a ranker fitted on the other folds of whole feed requests (NaN
    where a fold could not be fitted): an honest score for every row, so the comparison with CF
    alone uses all of them — one split of a few hundred engaged requests moves it by ±0.01, the
    size of the effect being measured."""
    groups = rows["request_id"].unique().sort()
    order = np.random.default_rng(0).permutation(groups.len())
    fold_of = pl.DataFrame({"request_id": groups, "_fold": (order % folds).astype(np.int64)})
    fold = rows.join(fold_of, on="request_id", how="left")["_fold"].to_numpy()
    scores = np.full(rows.height, np.nan)
    for f in range(folds):
        fit = rows.filter(pl.Series(fold != f))
        if fit["engaged"].n_unique() < 2 or not (fold == f).any():
            continue
        scores[fold == f] = Reranker(**params).fit(fit).score(rows.filter(pl.Series(fold == f)))
    return scores


def _ranking_scores(rows: pl.DataFrame, scores: np.ndarray, purchase_weight: float) -> tuple[float, float]:
    """(NDCG@10 of the order `scores` puts each request in, engagement AUC); gains as the ranker's
    objective: engaged + purchase_weight × purchased."""
    gains = (rows["engaged"].cast(pl.Float64).to_numpy()
             + purchase_weight * rows["purchased"].cast(pl.Float64).to_numpy())
    engaged = rows["engaged"].cast(pl.Boolean).to_numpy()
    return (grouped_ndcg(scores, gains, rows["request_id"].to_numpy()),
            auc(scores, engaged) if 0 < engaged.sum() < engaged.size else float("nan"))


def _train_reranker(rows: pl.DataFrame, cutoff: datetime, registry: ModelRegistry,
                    cfg: ForYouConfig) -> tuple[Reranker | None, dict[str, Any]]:
    """Score a ranker out of fold, fit it on every impression, register and decide; returns the
    ranker to serve with (the new one, the kept champion, or None when there is neither and the
    lists stay in CF order).

    The guardrail: beat the CF score alone, and beat the champion on impressions the champion was
    not trained on (it has seen most of this holdout: consecutive retrains' windows overlap, and a
    model scored on its own training rows would win every time). Without enough unseen requests
    the champion is not compared and CF alone decides."""
    info: dict[str, Any] = {"impressions": rows.height, "requests": rows["request_id"].n_unique() if rows.height else 0}
    try:
        loaded = registry.load_champion("reranker")
    except ValueError as exc:  # trained on another feature set: it can neither serve nor be compared
        loaded, info["champion_unusable"] = None, str(exc)
    champion = loaded[1] if loaded is not None and isinstance(loaded[1], Reranker) else None
    kept = {"serving": loaded[0].id if champion is not None else None}
    engaged = int(rows["engaged"].sum()) if rows.height else 0
    if rows.height < cfg.reranker_min_impressions or engaged == 0 or engaged == rows.height:
        info["skipped"] = (f"{rows.height} impressions, {engaged} engaged after the cutoff: too few to learn from "
                           f"(needs {cfg.reranker_min_impressions} with both outcomes)")
        return champion, {**info, **kept}
    params = {**Reranker.DEFAULTS, **RERANKER_PARAMS, **cfg.reranker}
    oof = _out_of_fold(rows, params, cfg.reranker_folds)
    scored = ~np.isnan(oof)
    if not scored.any():
        info["skipped"] = "no fold had both outcomes to learn from"
        return champion, {**info, **kept}
    rows, oof = rows.filter(pl.Series(scored)), oof[scored]
    weight = float(params["purchase_weight"])
    cf_scores = rows["cf_score"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    ours, ours_auc = _ranking_scores(rows, oof, weight)
    cf, cf_auc = _ranking_scores(rows, cf_scores, weight)
    metrics = {RERANKER_METRIC: ours, f"{RERANKER_METRIC}_cf": cf, "auc": ours_auc, "auc_cf": cf_auc,
               "engaged_rate": float(rows["engaged"].mean()), "purchased_rate": float(rows["purchased"].mean())}
    metric, floor, baseline, compared = RERANKER_METRIC, cf, None, champion is not None
    if champion is not None:
        since = loaded[0].notes.get("trained_through")
        mask = (rows["at"] > datetime.fromisoformat(since)).to_numpy() if since else np.zeros(rows.height, bool)
        unseen = rows.filter(pl.Series(mask))
        if unseen.filter(pl.col("engaged"))["request_id"].n_unique() >= cfg.reranker_min_unseen_requests:
            metric = f"{RERANKER_METRIC}_unseen"
            metrics[metric], _ = _ranking_scores(unseen, oof[mask], weight)
            metrics[f"{metric}_cf"], _ = _ranking_scores(unseen, cf_scores[mask], weight)
            floor = metrics[f"{metric}_cf"]
            baseline, _ = _ranking_scores(unseen, champion.score(unseen), weight)
        else:
            compared = False
            info["champion_not_compared"] = (f"fewer than {cfg.reranker_min_unseen_requests} engaged feed requests "
                                             "since the champion was trained")
    model = Reranker(**params).fit(rows)
    record = registry.register(model, kind="reranker", metrics=metrics, holdout_metric=metric,
                               data_window=(cutoff, rows["at"].max()),
                               notes={"cutoff": cutoff.isoformat(), "impressions": rows.height,
                                      "folds": cfg.reranker_folds, "champion_on_unseen": baseline,
                                      "trained_through": rows["at"].max().isoformat()})
    decision = registry.promote(record.id, baseline=baseline, floor=floor, floor_name="CF alone",
                                compare_champion=compared)
    info.update(candidate=record.id, promoted=decision.promoted, reason=decision.reason, metrics=metrics,
                champion_score=baseline, serving=record.id if decision.promoted else kept["serving"])
    return (model if decision.promoted else champion), info


def rerank(candidates: TopKLists, ranker: Reranker, snapshot: Snapshot, *, top: int, batch_users: int) -> TopKLists:
    """Each list's first `top` entries re-ordered by the ranker (scores become its scores, above
    every CF score of the tail so the order reads off the scores too); the rest stays as it was."""
    cols, scores = candidates.cols.copy(), candidates.scores.astype(np.float32).copy()
    head = min(top, cols.shape[1])
    if head == 0 or cols.shape[0] == 0:
        return candidates
    item_ids = np.asarray([str(i) for i in candidates.item_ids.tolist()], dtype=object)
    keys = np.asarray([str(k) for k in candidates.keys.tolist()], dtype=object)
    for start in range(0, cols.shape[0], batch_users):
        block = cols[start:start + batch_users, :head]
        n = block.shape[0]
        valid = block >= 0
        r, c = np.nonzero(valid)
        pairs = pl.DataFrame({"user_id": keys[start + r].tolist(), "post_id": item_ids[block[r, c]].tolist(),
                              "cf_score": scores[start + r, c].astype(np.float64), "cf_rank": c.astype(np.float64)},
                             schema={"user_id": pl.Utf8, "post_id": pl.Utf8, "cf_score": pl.Float64,
                                     "cf_rank": pl.Float64})
        learned = np.full((n, head), -np.inf)
        learned[r, c] = ranker.score(raw_inputs(pairs, snapshot))
        order = np.argsort(-learned, axis=1, kind="stable")  # -1 padding (score -inf) stays last
        tail_top = np.where(cols[start:start + n, head:] >= 0, scores[start:start + n, head:], -np.inf)
        floor = np.max(tail_top, axis=1, initial=-np.inf)  # -inf for an empty tail too
        new_scores = np.take_along_axis(learned, order, axis=1)
        lift = np.where(np.isfinite(floor), floor + 1.0, 0.0)[:, None]
        cols[start:start + n, :head] = np.take_along_axis(block, order, axis=1)
        scores[start:start + n, :head] = np.where(np.isfinite(new_scores), new_scores + lift, -np.inf)
    return TopKLists(keys=candidates.keys, cols=cols, scores=scores, item_ids=candidates.item_ids)


def _cold_start(candidates: TopKLists, data: PlatformData, snapshot: Snapshot, trend: TrendingLists,
                engaged_counts: dict[str, int], cfg: ForYouConfig) -> tuple[TopKLists, int]:
    """Lists for people CF knows too little about but whose follows say something: the followed
    authors' most engaged-with posts, fused with trending by reciprocal rank; the CF list, when
    there is one, joins the fusion. Only posts in the space's item table can be listed."""
    k = candidates.cols.shape[1] or cfg.posts.candidates_k
    item_index = {str(i): c for c, i in enumerate(candidates.item_ids.tolist())}
    existing = {str(u): r for r, u in enumerate(candidates.keys.tolist())}
    followers = snapshot.follows.group_by("follower_id").agg(pl.col("followee_id"))
    if followers.height == 0:
        return candidates, 0
    by_author = (snapshot.posts.join(snapshot.post_stats.select("post_id", "item_engagements"), on="post_id",
                                     how="left")
                 .filter(pl.col("post_id").is_in(list(item_index)))
                 .sort(["item_engagements", "created_at"], descending=True, nulls_last=True)
                 .group_by("author_id", maintain_order=True).agg(pl.col("post_id").head(50)))
    posts_of = dict(zip(by_author["author_id"].to_list(), by_author["post_id"].to_list(), strict=True))
    hot = [str(i) for i in trend.lists.get("global", (np.array([]), None))[0].tolist() if str(i) in item_index]
    new_keys, new_rows, replaced = [], [], {}
    for follower, followees in followers.iter_rows():
        if engaged_counts.get(follower, 0) >= cfg.cold_start_min_events:
            continue
        followed = [p for a in followees for p in posts_of.get(a, [])]
        if not followed:
            continue
        sources: dict[str, list[str]] = {"follows": followed, "trending": hot}
        row = existing.get(follower)
        if row is not None:
            sources["cf"] = [str(candidates.item_ids[c]) for c in candidates.cols[row] if c >= 0]
        fused = fuse_ranked(sources, weights={"follows": 2.0, "trending": 1.0, "cf": 1.0}, k=k)
        cols = np.full(k, -1, np.int64)
        scores = np.full(k, -np.inf, np.float32)
        for n, (post, score) in enumerate(fused):
            cols[n], scores[n] = item_index[post], score
        if row is not None:
            replaced[row] = (cols, scores)
        else:
            new_keys.append(follower)
            new_rows.append((cols, scores))
    if not new_rows and not replaced:
        return candidates, 0
    all_cols, all_scores = candidates.cols.copy(), candidates.scores.copy()
    if all_cols.shape[1] < k:
        all_cols = np.pad(all_cols, ((0, 0), (0, k - all_cols.shape[1])), constant_values=-1)
        all_scores = np.pad(all_scores, ((0, 0), (0, k - all_scores.shape[1])), constant_values=-np.inf)
    for row, (cols, scores) in replaced.items():
        all_cols[row], all_scores[row] = cols, scores
    if new_rows:
        all_cols = np.vstack([all_cols, np.stack([c for c, _ in new_rows])])
        all_scores = np.vstack([all_scores, np.stack([s for _, s in new_rows])])
    keys = np.concatenate([np.asarray(candidates.keys, dtype=object), np.asarray(new_keys, dtype=object)])
    return TopKLists(keys=keys, cols=all_cols, scores=all_scores, item_ids=candidates.item_ids), \
        len(new_rows) + len(replaced)


def train_for_you(data: PlatformData, *, registry: ModelRegistry, config: ForYouConfig | None = None,
                  on_step: Callable[[str, float], None] | None = None) -> ForYouResult:
    """Everything a retrain publishes (module docstring); `on_step(name, seconds)` after each step."""
    cfg = config or ForYouConfig()
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now
        if on_step:
            on_step(name, timings[name])

    events = as_frame(data.events)
    posts_result = retrain(events, registry=registry, config=cfg.posts)
    step("posts")
    rows, cutoff = _training_rows(events, data, posts_result, registry, cfg)
    ranker, ranker_info = _train_reranker(rows, cutoff, registry, cfg)
    step("reranker")
    trend = trending(events, now=data.now, item_hashtags=data.post_hashtags, item_category=data.post_category,
                     config=cfg.trending)
    snapshot = Snapshot.build(events=events, posts=data.posts, post_products=data.post_products, follows=data.follows,
                              as_of=data.now, data=posts_result.data, trending_config=cfg.trending,
                              post_hashtags=data.post_hashtags, post_category=data.post_category)
    step("trending")
    plain = posts_result.candidates
    candidates = plain
    if ranker is not None:
        candidates = rerank(plain, ranker, snapshot, top=cfg.rerank_top, batch_users=cfg.rerank_batch_users)
        ranker_info["reranked_users"] = len(candidates.keys)
    step("rerank")
    engaged = (events.filter(pl.col("post_id").is_not_null() & (pl.col("event_type") != "impression"))
               .group_by(pl.col("user_id").cast(pl.Utf8)).len())
    counts = dict(zip(engaged["user_id"].to_list(), engaged["len"].to_list(), strict=True))
    candidates, cold = _cold_start(candidates, data, snapshot, trend, counts, cfg)
    step("cold start")
    spaces = [Space("post", candidates=candidates, similar=posts_result.similar, trending=trend)]
    if cfg.challenger:
        spaces.append(_challenger(posts_result, plain, events, registry, cfg, trend))
    products = None
    if cfg.products is not None and events.filter(pl.col("product_id").is_not_null()).height:
        products = retrain(events, registry=registry, config=cfg.products)
        spaces.append(products.space())
    step("products")
    return ForYouResult(posts=posts_result, products=products, spaces=spaces, reranker=ranker_info,
                        cold_start_users=cold, timings=timings)


def _challenger(result: RetrainResult, plain: TopKLists, events: pl.DataFrame, registry: ModelRegistry,
                cfg: ForYouConfig, trend: TrendingLists) -> Space:
    """What the experiment's treatment reads: the new model's own lists when the guardrail kept the
    old one (an online second opinion on an offline "no"), otherwise the champion's CF order without
    the re-ranker (a standing holdback that measures what the ranker adds)."""
    if not result.decision.promoted and result.serving.id != result.record.id:
        model = registry.load(result.record)
        assert isinstance(model, FactorModel)
        post_cfg = cfg.posts
        data = build_interactions(events.filter(pl.col("post_id").is_not_null()), item_col="post_id",
                                  weights=post_cfg.weights, negative_weights=post_cfg.negative_weights,
                                  half_life_days=post_cfg.half_life_days, items=model.item_ids)
        lists = candidates_for_all(model, data, post_cfg.candidates_k, batch_size=post_cfg.batch_size,
                                   pool_sample=post_cfg.candidate_pool_sample)
        return Space("post_challenger", candidates=lists, similar=None, trending=trend)
    return Space("post_challenger", candidates=plain, similar=None, trending=trend)
