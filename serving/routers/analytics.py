"""/api/analytics — the KPI API for analysts and admins, read-only on the published warehouse snapshot.

Thin: resolve the analyst, the date range and the current snapshot, call one query in
pipelines/kpis.py. The endpoints are plain `def`: DuckDB queries block, so FastAPI runs them in
its thread pool, and they never touch Postgres. Every answer says the data's as-of time.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from commerce.auth.tokens import AccessClaims
from pipelines import kpis
from pipelines.kpis import AsOf, AttributionOut, DateRange, ExperimentsOut, FunnelOut, KpisOut, RetentionOut, TopOut
from pipelines.snapshots import Snapshot, snapshot_store
from serving.deps import SettingsDep, require_role
from serving.routers.auth import PROBLEM

router = APIRouter(prefix="/api/analytics", tags=["analytics"])
ERRORS = {401: PROBLEM, 403: PROBLEM, 422: PROBLEM, 503: PROBLEM}

Analyst = Annotated[AccessClaims, Depends(require_role("analyst", "admin"))]


def current_snapshot(settings: SettingsDep) -> Snapshot:
    return snapshot_store(settings).current()


CurrentSnapshot = Annotated[Snapshot, Depends(current_snapshot)]


def date_range(
    from_: Annotated[date, Query(alias="from", description="first day, inclusive (UTC, YYYY-MM-DD)")],
    to: Annotated[date, Query(description="last day, inclusive; at most two years after `from`")],
) -> DateRange:
    return DateRange.checked(from_, to)


Range = Annotated[DateRange, Depends(date_range)]
Top = Annotated[int, Query(ge=1, le=50, description="rows per ranking")]


@router.get("/status", response_model=AsOf, responses=ERRORS)
def status(_: Analyst, snapshot: CurrentSnapshot) -> AsOf:
    """The published snapshot: the data's as-of time and the days it covers."""
    return kpis.as_of(snapshot.info)


@router.get("/kpis", response_model=KpisOut, response_model_by_alias=True, responses=ERRORS)
def get_kpis(_: Analyst, rng: Range, snapshot: CurrentSnapshot, grain: Literal["day", "week"] = "day") -> KpisOut:
    """Every KPI over the range (totals, the previous period of equal length and the relative
    deltas) and per day or ISO week. Definitions: dbt/models/marts/_marts.yml."""
    return kpis.kpis(snapshot, rng, grain)


@router.get("/funnel", response_model=FunnelOut, response_model_by_alias=True, responses=ERRORS)
def get_funnel(_: Analyst, rng: Range, snapshot: CurrentSnapshot) -> FunnelOut:
    """Product view → add to cart → purchase, within the conversion window of the view."""
    return kpis.funnel(snapshot, rng)


@router.get("/retention", response_model=RetentionOut, response_model_by_alias=True, responses=ERRORS)
def get_retention(_: Analyst, rng: Range, snapshot: CurrentSnapshot) -> RetentionOut:
    """Weekly signup cohorts starting in the range and their activity in the weeks after."""
    return kpis.retention(snapshot, rng)


@router.get("/attribution", response_model=AttributionOut, response_model_by_alias=True, responses=ERRORS)
def get_attribution(_: Analyst, rng: Range, snapshot: CurrentSnapshot, limit: Top = 10) -> AttributionOut:
    """Click-through, conversion and GMV by surface; GMV attributed to posts and creators."""
    return kpis.attribution(snapshot, rng, limit)


@router.get("/top", response_model=TopOut, response_model_by_alias=True, responses=ERRORS)
def get_top(_: Analyst, rng: Range, snapshot: CurrentSnapshot, limit: Top = 10) -> TopOut:
    """Top hashtags by engagement and top products by GMV over the range."""
    return kpis.top(snapshot, rng, limit)


@router.get("/experiments", response_model=ExperimentsOut, response_model_by_alias=True, responses=ERRORS)
def get_experiments(_: Analyst, rng: Range, snapshot: CurrentSnapshot) -> ExperimentsOut:
    """Ranking experiments: per variant, the users exposed in the range, impressions, clicks and
    purchases; click-through and conversion with 95% Wilson intervals, and their differences to
    control with 95% Newcombe intervals. Definitions: mart_experiment_user_daily in _marts.yml."""
    return kpis.experiments(snapshot, rng)
