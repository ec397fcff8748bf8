"""The ranking flows: `retrain` (nightly) and `trending` (every few minutes), warehouse → Redis.

    retrain:  extract (incremental) → read the window from the warehouse's raw tables →
              ranking.foryou.train_for_you (posts ALS/BPR with the guardrail, the learned re-ranker,
              cold start, trending, products) → ranking.publish (a new version, atomic pointer swap)
    trending: extract → the last `window_hours` of engagement → trending lists published under
              their own pointer, so explore and the feeds' trending backup move between retrains

The training source is the warehouse, not Postgres: it is the copy the analysts' KPIs are computed
from, reading it puts no load on the transactional database, and `raw.*` keeps the Postgres column
names (pipelines/tables.py). The warehouse is read under the writer lock (DuckDB lets nobody else
open a file another process writes) and released before training, so the analytics flow is never
held up by a model fit.

Models go to the registry under `<var_dir>/models`; what was trained, promoted or kept is printed
by `lakoo pipeline run retrain`, logged by the flow and kept in the registry's decisions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import redis as redis_sync
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from commerce.core.settings import Settings
from pipelines.flows import _is_transient, _settings, extract_task, reporter
from pipelines.warehouse import connect, warehouse_path, writer_lock
from ranking.foryou import ForYouConfig, PlatformData, train_for_you
from ranking.publish import Published, Space, publish, trending_prefix
from ranking.registry import ModelRegistry
from ranking.trending import TrendingConfig, trending
from ranking.workflow import ALS_SEARCH_SPACE, RetrainConfig

log = logging.getLogger("lakoo.pipelines.retrain")

# What retrain and trending need from the warehouse (extracted first, incrementally).
TABLES = ["interactions.interaction", "content.post", "content.post_hashtag", "content.post_product_tag",
          "catalog.product", "catalog.category", "social.follow"]


def registry_dir(settings: Settings) -> Path:
    return (settings.var_dir / "models").resolve()


def _frame(duck, sql: str, params: list | None = None) -> pl.DataFrame:  # noqa: ANN001
    return pl.from_arrow(duck.sql(sql, params=params).to_arrow_table())  # type: ignore[return-value]


def _as_of(duck) -> datetime:  # noqa: ANN001
    """The Postgres snapshot time of the last extract: "now" for the data (trending decays from it)."""
    row = duck.sql("SELECT max(_loaded_at) FROM raw.interactions__interaction").fetchall()[0]
    moment = row[0] if row and row[0] is not None else datetime.now(UTC)
    return moment.astimezone(UTC)


@contextmanager
def _reading(settings: Settings) -> Iterator[Any]:
    """The warehouse, read-only, in one short hold of its writer lock (an extract waits meanwhile)."""
    with writer_lock(settings, on_wait=reporter().on_wait):
        duck = connect(warehouse_path(settings), read_only=True)
        try:
            yield duck
        finally:
            duck.close()


def _events(duck, since: datetime, now: datetime) -> pl.DataFrame:  # noqa: ANN001
    return _frame(duck, """
        SELECT CAST(user_id AS VARCHAR) AS user_id, CAST(post_id AS VARCHAR) AS post_id,
               CAST(product_id AS VARCHAR) AS product_id, event_type, occurred_at, quantity,
               session_id, surface, position
        FROM raw.interactions__interaction
        WHERE occurred_at >= ? AND occurred_at <= ?
        ORDER BY id""", [since, now])


def _post_hashtags(duck) -> pl.DataFrame:  # noqa: ANN001
    return _frame(duck, """
        SELECT CAST(post_id AS VARCHAR) AS post_id, list(tag ORDER BY tag) AS hashtags
        FROM raw.content__post_hashtag GROUP BY post_id""")


def _post_category(duck) -> pl.DataFrame:  # noqa: ANN001
    # A post trends in the categories of the products it tags and in their parents, the way
    # `GET /api/products?category=` includes sub-categories.
    return _frame(duck, """
        WITH RECURSIVE up(post_id, category_id) AS (
            SELECT t.post_id, p.category_id
            FROM raw.content__post_product_tag t JOIN raw.catalog__product p ON p.id = t.product_id
            UNION
            SELECT up.post_id, c.parent_id FROM up JOIN raw.catalog__category c ON c.id = up.category_id
            WHERE c.parent_id IS NOT NULL)
        SELECT DISTINCT CAST(up.post_id AS VARCHAR) AS post_id, c.slug AS category
        FROM up JOIN raw.catalog__category c ON c.id = up.category_id""")


def read_platform(settings: Settings, *, window_days: float) -> PlatformData:
    """The training frames for the last `window_days`, read in one short hold of the warehouse."""
    with _reading(settings) as duck:
        now = _as_of(duck)
        frame = _events(duck, now - timedelta(days=window_days), now)
        posts = _frame(duck, """
            SELECT CAST(id AS VARCHAR) AS post_id, CAST(author_id AS VARCHAR) AS author_id, created_at
            FROM raw.content__post WHERE status = 'active'""")
        post_products = _frame(duck, """
            SELECT CAST(t.post_id AS VARCHAR) AS post_id, CAST(t.product_id AS VARCHAR) AS product_id,
                   p.price_min AS price
            FROM raw.content__post_product_tag t JOIN raw.catalog__product p ON p.id = t.product_id""")
        hashtags, category = _post_hashtags(duck), _post_category(duck)
        follows = _frame(duck, """
            SELECT CAST(follower_id AS VARCHAR) AS follower_id, CAST(followee_id AS VARCHAR) AS followee_id,
                   created_at FROM raw.social__follow""")
    return PlatformData(events=frame, posts=posts, post_products=post_products, post_hashtags=hashtags,
                        post_category=category, follows=follows, now=now)


def _redis(settings: Settings) -> redis_sync.Redis:
    return redis_sync.Redis.from_url(settings.redis_url, decode_responses=False)


def foryou_config(settings: Settings) -> ForYouConfig:
    """Hyper-parameters set in LAKOO_RANKING_PARAMS are used as they are; without them each ALS
    retrain searches ALS_SEARCH_SPACE on its own data (while the data is small enough)."""
    params = dict(settings.ranking_params)
    space = ALS_SEARCH_SPACE if not params and settings.ranking_model == "als" else None
    return ForYouConfig(
        posts=RetrainConfig(model=settings.ranking_model, params=params, search_space=space),
        products=RetrainConfig.products(model=settings.ranking_model, params=params, search_space=space),
        challenger=settings.experiment_treatment_pct > 0,
        trending=TrendingConfig(window_hours=settings.trending_window_hours))


@task(name="train", cache_policy=NO_CACHE)
def train_task(window_days: float) -> dict[str, Any]:
    settings = _settings()
    report = reporter().on_step
    report("retrain", "reading the warehouse", 0, None)
    data = read_platform(settings, window_days=window_days)
    if data.events.filter(pl.col("post_id").is_not_null()).height == 0:
        raise NoTrainingData(f"the warehouse has no interactions with posts in the last {window_days:g} days; "
                             "run `lakoo pipeline run analytics` (or seed the demo) first")
    steps = ["posts", "reranker", "trending", "rerank", "cold start", "products"]
    done: list[str] = []

    def on_step(name: str, seconds: float) -> None:
        done.append(name)
        report("retrain", f"{name} ({seconds:.1f}s)", len(done), len(steps))

    result = train_for_you(data, registry=ModelRegistry(registry_dir(settings)), config=foryou_config(settings),
                           on_step=on_step)
    report("retrain", "publishing to Redis", len(done), len(steps))
    client = _redis(settings)
    try:
        summary = result.summary()
        published: Published = publish(client, settings.redis_namespace, result.spaces, meta={
            "models": {"post": result.posts.serving.id,
                       "product": result.products.serving.id if result.products else None,
                       "reranker": result.reranker.get("serving")},
            "data_as_of": data.now.isoformat()})
    finally:
        client.close()
    logger = get_run_logger()
    posts = summary["posts"]
    logger.info("posts: candidate %s %s (%s %.4f; popularity %.4f; champion %s) — %s", posts["candidate"],
                "promoted" if posts["promoted"] else "kept as challenger", posts["metric"],
                posts["candidate_score"] or 0.0, posts["popularity_score"] or 0.0, posts["champion_score"],
                posts["reason"])
    ranker = summary["reranker"]
    if "metrics" in ranker:
        logger.info("re-ranker %s: ndcg@10 %.4f vs CF alone %.4f — %s", ranker["candidate"],
                    ranker["metrics"]["ndcg@10"], ranker["metrics"]["ndcg@10_cf"], ranker["reason"])
    else:
        logger.info("re-ranker not trained: %s", ranker.get("skipped"))
    logger.info("published ranking version %s (%s users) in %.1fs", published.version, published.users,
                published.seconds)
    return {**summary, "version": published.version, "swapped": published.swapped, "users": published.users,
            "data_as_of": data.now.isoformat(), "events": data.events.height}


class NoTrainingData(RuntimeError):
    pass


@task(name="trending", retries=2, retry_delay_seconds=[2, 10], retry_condition_fn=_is_transient,
      cache_policy=NO_CACHE)
def trending_task() -> dict[str, Any]:
    settings = _settings()
    config = TrendingConfig(window_hours=settings.trending_window_hours)
    # Only what trending reads (every 10 minutes): the window's events and where each post trends.
    with _reading(settings) as duck:
        now = _as_of(duck)
        events = _events(duck, now - timedelta(hours=config.window_hours), now)
        hashtags, category = _post_hashtags(duck), _post_category(duck)
    lists = trending(events, now=now, item_hashtags=hashtags, item_category=category, config=config)
    client = _redis(settings)
    try:
        published = publish(client, trending_prefix(settings.redis_namespace), [Space("post", trending=lists)],
                            ttl_s=settings.trending_ttl_s, meta={"data_as_of": now.isoformat()})
    finally:
        client.close()
    get_run_logger().info("trending version %s: %s lists, %s posts overall", published.version, len(lists.lists),
                          len(lists.lists["global"][0]))
    return {"version": published.version, "lists": len(lists.lists), "global": len(lists.lists["global"][0]),
            "data_as_of": now.isoformat()}


@flow(name="retrain", log_prints=True)
def retrain_flow(window_days: float | None = None) -> dict[str, Any]:
    """extract → read the window → train, evaluate, register, re-rank → publish to Redis."""
    settings = _settings()
    extracted = extract_task(TABLES)
    trained = train_task(window_days or settings.ranking_window_days)
    return {"extract": extracted, "retrain": trained}


@flow(name="trending", log_prints=True)
def trending_flow() -> dict[str, Any]:
    """extract → trending lists of the last hours → published under their own pointer."""
    extracted = extract_task(TABLES)
    return {"extract": extracted, "trending": trending_task()}


RANKING_FLOWS = {"retrain": retrain_flow, "trending": trending_flow}
