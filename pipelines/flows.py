"""Prefect 3 flows: `extract`, `transform` (dbt build + publish) and `analytics` (both, in order);
the ranking flows (`retrain`, `trending`) are in retrain.py.

The flows are thin: the work lives in extract.py, transform.py and publish.py, which tests and
benchmarks call directly. Prefect adds run history, retries of transient failures (a dropped
database connection, the warehouse file briefly busy), schedules (`schedules.py`) and the UI.

A failed dbt model or data test is not transient: the flow fails at once with the failing tests
in its message, and nothing is published, so the API keeps serving the previous snapshot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
import psycopg
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from commerce.core.settings import Settings, get_settings
from pipelines.extract import ExtractResult, run_extract
from pipelines.publish import Published, publish
from pipelines.transform import TransformResult, run_transform
from pipelines.warehouse import WarehouseBusy, writer_lock

log = logging.getLogger("lakoo.pipelines")
TRANSIENT = (psycopg.OperationalError, duckdb.IOException, WarehouseBusy, ConnectionError, TimeoutError)


@dataclass
class Reporter:
    """How a run shows progress; the CLI installs rich progress bars, flows run quietly otherwise."""

    on_step: Callable[[str, str, int, int | None], None] = lambda step, what, done, total: None
    on_wait: Callable[[str], None] = lambda holder: None


_reporter = Reporter()


def set_reporter(reporter: Reporter | None) -> None:
    global _reporter
    _reporter = reporter or Reporter()


def reporter() -> Reporter:
    """The reporter installed now (modules that import this one must not keep their own copy)."""
    return _reporter


def _settings() -> Settings:
    """The process's settings with the store URLs resolved (embedded stores when none are set)."""
    from commerce.core.embedded import resolve_store_urls

    settings = get_settings()
    if settings.database_url:
        return settings
    db_url, redis_url = resolve_store_urls(settings)
    return settings.model_copy(update={"database_url": db_url, "redis_url": redis_url})


def _is_transient(task, task_run, state) -> bool:  # noqa: ANN001, ARG001 - Prefect's retry_condition_fn
    try:
        state.result(raise_on_failure=True)
    except TRANSIENT:
        return True
    except Exception:  # noqa: BLE001 - anything else (a failed dbt test) is not worth retrying
        return False
    return False


@task(name="extract", retries=3, retry_delay_seconds=[2, 10, 30], retry_condition_fn=_is_transient,
      cache_policy=NO_CACHE)
def extract_task(tables: list[str] | None = None) -> dict[str, Any]:
    settings = _settings()
    with writer_lock(settings, on_wait=_reporter.on_wait):
        result: ExtractResult = run_extract(
            settings, tables=tables, progress=lambda name, done, total: _reporter.on_step("extract", name, done, total))
    get_run_logger().info("extract batch %s: %s rows loaded in %.1fs (snapshot %s)", result.batch_id,
                          f"{result.rows_loaded:,}", result.seconds, result.snapshot_at.isoformat())
    return {"batch_id": result.batch_id, "snapshot_at": result.snapshot_at.isoformat(),
            "rows_loaded": result.rows_loaded, "seconds": round(result.seconds, 2),
            "tables": {t.name: t.rows_loaded for t in result.tables}}


@task(name="dbt build", retries=2, retry_delay_seconds=[5, 30], retry_condition_fn=_is_transient,
      cache_policy=NO_CACHE)
def dbt_build_task(full_refresh: bool = False) -> dict[str, Any]:
    settings = _settings()
    with writer_lock(settings, on_wait=_reporter.on_wait):
        result: TransformResult = run_transform(
            settings, full_refresh=full_refresh,
            progress=lambda what, done, total: _reporter.on_step("dbt build", what, done, total))
    logger = get_run_logger()
    logger.info("dbt build: %s models, %s tests passed in %.1fs", result.models, result.tests, result.seconds)
    for warning in result.warnings:
        logger.warning("dbt warning: %s %s", warning.kind, warning.name)
    return {"models": result.models, "tests": result.tests, "seconds": round(result.seconds, 2),
            "warnings": [w.name for w in result.warnings]}


@task(name="publish snapshot", retries=2, retry_delay_seconds=[2, 10], retry_condition_fn=_is_transient,
      cache_policy=NO_CACHE)
def publish_task() -> dict[str, Any]:
    settings = _settings()
    with writer_lock(settings, on_wait=_reporter.on_wait):
        _reporter.on_step("publish", "snapshot", 0, 1)
        published: Published = publish(settings)
        _reporter.on_step("publish", "snapshot", 1, 1)
    get_run_logger().info("published %s (data as of %s)", published.path.name, published.as_of)
    return {"snapshot": str(published.path), "as_of": published.as_of.isoformat() if published.as_of else None}


@flow(name="extract", log_prints=True)
def extract_flow(tables: list[str] | None = None) -> dict[str, Any]:
    """Incremental copy of the Postgres tables into the warehouse's raw schema."""
    return extract_task(tables)


@flow(name="transform", log_prints=True)
def transform_flow(full_refresh: bool = False) -> dict[str, Any]:
    """dbt build of the KPI marts; publishes a new snapshot only when every model and test passed."""
    settings = _settings()
    with writer_lock(settings, on_wait=_reporter.on_wait):  # nobody writes between build and publish
        built = dbt_build_task(full_refresh)
        published = publish_task()
    return {"dbt": built, "publish": published}


@flow(name="analytics", log_prints=True)
def analytics_flow(full_refresh: bool = False) -> dict[str, Any]:
    """extract → dbt build → publish, holding the warehouse for the whole run."""
    settings = _settings()
    with writer_lock(settings, on_wait=_reporter.on_wait):
        extracted = extract_task()
        built = dbt_build_task(full_refresh)
        published = publish_task()
    return {"extract": extracted, "dbt": built, "publish": published}


FLOWS = {"analytics": analytics_flow, "extract": extract_flow, "transform": transform_flow}


def flow_named(name: str) -> Any:
    """Any flow `lakoo pipeline run` knows: the analytics ones here, the ranking ones in retrain.py
    (imported on demand: they pull in the ML stack, which the analytics runs do not need)."""
    if name in FLOWS:
        return FLOWS[name]
    from pipelines.retrain import RANKING_FLOWS

    return RANKING_FLOWS[name]
