"""/api/analytics: analysts and admins read the published KPIs; everyone else is turned away, and
bad date ranges are problems, not 500s."""

from __future__ import annotations

from datetime import datetime

import pytest

from commerce.auth import service as auth
from pipelines.warehouse import snapshots_dir
from tests.helpers import PASSWORD, admin_headers, assert_problem, login, user_with_token
from tests.warehouse_data import (
    EXPERIMENT,
    FIRST_DAY,
    LAST_DAY,
    WEEK1,
    build_warehouse,
    load_known_dataset,
    truncate_all,
)

RANGE = {"from": FIRST_DAY, "to": LAST_DAY}
ENDPOINTS = ["kpis", "funnel", "retention", "attribution", "top", "experiments"]


@pytest.fixture(scope="module")
def published(settings):  # noqa: ANN001, ANN201
    """The app's own warehouse, built once for the module from the known dataset."""
    truncate_all(settings.database_url)
    load_known_dataset(settings.database_url)
    return build_warehouse(settings)


async def analyst_headers(client, db) -> dict[str, str]:  # noqa: ANN001
    user, _ = await user_with_token(client)
    async with db.session() as session:
        await auth.grant_role(session, user_id=user["id"], role="analyst", granted_by=None)
    tokens = await login(client, user["email"], PASSWORD)
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def test_analyst_reads_every_endpoint_with_the_as_of_time(client, db, published):
    headers = await analyst_headers(client, db)
    for name in ENDPOINTS:
        response = await client.get(f"/api/analytics/{name}", params=RANGE, headers=headers)
        assert response.status_code == 200, (name, response.text)
        body = response.json()
        assert datetime.fromisoformat(body["as_of"]) == published.as_of
        assert body["from"] == FIRST_DAY and body["to"] == LAST_DAY
    status = await client.get("/api/analytics/status", headers=headers)
    assert status.status_code == 200 and status.json()["first_date"] == FIRST_DAY


async def test_weekly_kpis_over_the_api(client, db, published):
    headers = await analyst_headers(client, db)
    response = await client.get("/api/analytics/kpis", params={**RANGE, "grain": "week"}, headers=headers)
    body = response.json()
    assert [p["period"] for p in body["series"]] == ["2026-01-05", "2026-01-12"]
    week1 = body["series"][0]["values"]
    for key in ("registrations", "gmv", "orders_paid", "product_tag_clicks", "wau"):
        assert week1[key] == WEEK1[key], key
    assert week1["tag_click_through_rate"] == pytest.approx(1 / 3)
    assert body["totals"]["gmv"] == 200_000 and body["previous_to"] == "2026-01-04"
    funnel = (await client.get("/api/analytics/funnel", params=RANGE, headers=headers)).json()
    assert [s["count"] for s in funnel["steps"]] == [2, 1, 1] and funnel["conversion_window_days"] == 7


async def test_experiment_variants_with_intervals_over_the_api(client, db, published):
    """The story's ranking experiment (tests/warehouse_data.py), with the 95% intervals worked out
    by hand from Wilson's k-of-n form (k + z²/2 ± z·sqrt(k(n−k)/n + z²/4)) / (n + z²)."""
    headers = await analyst_headers(client, db)
    response = await client.get("/api/analytics/experiments", params=RANGE, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["confidence"] == 0.95 and datetime.fromisoformat(body["as_of"]) == published.as_of
    [experiment] = body["experiments"]
    assert experiment["experiment"] == "ranking-v1" and experiment["control"] == "control"
    control, treatment = experiment["variants"]
    assert (control["variant"], treatment["variant"]) == ("control", "treatment")
    for row in (control, treatment):
        assert {k: row[k] for k in EXPERIMENT[row["variant"]]} == EXPERIMENT[row["variant"]]
    z2 = 1.959964 ** 2
    half = 1.959964 * (0.5 + z2 / 4) ** 0.5 / (2 + z2)  # 1 of 2: 0.5 ± 0.405463
    one_of_two = {"value": 0.5, "low": pytest.approx(0.5 - half, abs=1e-6), "high": pytest.approx(0.5 + half, abs=1e-6)}
    assert control["click_through_rate"] == {"value": 0.0, "low": 0.0, "high": pytest.approx(z2 / (2 + z2), abs=1e-6)}
    assert control["conversion_rate"] == {"value": 1.0, "low": pytest.approx(1 / (1 + z2), abs=1e-6), "high": 1.0}
    assert treatment["click_through_rate"] == one_of_two and treatment["conversion_rate"] == one_of_two
    assert control["click_through_rate_vs_control"] is None and control["conversion_rate_vs_control"] is None
    # Treatment − control, Newcombe: d − hypot(p₁ − l₁, u₂ − p₂) … d + hypot(u₁ − p₁, p₂ − l₂).
    assert treatment["click_through_rate_vs_control"] == {"value": 0.5, "low": pytest.approx(-0.272573, abs=1e-5),
                                                          "high": pytest.approx(0.5 + half, abs=1e-6)}
    assert treatment["conversion_rate_vs_control"] == {"value": -0.5, "low": pytest.approx(-0.5 - half, abs=1e-6),
                                                       "high": pytest.approx(0.391048, abs=1e-5)}


async def test_admins_may_read_too(client, db, published):
    headers = await admin_headers(client, db)
    response = await client.get("/api/analytics/attribution", params={**RANGE, "limit": 1}, headers=headers)
    assert response.status_code == 200 and len(response.json()["top_posts"]) == 1


@pytest.mark.parametrize("params, code", [
    ({"from": "2026-01-18", "to": "2026-01-05"}, "date_range_inverted"),
    ({"from": "2024-01-01", "to": "2026-01-18"}, "date_range_too_long"),
    ({"from": "2026-01-05"}, "validation_failed"),
    ({"to": "2026-01-05"}, "validation_failed"),
    ({}, "validation_failed"),
    ({"from": "yesterday", "to": "2026-01-05"}, "validation_failed"),
    ({"from": "2026-01-05", "to": "2026-02-30"}, "validation_failed"),
])
async def test_bad_date_ranges_are_422(client, db, published, params, code):
    headers = await analyst_headers(client, db)
    for name in ENDPOINTS:
        response = await client.get(f"/api/analytics/{name}", params=params, headers=headers)
        assert_problem(response, 422, code)


async def test_other_bad_parameters_are_422(client, db, published):
    headers = await analyst_headers(client, db)
    assert_problem(await client.get("/api/analytics/kpis", params={**RANGE, "grain": "month"}, headers=headers),
                   422, "validation_failed")
    assert_problem(await client.get("/api/analytics/top", params={**RANGE, "limit": 0}, headers=headers),
                   422, "validation_failed")
    exactly_two_years = {"from": "2024-01-19", "to": "2026-01-18"}
    assert (await client.get("/api/analytics/kpis", params=exactly_two_years, headers=headers)).status_code == 200


async def test_buyers_and_sellers_are_403_and_anonymous_is_401(client, db, published):
    _, buyer = await user_with_token(client)
    for name in [*ENDPOINTS, "status"]:
        assert_problem(await client.get(f"/api/analytics/{name}", params=RANGE, headers=buyer), 403)
        assert_problem(await client.get(f"/api/analytics/{name}", params=RANGE), 401)
        assert_problem(await client.get(f"/api/analytics/{name}", params=RANGE,
                                        headers={"Authorization": "Bearer not-a-token"}), 401)
    # Wrong role with bad input is still 403: nothing about the input leaks to the wrong user.
    assert_problem(await client.get("/api/analytics/kpis", params={"from": "x"}, headers=buyer), 403)


async def test_no_published_snapshot_is_a_clear_503(client, db, app, tmp_path):
    headers = await analyst_headers(client, db)
    state = app.state.lakoo
    built_settings = state.settings
    state.settings = built_settings.model_copy(update={"warehouse_path": tmp_path / "never-built.duckdb"})
    try:
        assert not snapshots_dir(state.settings).exists()
        body = assert_problem(await client.get("/api/analytics/kpis", params=RANGE, headers=headers), 503,
                              "warehouse_not_built")
        assert "lakoo pipeline run analytics" in body["detail"]
    finally:
        state.settings = built_settings
