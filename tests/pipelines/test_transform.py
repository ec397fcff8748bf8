"""dbt KPI marts against values computed by hand from the known dataset (tests/warehouse_data.py),
and incremental builds that agree with full rebuilds."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from commerce.core.db import libpq_url
from pipelines import kpis
from pipelines.extract import run_extract
from pipelines.kpis import DateRange
from pipelines.snapshots import Snapshot
from pipelines.transform import run_transform
from pipelines.warehouse import connect, warehouse_path
from tests.pipelines.conftest import warehouse_settings
from tests.warehouse_data import (
    AYU,
    CITRA,
    P1,
    P2,
    PRODUCT_A,
    WEEK1,
    WEEK2,
    at,
    build_warehouse,
    insert_event,
    load_known_dataset,
    truncate_all,
)

WEEK_1 = DateRange(date(2026, 1, 5), date(2026, 1, 11))
BOTH_WEEKS = DateRange(date(2026, 1, 5), date(2026, 1, 18))


@pytest.fixture(scope="module")
def built(settings, tmp_path_factory):  # noqa: ANN001, ANN201
    wh = warehouse_settings(settings, tmp_path_factory.mktemp("transform"))
    truncate_all(wh.database_url)
    load_known_dataset(wh.database_url)
    published = build_warehouse(wh)
    snapshot = Snapshot(published.path)
    yield wh, snapshot
    snapshot.close()


def _close(actual: dict, expected: dict) -> None:
    for key, value in expected.items():
        assert actual[key] == pytest.approx(value), key


def test_weekly_kpis_match_the_hand_computed_story(built):
    _, snapshot = built
    out = kpis.kpis(snapshot, BOTH_WEEKS, "week")
    weeks = {p.period: p for p in out.series}
    assert set(weeks) == {date(2026, 1, 5), date(2026, 1, 12)}
    _close(weeks[date(2026, 1, 5)].values, WEEK1)
    _close(weeks[date(2026, 1, 12)].values, WEEK2)
    assert out.totals["gmv"] == 200_000 and out.totals["orders_paid"] == 2 and out.totals["aov"] == 100_000
    assert out.totals["mau"] == 4 and out.totals["registrations"] == 4
    assert out.as_of is not None and out.last_date >= date(2026, 1, 18)


def test_daily_kpis_and_deltas_against_the_previous_period(built):
    _, snapshot = built
    week2 = kpis.kpis(snapshot, DateRange(date(2026, 1, 12), date(2026, 1, 18)), "day")
    assert week2.previous_from == date(2026, 1, 5) and week2.previous_to == date(2026, 1, 11)
    _close(week2.totals, WEEK2)
    _close(week2.previous, WEEK1)
    assert week2.deltas["registrations"] == pytest.approx((1 - 3) / 3)
    assert week2.deltas["gmv"] == 0
    by_day = {p.period: p.values for p in week2.series}
    assert len(by_day) == 7 and by_day[date(2026, 1, 12)]["dau"] == 2 and by_day[date(2026, 1, 14)]["dau"] == 1
    assert by_day[date(2026, 1, 13)]["dau"] == 0 and by_day[date(2026, 1, 13)]["wau"] == 3
    first_week = kpis.kpis(snapshot, WEEK_1)
    assert not first_week.previous.get("registrations") and first_week.deltas["registrations"] is None


def test_seller_onboarding_and_order_completion_from_real_sellers(built):
    """Week 1: ayu approved, budi rejected, citra approved then suspended (still onboarded) of 3
    applications; orders O1 (completed) and O3 (expired) placed. Week 2: dewi's application is
    pending, O2 is paid but not completed."""
    _, snapshot = built
    weeks = {p.period: p.values for p in kpis.kpis(snapshot, BOTH_WEEKS, "week").series}
    week1, week2 = weeks[date(2026, 1, 5)], weeks[date(2026, 1, 12)]
    assert (week1["seller_applications"], week1["seller_applications_approved"]) == (3, 2)
    assert week1["seller_onboarding_rate"] == pytest.approx(2 / 3) and week1["sellers_approved"] == 2
    assert (week1["orders_placed"], week1["orders_placed_completed"], week1["order_completion_rate"]) == (2, 1, 0.5)
    assert (week2["seller_applications"], week2["seller_onboarding_rate"]) == (1, 0.0)
    assert (week2["orders_placed"], week2["order_completion_rate"]) == (1, 0.0)
    daily = {p.period: p.values for p in kpis.kpis(snapshot, WEEK_1).series}
    assert daily[date(2026, 1, 6)]["seller_onboarding_rate"] == 0.5  # ayu yes, budi no
    assert daily[date(2026, 1, 8)]["seller_onboarding_rate"] == 1.0  # citra
    assert daily[date(2026, 1, 7)]["seller_onboarding_rate"] is None  # no applications that day
    assert daily[date(2026, 1, 7)]["sellers_approved"] == 1
    totals = kpis.kpis(snapshot, BOTH_WEEKS).totals
    assert totals["seller_onboarding_rate"] == 0.5 and totals["order_completion_rate"] == pytest.approx(1 / 3)


def test_funnel_counts_only_conversions_inside_the_window(built):
    _, snapshot = built
    funnel = kpis.funnel(snapshot, BOTH_WEEKS)
    assert [(s.step, s.count) for s in funnel.steps] == [("product_view", 2), ("add_to_cart", 1), ("purchase", 1)]
    assert funnel.steps[1].rate_from_previous == 0.5 and funnel.steps[2].rate_from_previous == 1.0
    assert funnel.conversion_window_days == 7
    assert {d.date: (d.product_view_days, d.carted, d.purchased) for d in funnel.series} == {
        date(2026, 1, 5): (1, 1, 1), date(2026, 1, 6): (1, 0, 0)}


def test_weekly_retention_cohorts(built):
    _, snapshot = built
    out = kpis.retention(snapshot, BOTH_WEEKS)
    cohorts = {c.cohort_week: c for c in out.cohorts}
    first, second = cohorts[date(2026, 1, 5)], cohorts[date(2026, 1, 12)]
    assert first.cohort_size == 3 and first.retained[:3] == [3, 1, 0]
    assert first.retention[:2] == [1.0, pytest.approx(1 / 3)]
    assert second.cohort_size == 1 and second.retained[:2] == [1, 0]
    assert len(first.retention) == out.weeks + 1 == 13


def test_attribution_by_surface_post_and_creator(built):
    _, snapshot = built
    out = kpis.attribution(snapshot, BOTH_WEEKS)
    surfaces = {s.surface: s for s in out.by_surface}
    assert [s.surface for s in out.by_surface][:3] == ["for_you", "explore", "following"]
    for_you = surfaces["for_you"]
    assert (for_you.impressions, for_you.post_clicks, for_you.add_to_carts, for_you.purchases) == (4, 1, 1, 1)
    assert for_you.click_through_rate == 0.25 and for_you.conversion_rate == 1.0
    assert for_you.attributed_gmv == 100_000 and surfaces["direct"].attributed_gmv == 100_000
    assert surfaces["explore"].impressions == 2 and surfaces["following"].impressions == 0
    assert out.gmv == 200_000 and out.post_attributed_gmv == 100_000
    top_posts = [(p.post_id, p.creator_username, p.attributed_gmv) for p in out.top_posts]
    assert top_posts == [(str(P1), "known_ayu", 100_000)]
    assert [(c.creator_id, c.posts, c.attributed_gmv) for c in out.top_creators] == [(str(AYU), 1, 100_000)]


def test_top_hashtags_and_products(built):
    _, snapshot = built
    out = kpis.top(snapshot, BOTH_WEEKS)
    assert [(h.tag, h.posts_created, h.impressions, h.engagements) for h in out.hashtags] == [
        ("ootd", 2, 6, 3), ("batik", 1, 4, 3)]
    products = {p.product_name: p for p in out.products}
    assert (products["Kemeja Batik"].product_views, products["Kemeja Batik"].units_sold) == (1, 1)
    assert (products["Sandal Kulit"].units_sold, products["Sandal Kulit"].gmv) == (2, 100_000)


def _marts(settings) -> dict[str, list[tuple]]:
    conn = connect(warehouse_path(settings), read_only=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables "
                                             "WHERE table_schema = 'marts' ORDER BY 1").fetchall()]
        result = {}
        for table in tables:
            columns = [r[0] for r in conn.execute(f"DESCRIBE marts.{table}").fetchall() if r[0] != "built_at"]
            result[table] = conn.execute(f"SELECT {', '.join(columns)} FROM marts.{table} "
                                         f"ORDER BY ALL").fetchall()
        return result
    finally:
        conn.close()


def test_incremental_build_with_late_events_equals_a_full_rebuild(built):
    """New and late-arriving rows (an app sending an old day's events now, an order paid later) land
    in the right days, exactly as a rebuild from scratch would put them."""
    wh, _ = built
    with psycopg.connect(libpq_url(wh.database_url), autocommit=True) as conn:
        insert_event(conn, CITRA, "impression", at(6, 21), surface="explore", post=P2)  # late, for an old day
        # A late for_you page: citra's first exposure is now a day earlier, in control.
        insert_event(conn, CITRA, "impression", at(6, 22), surface="for_you", post=P2, served={"variant": "control"})
        insert_event(conn, CITRA, "product_view", at(15, 10), surface="product", product=PRODUCT_A)
        insert_event(conn, CITRA, "add_to_cart", at(15, 11), surface="explore", post=P1, product=PRODUCT_A)
        conn.execute("""UPDATE orders."order" SET status = 'paid', paid_at = %s, cancelled_at = NULL
                        WHERE buyer_id = %s""", (at(15, 12), CITRA))
    run_extract(wh)
    run_transform(wh)
    incremental = _marts(wh)
    run_transform(wh, full_refresh=True)
    assert incremental == _marts(wh)
    week1 = {r[0]: r for r in incremental["mart_kpi_daily"]}
    assert week1[date(2026, 1, 6)][incremental_index(wh, "impressions")] == 3
    assignments = {(r[1], r[2]) for r in incremental["mart_experiment_user_daily"] if r[2] == CITRA}
    assert assignments == {("control", CITRA)}
    truncate_all(wh.database_url)


def incremental_index(settings, column: str) -> int:
    conn = connect(warehouse_path(settings), read_only=True)
    try:
        return [r[0] for r in conn.execute("DESCRIBE marts.mart_kpi_daily").fetchall()].index(column)
    finally:
        conn.close()
