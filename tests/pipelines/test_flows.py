"""The Prefect flows end to end, against the app's own warehouse: what the API writes reaches the
KPIs after the next run, and a failing dbt test fails the run without touching what is published."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from datetime import UTC, date, datetime

import psycopg
import pytest
from typer.testing import CliRunner

from commerce.core.db import libpq_url
from commerce.core.settings import get_settings
from pipelines.flows import analytics_flow
from pipelines.publish import current_snapshot
from pipelines.schedules import SCHEDULES, deployments
from pipelines.transform import DbtFailed
from pipelines.warehouse import snapshots_dir, warehouse_path
from tests.api.test_analytics import analyst_headers
from tests.helpers import user_with_token


@pytest.fixture
def app_warehouse(settings, monkeypatch, prefect_harness):  # noqa: ANN001, ANN201
    """Flows read the process settings (as from a shell): point them at the app's stores and
    warehouse, and start that warehouse from scratch (the test database was just emptied)."""
    env = {"LAKOO_DATABASE_URL": settings.database_url, "LAKOO_REDIS_URL": settings.redis_url,
           "LAKOO_REDIS_NAMESPACE": settings.redis_namespace, "LAKOO_VAR_DIR": str(settings.var_dir)}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    path = warehouse_path(settings)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(snapshots_dir(settings), ignore_errors=True)
    yield settings
    get_settings.cache_clear()


def _events(n: int, kind: str = "impression") -> dict:
    now = datetime.now(UTC).isoformat()
    return {"events": [{"event_id": str(uuid.uuid4()), "type": kind, "occurred_at": now, "surface": "for_you",
                        "post_id": str(uuid.uuid4())} for _ in range(n)]}


async def _today(client, headers) -> dict:  # noqa: ANN001
    today = date.today().isoformat()
    response = await client.get("/api/analytics/kpis", params={"from": today, "to": today}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_an_interaction_made_through_the_api_shows_up_after_the_next_analytics_run(client, db, app_warehouse):
    analyst = await analyst_headers(client, db)
    _, buyer = await user_with_token(client)
    assert (await client.post("/api/interactions", json=_events(3), headers=buyer)).status_code == 202
    first = await asyncio.to_thread(analytics_flow)
    assert first["extract"]["tables"]["interactions__interaction"] == 3 and first["dbt"]["tests"] > 20
    before = await _today(client, analyst)
    assert before["totals"]["impressions"] == 3 and before["totals"]["registrations"] == 2

    assert (await client.post("/api/interactions", json=_events(1), headers=buyer)).status_code == 202
    assert (await _today(client, analyst))["totals"]["impressions"] == 3  # not before the next run
    run = asyncio.ensure_future(asyncio.to_thread(analytics_flow))
    served_during_the_run = 0
    while not run.done():  # the pipeline holds the warehouse; the API reads the published snapshot
        assert (await _today(client, analyst))["totals"]["impressions"] in (3, 4)
        served_during_the_run += 1
        await asyncio.sleep(0.2)
    second = await run
    assert served_during_the_run > 3
    assert second["extract"]["tables"]["interactions__interaction"] == 1
    after = await _today(client, analyst)
    assert after["totals"]["impressions"] == 4 and after["totals"]["dau"] == 1
    assert after["as_of"] > before["as_of"]


async def test_a_failing_dbt_test_fails_the_run_visibly_and_keeps_the_published_kpis(client, db, app_warehouse):
    analyst = await analyst_headers(client, db)
    _, buyer = await user_with_token(client)
    await client.post("/api/interactions", json=_events(2), headers=buyer)
    await asyncio.to_thread(analytics_flow)
    published = current_snapshot(app_warehouse)
    good = await _today(client, analyst)

    with psycopg.connect(libpq_url(app_warehouse.database_url), autocommit=True) as conn:  # a bug elsewhere
        user_id = conn.execute("SELECT id FROM auth.account LIMIT 1").fetchone()[0]
        conn.execute("""INSERT INTO interactions.interaction (event_id, user_id, event_type, source, properties,
                            occurred_at, received_at) VALUES (gen_random_uuid(), %s, 'teleport', 'client', '{}',
                            now(), now())""", (user_id,))
    with pytest.raises(DbtFailed) as failed:
        await asyncio.to_thread(analytics_flow)
    assert any("accepted_values" in f["name"] and "event_type" in f["name"] for f in failed.value.failures)
    assert current_snapshot(app_warehouse) == published
    assert await _today(client, analyst) == good  # same numbers, same as-of

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.sorting import FlowRunSort

    async with get_client() as prefect:
        runs = await prefect.read_flow_runs(sort=FlowRunSort.START_TIME_DESC, limit=1)
    assert runs[0].state.is_failed() and "accepted_values" in (runs[0].state.message or "")

    env = {k: os.environ[k] for k in ("LAKOO_DATABASE_URL", "LAKOO_REDIS_URL", "LAKOO_VAR_DIR")}
    result = await asyncio.to_thread(CliRunner().invoke, _cli(), ["pipeline", "run", "transform"], env=env)
    assert result.exit_code == 1, result.output
    assert "nothing was published" in result.output and "accepted_values" in result.output
    assert current_snapshot(app_warehouse) == published


def _cli():  # noqa: ANN202
    from serving.cli import app

    return app


def test_the_schedule_runs_analytics_every_15_minutes():
    names = {s.name: s for s in SCHEDULES}
    assert names["analytics-every-15-minutes"].interval.total_seconds() == 900
    deployment = deployments([names["analytics-every-15-minutes"]])[0]
    assert deployment.name == "analytics-every-15-minutes" and deployment.flow_name == "analytics"
    assert deployment.schedules[0].schedule.interval.total_seconds() == 900


async def test_transient_failures_are_retried_and_real_ones_are_not(app_warehouse, monkeypatch):
    import psycopg as pg

    from pipelines import flows

    calls: list[str] = []
    real_extract = flows.run_extract

    def flaky(settings, **kwargs):  # noqa: ANN001, ANN003, ANN202
        calls.append("extract")
        if len(calls) == 1:
            raise pg.OperationalError("server closed the connection unexpectedly")
        return real_extract(settings, **kwargs)

    monkeypatch.setattr(flows.extract_task, "retry_delay_seconds", [0])
    monkeypatch.setattr(flows, "run_extract", flaky)
    result = await asyncio.to_thread(flows.extract_flow)
    assert calls == ["extract", "extract"] and result["batch_id"] == 1

    def broken(settings, **kwargs):  # noqa: ANN001, ANN003, ANN202
        calls.append("broken")
        raise ValueError("a bug, not a hiccup")

    monkeypatch.setattr(flows, "run_extract", broken)
    with pytest.raises(ValueError):
        await asyncio.to_thread(flows.extract_flow)
    assert calls.count("broken") == 1
