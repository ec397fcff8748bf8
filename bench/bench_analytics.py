"""KPI API under load: `python -m bench.bench_analytics [--duration S] [--connections C] [--workers N]`.

The server gets the demo data (the seeder, through the services), one analytics run (extract →
dbt → publish into its warehouse) and an analyst; then `GET /api/analytics/kpis` (30 days by day),
`/funnel`, `/attribution` and `/retention` are measured against `GET /_bench/bare` on the same
server in the same run. The KPI API reads an immutable DuckDB snapshot, never Postgres.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

import httpx

from bench.bench_auth import access_token
from bench.harness import BenchServer, Scenario, measure, parse_options, report


def _prepare(server: BenchServer, warehouse: Path) -> str:
    """Demo data, a published snapshot, and an analyst's token."""
    from commerce.auth import service as auth
    from commerce.core.db import Database
    from commerce.core.settings import Settings
    from pipelines.extract import run_extract
    from pipelines.publish import publish
    from pipelines.transform import run_transform
    from serving.seed import seed_demo

    settings = Settings(database_url=server.stores.db_url, redis_url=server.stores.redis_url,
                        redis_namespace=server.stores.namespace, warehouse_path=warehouse, _env_file=None)
    creds = {"email": "bench-analyst@example.com", "password": "bench-analyst-pass"}

    async def _data() -> None:
        database = Database(server.stores.db_url, pool_size=2)
        try:
            await seed_demo(database, users_count=60, seed=7, settings=settings)
            async with database.session() as session:
                analyst = await auth.register(session, username="bench_analyst", **creds)
                await auth.grant_role(session, user_id=analyst.id, role="analyst", granted_by=None)
        finally:
            await database.dispose()

    asyncio.run(_data())
    run_extract(settings)
    run_transform(settings)
    publish(settings)
    return access_token(server.base_url, creds)


def main() -> None:
    opts = parse_options(__doc__.splitlines()[0])
    workdir = Path(tempfile.mkdtemp(prefix="lakoo-bench-kpi-"))
    warehouse = workdir / "warehouse.duckdb"
    try:
        with BenchServer(workers=opts.workers, extra_env={"LAKOO_WAREHOUSE_PATH": str(warehouse)}) as server:
            token = _prepare(server, warehouse)
            headers = {"Authorization": f"Bearer {token}"}
            to = date.today()
            window = f"from={(to - timedelta(days=29)).isoformat()}&to={to.isoformat()}"
            check = httpx.get(f"{server.base_url}/api/analytics/kpis?{window}", headers=headers, timeout=30)
            if check.status_code != 200:
                raise SystemExit(f"/api/analytics/kpis answered {check.status_code}: {check.text}")
            scenarios = [
                Scenario("kpis (30 days)", f"/api/analytics/kpis?{window}&grain=day", headers=headers),
                Scenario("funnel", f"/api/analytics/funnel?{window}", headers=headers),
                Scenario("attribution", f"/api/analytics/attribution?{window}", headers=headers),
                Scenario("retention", f"/api/analytics/retention?{window}", headers=headers),
            ]
            rows = measure(server, scenarios, opts)
        report("analytics", rows, opts, server)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
