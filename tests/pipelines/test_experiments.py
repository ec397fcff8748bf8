"""Ranking experiments: the 95% intervals against published values, and the experiment marts and
their read side against the story told in tests/warehouse_data.py, computed by hand."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from commerce.core.db import libpq_url
from pipelines import kpis
from pipelines.kpis import DateRange, Estimate, difference, wilson
from pipelines.snapshots import Snapshot, WarehouseNotBuilt
from pipelines.warehouse import connect, warehouse_path
from tests.pipelines.conftest import warehouse_settings
from tests.warehouse_data import (
    BUDI,
    CITRA,
    DEWI,
    EXPERIMENT,
    P1,
    P2,
    at,
    build_warehouse,
    insert_event,
    load_known_dataset,
    truncate_all,
)

BOTH_WEEKS = DateRange(date(2026, 1, 5), date(2026, 1, 18))
WEEK_2 = DateRange(date(2026, 1, 12), date(2026, 1, 18))
Z2 = 1.959964 ** 2


@pytest.mark.parametrize("k, n, low, high", [
    # Newcombe (1998), "Two-sided confidence intervals for the single proportion", method 3.
    (81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)])
def test_wilson_interval_matches_the_published_examples(k, n, low, high):
    e = wilson(k, n)
    assert e.value == k / n and round(e.low, 4) == low and round(e.high, 4) == high


@pytest.mark.parametrize("a, b, low, high", [
    # Newcombe (1998), "Interval estimation for the difference between independent proportions", method 10.
    ((56, 70), (48, 80), 0.0524, 0.3339), ((9, 10), (3, 10), 0.1705, 0.8090), ((5, 56), (0, 29), -0.0381, 0.1926)])
def test_difference_interval_matches_the_published_examples(a, b, low, high):
    d = difference(wilson(*a), wilson(*b))
    assert d is not None and round(d.low, 4) == low and round(d.high, 4) == high
    assert d.value == pytest.approx(a[0] / a[1] - b[0] / b[1])


def test_no_interval_without_trials_or_with_more_successes_than_trials():
    assert wilson(0, 0) == Estimate(value=None, low=None, high=None)
    assert wilson(3, 2) == Estimate(value=1.5, low=None, high=None)  # more clicks than logged impressions
    assert difference(wilson(1, 2), wilson(0, 0)) is None


@pytest.fixture(scope="module")
def built(settings, tmp_path_factory):  # noqa: ANN001, ANN201
    wh = warehouse_settings(settings, tmp_path_factory.mktemp("experiments"))
    truncate_all(wh.database_url)
    load_known_dataset(wh.database_url)
    snapshot = Snapshot(build_warehouse(wh).path)
    yield wh, snapshot
    snapshot.close()
    truncate_all(wh.database_url)


def _triple(e: Estimate | None) -> tuple:
    assert e is not None
    return e.value, e.low, e.high


def _variants(out: kpis.ExperimentsOut) -> dict[str, kpis.VariantResult]:
    assert [e.experiment for e in out.experiments] == ["ranking-v1"]  # tagged and untagged impressions alike
    return {v.variant: v for v in out.experiments[0].variants}


def test_experiment_per_variant_over_both_weeks(built):
    _, snapshot = built
    out = kpis.experiments(snapshot, BOTH_WEEKS)
    assert out.experiments[0].control == "control" and out.confidence == 0.95
    variants = _variants(out)
    assert list(variants) == ["control", "treatment"]
    for name, expected in EXPERIMENT.items():
        assert variants[name].model_dump(include=set(expected)) == expected, name
    control, treatment = variants["control"], variants["treatment"]
    # Wilson for k of n: (k + z²/2 ± z·sqrt(k(n−k)/n + z²/4)) / (n + z²).
    # Click-through: control 0 of 2 impressions, treatment 1 of 2.
    assert (control.click_through_rate.value, control.click_through_rate.low) == (0, 0)
    assert control.click_through_rate.high == pytest.approx(Z2 / (2 + Z2), abs=1e-6)  # 0.657620
    half = 1.959964 * (0.5 + Z2 / 4) ** 0.5 / (2 + Z2)  # 1 of 2: 0.5 ± 0.405463
    assert _triple(treatment.click_through_rate) == (0.5, pytest.approx(0.5 - half, abs=1e-6),
                                                     pytest.approx(0.5 + half, abs=1e-6))
    # Conversion: control 1 of 1 exposed users bought, treatment 1 of 2.
    assert _triple(control.conversion_rate) == (1, pytest.approx(1 / (1 + Z2), abs=1e-6), 1)  # 0.206548 … 1
    assert treatment.conversion_rate == treatment.click_through_rate
    # Treatment − control (Newcombe): d − hypot(p₁ − l₁, u₂ − p₂) … d + hypot(u₁ − p₁, p₂ − l₂).
    assert control.click_through_rate_vs_control is None and control.conversion_rate_vs_control is None
    ctr = treatment.click_through_rate_vs_control
    assert _triple(ctr) == (0.5, pytest.approx(0.5 - (half ** 2 + (Z2 / (2 + Z2)) ** 2) ** 0.5),
                            pytest.approx(0.5 + half))  # −0.272573 … 0.905463
    conversion = treatment.conversion_rate_vs_control
    assert _triple(conversion) == (
        -0.5, pytest.approx(-0.5 - half), pytest.approx(-0.5 + (half ** 2 + (1 - 1 / (1 + Z2)) ** 2) ** 0.5))
    assert (ctr.low, conversion.high) == (pytest.approx(-0.272573, abs=1e-5), pytest.approx(0.391048, abs=1e-5))
    assert out.as_of is not None


def test_a_range_counts_the_users_exposed_in_it(built):
    _, snapshot = built
    variants = _variants(kpis.experiments(snapshot, WEEK_2))
    assert list(variants) == ["control"]  # nobody in treatment was shown for_you in week 2
    control = variants["control"]
    assert (control.exposed_users, control.impressions, control.converted_users, control.purchases) == (1, 1, 1, 1)
    assert control.conversion_rate.value == 1.0 and control.conversion_rate_vs_control is None
    # Ayu's purchase on 01-14 is attributed to control, but nobody was exposed that day.
    day = _variants(kpis.experiments(snapshot, DateRange(date(2026, 1, 14), date(2026, 1, 14))))["control"]
    assert (day.exposed_users, day.purchases, day.purchase_amount, day.converted_users) == (0, 1, 100_000, 0)
    assert day.conversion_rate.value is None and day.click_through_rate.value is None
    assert kpis.experiments(snapshot, DateRange(date(2025, 1, 1), date(2025, 1, 31))).experiments == []


def _daily(settings) -> dict[tuple[str, date], dict]:  # noqa: ANN001
    conn = connect(warehouse_path(settings), read_only=True)
    try:
        result = conn.execute("SELECT * FROM marts.mart_experiment_daily WHERE experiment = 'ranking-v1'")
        names = [d[0] for d in result.description]
        return {(r[1], r[2]): dict(zip(names, r, strict=True)) for r in result.fetchall()}
    finally:
        conn.close()


def test_daily_mart(built):
    wh, _ = built
    daily = _daily(wh)
    assert set(daily) == {("control", date(2026, 1, 5)), ("treatment", date(2026, 1, 5)),
                          ("treatment", date(2026, 1, 7)), ("control", date(2026, 1, 12)),
                          ("control", date(2026, 1, 14))}
    citra = daily[("treatment", date(2026, 1, 7))]
    assert {k: citra[k] for k in ("exposed_users", "newly_exposed_users", "impressions", "post_clicks",
                                  "clicking_users", "converted_users", "mixed_exposure_users")} == {
        "exposed_users": 1, "newly_exposed_users": 1, "impressions": 1, "post_clicks": 0, "clicking_users": 0,
        "converted_users": 0, "mixed_exposure_users": 0}
    assert citra["click_through_rate"] == 0 and citra["conversion_rate"] == 0
    budi = daily[("treatment", date(2026, 1, 5))]
    assert (budi["impressions"], budi["post_clicks"], budi["purchases"], budi["conversion_rate"]) == (1, 1, 1, 1.0)
    twelfth = daily[("control", date(2026, 1, 12))]  # ayu again
    assert (twelfth["exposed_users"], twelfth["newly_exposed_users"], twelfth["impressions"]) == (1, 0, 1)
    fourteenth = daily[("control", date(2026, 1, 14))]  # ayu buys, not exposed that day
    assert (fourteenth["exposed_users"], fourteenth["purchases"], fourteenth["conversion_rate"]) == (0, 1, None)
    for variant, expected in EXPERIMENT.items():  # event counts add up across days
        for column in ("impressions", "post_clicks", "purchases", "purchase_amount"):
            assert sum(r[column] for (v, _), r in daily.items() if v == variant) == expected[column]


def test_a_snapshot_published_before_the_experiment_marts_says_so(built, tmp_path):
    import shutil

    _, snapshot = built
    stale_path = tmp_path / "stale.duckdb"
    shutil.copy(snapshot.path, stale_path)
    conn = connect(stale_path)
    conn.execute("DROP TABLE marts.mart_experiment_user_daily")
    conn.close()
    stale = Snapshot(stale_path)
    try:
        with pytest.raises(WarehouseNotBuilt, match="predates the experiment marts"):
            kpis.experiments(stale, BOTH_WEEKS)
    finally:
        stale.close()


def test_late_exposures_reassign_and_client_or_explore_impressions_never_count(built):
    """Rebuilt incrementally: a late for_you page shown to budi before his first exposure moves him
    to control; a variant an app put in its own impression, and explore's, are not exposures."""
    from pipelines.extract import run_extract
    from pipelines.publish import publish
    from pipelines.transform import run_transform

    wh, _ = built
    with psycopg.connect(libpq_url(wh.database_url), autocommit=True) as conn:
        insert_event(conn, BUDI, "impression", at(5, 9, 10), surface="for_you", post=P2, served={"variant": "control"})
        insert_event(conn, DEWI, "impression", at(13, 9), surface="explore", post=P2,
                     served={"experiment": "ranking-v1", "variant": "control"})
        conn.execute("""INSERT INTO interactions.interaction (event_id, user_id, event_type, source, surface, post_id,
                            properties, occurred_at, received_at)
                        VALUES (gen_random_uuid(), %s, 'impression', 'client', 'for_you', %s,
                                '{"variant": "treatment"}', %s, %s)""", (CITRA, P1, at(13, 9), at(13, 9)))
    run_extract(wh)
    run_transform(wh)
    snapshot = Snapshot(publish(wh).path)
    try:
        variants = _variants(kpis.experiments(snapshot, BOTH_WEEKS))
    finally:
        snapshot.close()
    control, treatment = variants["control"], variants["treatment"]
    assert (control.exposed_users, control.impressions, control.post_clicks, control.converted_users) == (2, 4, 1, 2)
    assert control.mixed_exposure_users == 1  # budi: control first, then a treatment page
    assert (treatment.exposed_users, treatment.impressions, treatment.post_clicks, treatment.converted_users) == (
        1, 1, 0, 0)
