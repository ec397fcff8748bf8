"""The KPI read side: questions analysts ask, answered from the published marts snapshot.

Definitions live in the dbt YAML (dbt/models/marts/_marts.yml); this module only aggregates the
daily marts over a date range. Counts are summed, rates are recomputed from summed numerators and
denominators (never averaged), DAU is the average over the days, WAU/MAU/users are the value on
the last day. Every answer carries the snapshot's as-of time.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import NormalDist
from typing import Any, Literal

from pydantic import BaseModel, Field

from commerce.core.errors import ValidationFailed
from pipelines.snapshots import Snapshot, SnapshotInfo, WarehouseNotBuilt

MAX_RANGE_DAYS = 731  # two years, inclusive of both ends
Grain = Literal["day", "week"]


class DateRangeInverted(ValidationFailed):
    code = "date_range_inverted"
    title = "The date range ends before it starts"


class DateRangeTooLong(ValidationFailed):
    code = "date_range_too_long"
    title = "The date range is longer than two years"


@dataclass(frozen=True)
class DateRange:
    """Inclusive UTC dates."""

    start: date
    end: date

    @classmethod
    def checked(cls, start: date, end: date) -> DateRange:
        if end < start:
            raise DateRangeInverted(f"`to` ({end}) is before `from` ({start})")
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise DateRangeTooLong(f"at most {MAX_RANGE_DAYS} days may be asked for at once; "
                                   f"{start}..{end} is {(end - start).days + 1}")
        return cls(start, end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> DateRange:
        """The same number of days, ending the day before this range starts."""
        end = self.start - timedelta(days=1)
        return DateRange(end - timedelta(days=self.days - 1), end)


SUMMED = ("registrations", "posts_created", "events", "impressions", "post_views", "post_clicks", "likes", "saves",
          "comments", "shares", "product_tag_clicks", "tagged_post_impressions", "product_views", "add_to_carts",
          "checkouts", "purchases", "orders_placed", "orders_placed_completed", "orders_placed_failed", "orders_paid",
          "gmv", "orders_completed", "seller_applications", "seller_applications_approved", "sellers_approved")
LAST_DAY = ("wau", "mau", "users_total")
RATIOS = {
    "feed_click_through_rate": ("post_clicks", "impressions"),
    "tag_click_through_rate": ("product_tag_clicks", "tagged_post_impressions"),
    "aov": ("gmv", "orders_paid"),
    "order_completion_rate": ("orders_placed_completed", "orders_placed"),
    "seller_onboarding_rate": ("seller_applications_approved", "seller_applications"),
    "posts_per_active_user": ("posts_created", "dau_days"),
}


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    return None if not denominator else float(numerator or 0) / float(denominator)


class AsOf(BaseModel):
    as_of: datetime | None = Field(description="Postgres snapshot time of the data behind these figures")
    built_at: datetime
    published_at: datetime
    first_date: date | None = Field(description="first day with data")
    last_date: date | None = Field(description="last day with data (the as-of date)")


def as_of(info: SnapshotInfo) -> AsOf:
    return AsOf(as_of=info.as_of, built_at=info.built_at, published_at=info.published_at,
                first_date=info.first_date, last_date=info.last_date)


class KpiPeriod(BaseModel):
    period: date = Field(description="first day of the period (a day, or the Monday of an ISO week)")
    days: int = Field(description="days of the period with data")
    values: dict[str, float | int | None]


class KpisOut(AsOf):
    from_: date = Field(alias="from")
    to: date
    grain: Grain
    totals: dict[str, float | int | None]
    previous: dict[str, float | int | None] = Field(
        description="the same KPIs over the preceding period of equal length")
    previous_from: date
    previous_to: date
    deltas: dict[str, float | None] = Field(description="relative change against the previous period")
    series: list[KpiPeriod]

    model_config = {"populate_by_name": True}


def _aggregate(snapshot: Snapshot, first: date, last: date, period: str,
               params: list[Any] | None = None) -> list[dict[str, Any]]:
    """Every KPI over [first, last], per `period` (an SQL expression over date_day)."""
    sums = ", ".join(f"sum({c}) AS {c}" for c in SUMMED)
    lasts = ", ".join(f"arg_max({c}, date_day) AS {c}" for c in LAST_DAY)
    rows = snapshot.query_dicts(f"""
        SELECT {period} AS period, count(*) AS days, {sums}, {lasts},
               avg(dau) AS dau, sum(dau) AS dau_days
          FROM marts.mart_kpi_daily WHERE date_day BETWEEN ? AND ?
         GROUP BY ALL ORDER BY period""", [*(params or []), first, last])
    for row in rows:
        for name, (numerator, denominator) in RATIOS.items():
            row[name] = _ratio(row[numerator], row[denominator])
        row["stickiness"] = _ratio(row["dau"], row["mau"])
        row["registrations_per_day"] = _ratio(row["registrations"], row["days"])
        row["posts_per_day"] = _ratio(row["posts_created"], row["days"])
        row.pop("dau_days")
        for key, value in row.items():
            if isinstance(value, int) and not isinstance(value, bool):
                row[key] = int(value)
    return rows


def _values(row: dict[str, Any] | None) -> dict[str, float | int | None]:
    if row is None:
        return {}
    return {k: v for k, v in row.items() if k not in ("period", "days")}


GRAIN_PERIOD = {"day": "date_day", "week": "CAST(date_trunc('week', date_day) AS DATE)"}


def _cached(fn):  # noqa: ANN001, ANN202
    """Answers depend only on the (immutable) snapshot and the arguments: compute each once."""

    @functools.wraps(fn)
    def answer(snapshot: Snapshot, *args: Any, **kwargs: Any) -> Any:
        key = (fn.__name__, args, tuple(sorted(kwargs.items())))
        return snapshot.cached(key, lambda: fn(snapshot, *args, **kwargs))

    return answer


@_cached
def kpis(snapshot: Snapshot, rng: DateRange, grain: Grain = "day") -> KpisOut:
    series = _aggregate(snapshot, rng.start, rng.end, GRAIN_PERIOD[grain])
    previous_range = rng.previous()
    both = {r["period"]: r for r in _aggregate(snapshot, previous_range.start, rng.end,
                                                "CASE WHEN date_day >= ? THEN 'current' ELSE 'previous' END",
                                                [rng.start])}
    totals, previous = _values(both.get("current")), _values(both.get("previous"))
    deltas = {k: (None if not isinstance(previous.get(k), (int, float)) or not previous.get(k)
                  or v is None else (float(v) - float(previous[k])) / abs(float(previous[k])))
              for k, v in totals.items()}
    return KpisOut(**as_of(snapshot.info).model_dump(), **{"from": rng.start}, to=rng.end, grain=grain,
                   totals=totals, previous=previous, previous_from=previous_range.start,
                   previous_to=previous_range.end, deltas=deltas,
                   series=[KpiPeriod(period=r["period"], days=r["days"], values=_values(r)) for r in series])


class FunnelStep(BaseModel):
    step: Literal["product_view", "add_to_cart", "purchase"]
    count: int
    rate_from_previous: float | None
    rate_from_first: float | None


class FunnelDay(BaseModel):
    date: date
    product_view_days: int
    carted: int
    purchased: int
    window_complete: bool


class FunnelOut(AsOf):
    from_: date = Field(alias="from")
    to: date
    conversion_window_days: int
    unit: str = Field("a (user, product, day) with at least one product view",
                      description="what one funnel entry counts")
    window_complete_through: date | None = Field(
        description="last view day whose conversion window has fully elapsed; later days may still convert")
    steps: list[FunnelStep]
    series: list[FunnelDay]

    model_config = {"populate_by_name": True}


@_cached
def funnel(snapshot: Snapshot, rng: DateRange) -> FunnelOut:
    days = snapshot.query_dicts("""SELECT date_day, product_view_days, carted, purchased, window_complete
                                     FROM marts.mart_funnel_daily WHERE date_day BETWEEN ? AND ? ORDER BY date_day""",
                                [rng.start, rng.end])
    views = sum(d["product_view_days"] for d in days)
    carted = sum(d["carted"] for d in days)
    purchased = sum(d["purchased"] for d in days)
    window = snapshot.info.conversion_window_days
    last = snapshot.info.last_date
    return FunnelOut(
        **as_of(snapshot.info).model_dump(), **{"from": rng.start}, to=rng.end, conversion_window_days=window,
        window_complete_through=(last - timedelta(days=window)) if last else None,
        steps=[FunnelStep(step="product_view", count=views, rate_from_previous=None, rate_from_first=None),
               FunnelStep(step="add_to_cart", count=carted, rate_from_previous=_ratio(carted, views),
                          rate_from_first=_ratio(carted, views)),
               FunnelStep(step="purchase", count=purchased, rate_from_previous=_ratio(purchased, carted),
                          rate_from_first=_ratio(purchased, views))],
        series=[FunnelDay(date=d["date_day"], product_view_days=d["product_view_days"], carted=d["carted"],
                          purchased=d["purchased"], window_complete=d["window_complete"]) for d in days])


class Cohort(BaseModel):
    cohort_week: date
    cohort_size: int
    retained: list[int] = Field(description="active users in week 0, 1, 2, … after the signup week")
    retention: list[float | None] = Field(description="retained / cohort_size for week 0, 1, 2, …")


class RetentionOut(AsOf):
    from_: date = Field(alias="from")
    to: date
    weeks: int
    cohorts: list[Cohort]

    model_config = {"populate_by_name": True}


@_cached
def retention(snapshot: Snapshot, rng: DateRange) -> RetentionOut:
    """Cohorts whose signup week starts in the range (the week containing `from` included)."""
    rows = snapshot.query_dicts("""
        SELECT cohort_week, cohort_size, weeks_since_signup, retained_users, retention_rate
          FROM marts.mart_retention_weekly
         WHERE cohort_week BETWEEN CAST(date_trunc('week', CAST(? AS DATE)) AS DATE) AND ?
         ORDER BY cohort_week, weeks_since_signup""", [rng.start, rng.end])
    cohorts: dict[date, Cohort] = {}
    for row in rows:
        cohort = cohorts.setdefault(row["cohort_week"], Cohort(cohort_week=row["cohort_week"],
                                                               cohort_size=row["cohort_size"], retained=[],
                                                               retention=[]))
        cohort.retained.append(row["retained_users"])
        cohort.retention.append(row["retention_rate"])
    return RetentionOut(**as_of(snapshot.info).model_dump(), **{"from": rng.start}, to=rng.end,
                        weeks=snapshot.info.retention_weeks, cohorts=list(cohorts.values()))


class SurfaceRow(BaseModel):
    surface: str
    impressions: int
    post_clicks: int
    click_through_rate: float | None
    add_to_carts: int
    purchases: int
    conversion_rate: float | None = Field(description="purchases / post clicks on the surface")
    attributed_orders: int
    attributed_units: int
    attributed_gmv: int


class PostAttribution(BaseModel):
    post_id: str
    creator_id: str | None
    creator_username: str | None
    attributed_orders: int
    attributed_units: int
    attributed_gmv: int


class CreatorAttribution(BaseModel):
    creator_id: str | None
    creator_username: str | None
    posts: int
    attributed_orders: int
    attributed_gmv: int


class AttributionOut(AsOf):
    from_: date = Field(alias="from")
    to: date
    currency: str = "IDR"
    by_surface: list[SurfaceRow]
    top_posts: list[PostAttribution]
    top_creators: list[CreatorAttribution]
    gmv: int = Field(description="all GMV paid in the range")
    post_attributed_gmv: int = Field(description="the part of it bought from a post")

    model_config = {"populate_by_name": True}


FEED_SURFACES = ("for_you", "explore", "following")


@_cached
def attribution(snapshot: Snapshot, rng: DateRange, limit: int = 10) -> AttributionOut:
    window = [rng.start, rng.end]
    surfaces = snapshot.query_dicts("""
        SELECT surface, sum(impressions) AS impressions, sum(post_clicks) AS post_clicks,
               sum(add_to_carts) AS add_to_carts, sum(purchases) AS purchases,
               sum(attributed_orders) AS attributed_orders, sum(attributed_units) AS attributed_units,
               sum(attributed_gmv) AS attributed_gmv
          FROM marts.mart_surface_daily WHERE date_day BETWEEN ? AND ?
         GROUP BY surface""", window)
    by_name = {s["surface"]: s for s in surfaces}
    for name in FEED_SURFACES:  # the three feeds always appear, even on a quiet range
        by_name.setdefault(name, {"surface": name, "impressions": 0, "post_clicks": 0, "add_to_carts": 0,
                                  "purchases": 0, "attributed_orders": 0, "attributed_units": 0, "attributed_gmv": 0})
    order = {name: i for i, name in enumerate(FEED_SURFACES)}
    rows = sorted(by_name.values(), key=lambda s: (order.get(s["surface"], 99), -int(s["attributed_gmv"] or 0)))
    by_surface = [SurfaceRow(**{k: int(v or 0) if k != "surface" else v for k, v in s.items()},
                             click_through_rate=_ratio(s["post_clicks"], s["impressions"]),
                             conversion_rate=_ratio(s["purchases"], s["post_clicks"])) for s in rows]
    posts = snapshot.query_dicts("""
        SELECT CAST(post_id AS VARCHAR) AS post_id, CAST(any_value(creator_id) AS VARCHAR) AS creator_id,
               any_value(creator_username) AS creator_username, sum(attributed_orders) AS attributed_orders,
               sum(attributed_units) AS attributed_units, sum(attributed_gmv) AS attributed_gmv
          FROM marts.mart_post_attribution_daily WHERE date_day BETWEEN ? AND ?
         GROUP BY post_id ORDER BY attributed_gmv DESC, post_id LIMIT ?""", [*window, limit])
    creators = snapshot.query_dicts("""
        SELECT CAST(creator_id AS VARCHAR) AS creator_id, any_value(creator_username) AS creator_username,
               count(DISTINCT post_id) AS posts, sum(attributed_orders) AS attributed_orders,
               sum(attributed_gmv) AS attributed_gmv
          FROM marts.mart_post_attribution_daily WHERE date_day BETWEEN ? AND ?
         GROUP BY creator_id ORDER BY attributed_gmv DESC, creator_id LIMIT ?""", [*window, limit])
    gmv, post_gmv = snapshot.query("""
        SELECT (SELECT coalesce(sum(gmv), 0) FROM marts.mart_kpi_daily WHERE date_day BETWEEN $1 AND $2),
               (SELECT coalesce(sum(attributed_gmv), 0) FROM marts.mart_post_attribution_daily
                 WHERE date_day BETWEEN $1 AND $2)""", window)[0]
    return AttributionOut(**as_of(snapshot.info).model_dump(), **{"from": rng.start}, to=rng.end,
                          by_surface=by_surface, top_posts=[PostAttribution(**p) for p in posts],
                          top_creators=[CreatorAttribution(**c) for c in creators], gmv=int(gmv),
                          post_attributed_gmv=int(post_gmv))


class HashtagRow(BaseModel):
    tag: str
    posts_created: int
    impressions: int
    views: int
    engagements: int
    product_tag_clicks: int


class ProductRow(BaseModel):
    product_id: str
    product_name: str | None
    category_name: str | None
    product_views: int
    product_tag_clicks: int
    add_to_carts: int
    units_sold: int
    gmv: int


class TopOut(AsOf):
    from_: date = Field(alias="from")
    to: date
    hashtags: list[HashtagRow] = Field(description="by engagements, then impressions")
    products: list[ProductRow] = Field(description="by GMV, then product views")

    model_config = {"populate_by_name": True}


@_cached
def top(snapshot: Snapshot, rng: DateRange, limit: int = 10) -> TopOut:
    window = [rng.start, rng.end, limit]
    hashtags = snapshot.query_dicts("""
        SELECT tag, sum(posts_created) AS posts_created, sum(impressions) AS impressions, sum(views) AS views,
               sum(engagements) AS engagements, sum(product_tag_clicks) AS product_tag_clicks
          FROM marts.mart_hashtag_daily WHERE date_day BETWEEN ? AND ?
         GROUP BY tag ORDER BY engagements DESC, impressions DESC, tag LIMIT ?""", window)
    products = snapshot.query_dicts("""
        SELECT CAST(product_id AS VARCHAR) AS product_id, any_value(product_name) AS product_name,
               any_value(category_name) AS category_name, sum(product_views) AS product_views,
               sum(product_tag_clicks) AS product_tag_clicks, sum(add_to_carts) AS add_to_carts,
               sum(units_sold) AS units_sold, sum(gmv) AS gmv
          FROM marts.mart_product_daily WHERE date_day BETWEEN ? AND ?
         GROUP BY product_id ORDER BY gmv DESC, product_views DESC, product_id LIMIT ?""", window)
    return TopOut(**as_of(snapshot.info).model_dump(), **{"from": rng.start}, to=rng.end,
                  hashtags=[HashtagRow(**{k: (int(v) if k != "tag" else v) for k, v in h.items()}) for h in hashtags],
                  products=[ProductRow(**{k: (int(v) if isinstance(v, (int, float)) and not isinstance(v, bool)
                                              else v) for k, v in p.items()}) for p in products])


# ---- ranking experiments ---------------------------------------------------------------------------
CONFIDENCE = 0.95
_Z = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)  # 1.959964


class Estimate(BaseModel):
    value: float | None = Field(description="the point estimate (null without a denominator)")
    low: float | None = Field(description="lower end of the 95% interval")
    high: float | None = Field(description="upper end of the 95% interval")


def wilson(successes: int, trials: int, z: float = _Z) -> Estimate:
    """successes / trials with its Wilson score interval (no interval when successes > trials,
    e.g. more clicks than logged impressions)."""
    if not trials:
        return Estimate(value=None, low=None, high=None)
    p = successes / trials
    if not 0 <= successes <= trials:
        return Estimate(value=p, low=None, high=None)
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return Estimate(value=p, low=max(0.0, centre - half), high=min(1.0, centre + half))


def difference(a: Estimate, b: Estimate) -> Estimate | None:
    """a − b with Newcombe's hybrid score interval (1998, method 10), from the two Wilson intervals."""
    if a.value is None or a.low is None or a.high is None or b.value is None or b.low is None or b.high is None:
        return None
    d = a.value - b.value
    return Estimate(value=d, low=d - math.hypot(a.value - a.low, b.high - b.value),
                    high=d + math.hypot(a.high - a.value, b.value - b.low))


class VariantResult(BaseModel):
    variant: str
    exposed_users: int = Field(description="users of the variant with an exposure in the range")
    impressions: int = Field(description="exposures of the variant's users in the range")
    post_clicks: int = Field(description="their post card taps on experiment surfaces")
    clicking_users: int = Field(description="exposed users who tapped a post card (engaged users)")
    purchases: int = Field(description="order lines the variant's users paid for after their first exposure")
    purchase_amount: int = Field(description="IDR value of those purchases")
    converted_users: int = Field(description="exposed users who paid for an order line in the range")
    mixed_exposure_users: int = Field(description="exposed users whose exposures carried another variant too")
    click_through_rate: Estimate = Field(description="post_clicks / impressions, 95% Wilson interval")
    conversion_rate: Estimate = Field(description="converted_users / exposed_users, 95% Wilson interval")
    click_through_rate_vs_control: Estimate | None = Field(
        description="difference to control, 95% Newcombe interval (null for control itself)")
    conversion_rate_vs_control: Estimate | None = Field(
        description="difference to control, 95% Newcombe interval (null for control itself)")


class ExperimentResult(BaseModel):
    experiment: str
    control: str | None = Field(description="the variant the others are compared with, when it was exposed")
    variants: list[VariantResult] = Field(description="control first")


class ExperimentsOut(AsOf):
    from_: date = Field(alias="from")
    to: date
    confidence: float = CONFIDENCE
    exposure: str = Field(
        "an impression a ranked feed served on a bucketed surface (for_you) carrying the variant; a user's "
        "variant is that of their first exposure, and everything they do afterwards is attributed to it",
        description="what counts as an exposure (dbt/models/marts/_marts.yml: mart_experiment_user_daily)")
    conversion: str = Field("users exposed in the range who paid for an order line in the range after their "
                            "first exposure / users exposed in the range",
                            description="the conversion rate's definition")
    experiments: list[ExperimentResult]

    model_config = {"populate_by_name": True}


CONTROL = "control"


@_cached
def experiments(snapshot: Snapshot, rng: DateRange) -> ExperimentsOut:
    """Per experiment and variant over the range: the users exposed in it, their impressions,
    clicks and purchases, click-through and conversion with 95% intervals, and the differences
    to control. Users are counted once over the range (from mart_experiment_user_daily)."""
    if not snapshot.query("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'marts' "
                          "AND table_name = 'mart_experiment_user_daily'")[0][0]:
        raise WarehouseNotBuilt("The published snapshot predates the experiment marts: run "
                                "`lakoo pipeline run transform` (or wait for the scheduled run)")
    rows = snapshot.query_dicts("""
        WITH users AS (
            SELECT experiment, variant, user_id, sum(exposures) AS exposures, sum(post_clicks) AS post_clicks,
                   sum(purchases) AS purchases, sum(purchase_amount) AS purchase_amount,
                   bool_or(mixed_exposure) AS mixed_exposure
              FROM marts.mart_experiment_user_daily WHERE date_day BETWEEN ? AND ?
             GROUP BY ALL)
        SELECT experiment, variant,
               count(*) FILTER (WHERE exposures > 0) AS exposed_users,
               sum(exposures) AS impressions, sum(post_clicks) AS post_clicks,
               count(*) FILTER (WHERE exposures > 0 AND post_clicks > 0) AS clicking_users,
               sum(purchases) AS purchases, sum(purchase_amount) AS purchase_amount,
               count(*) FILTER (WHERE exposures > 0 AND purchases > 0) AS converted_users,
               count(*) FILTER (WHERE exposures > 0 AND mixed_exposure) AS mixed_exposure_users
          FROM users GROUP BY experiment, variant
         ORDER BY experiment, variant <> ?, variant""", [rng.start, rng.end, CONTROL])
    by_experiment: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_experiment.setdefault(row.pop("experiment"), []).append({k: v if k == "variant" else int(v or 0)
                                                                    for k, v in row.items()})
    results = []
    for name, variants in by_experiment.items():
        for v in variants:
            v["click_through_rate"] = wilson(v["post_clicks"], v["impressions"])
            v["conversion_rate"] = wilson(v["converted_users"], v["exposed_users"])
        control = next((v for v in variants if v["variant"] == CONTROL and v["exposed_users"]), None)
        for v in variants:
            treated = control is not None and v is not control
            v["click_through_rate_vs_control"] = (difference(v["click_through_rate"], control["click_through_rate"])
                                                  if treated else None)
            v["conversion_rate_vs_control"] = (difference(v["conversion_rate"], control["conversion_rate"])
                                               if treated else None)
        results.append(ExperimentResult(experiment=name, control=control["variant"] if control else None,
                                        variants=[VariantResult(**v) for v in variants]))
    return ExperimentsOut(**as_of(snapshot.info).model_dump(), **{"from": rng.start}, to=rng.end,
                          experiments=results)
