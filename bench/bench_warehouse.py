"""Warehouse pipeline speed: `python -m bench.bench_warehouse [--extract-rows 5000000] [--dbt-rows 10000000]`.

1. Extract: the interaction log (N rows) from Postgres into a fresh DuckDB warehouse through Arrow,
   in rows/s, against `COPY (SELECT <the same columns> FROM interactions.interaction) TO STDOUT` of
   the same rows read (and thrown away) by psycopg in the same run. Goal: ratio ≥ 0.5.
2. `dbt build` (every model and every data test) over M interactions from scratch, in seconds
   (goal ≤ 60 s on 2 cores); then 1% more rows are extracted and the incremental build is timed
   against the full one (goal ≤ 10%). The whole transform step (with `dbt source freshness`) is
   shown too.

Data is made with generate_series in a scratch database (see bench/warehouse_data.py) that is
dropped afterwards, also when the run fails. Ratios are the figures to compare between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from rich.console import Console
from rich.table import Table

from bench.harness import RESULTS_DIR, _git_commit
from bench.stores import BenchStores
from bench.warehouse_data import drop_secondary_indexes, make_dimensions, make_interactions, make_orders

console = Console()


def _timed(label: str, fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
    started = time.perf_counter()
    with console.status(label):
        result = fn(*args, **kwargs)
    seconds = time.perf_counter() - started
    console.print(f"  {label}: {seconds:.1f}s")
    return result, seconds


def _copy_seconds(db_url: str, select: str) -> tuple[float, int]:
    """COPY (SELECT …) TO STDOUT, every byte read and dropped: the fastest way out of Postgres."""
    started = time.perf_counter()
    size = 0
    with psycopg.connect(db_url) as conn, conn.cursor().copy(f"COPY ({select}) TO STDOUT") as copy:
        for chunk in copy:
            size += len(chunk)
    return time.perf_counter() - started, size


def _interaction_select(db_url: str) -> str:
    from pipelines.extract import _source_columns
    from pipelines.tables import BY_QUALIFIED

    with psycopg.connect(db_url) as conn:
        columns = _source_columns(conn, BY_QUALIFIED["interactions.interaction"])
    return f"SELECT {', '.join(c.expression for c in columns)} FROM interactions.interaction"


def main() -> None:  # noqa: PLR0915 - one linear script
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extract-rows", type=int, default=5_000_000)
    parser.add_argument("--dbt-rows", type=int, default=10_000_000)
    parser.add_argument("--incremental-share", type=float, default=0.01)
    args = parser.parse_args()

    from commerce.core.settings import Settings
    from pipelines.extract import run_extract
    from pipelines.transform import run_transform

    work = Path(tempfile.mkdtemp(prefix="lakoo-bench-wh-"))
    stores = BenchStores.open()
    figures: dict[str, float] = {}
    try:
        stores.migrate()
        settings = Settings(database_url=stores.db_url, redis_url=stores.redis_url, var_dir=work / "var",
                            warehouse_path=work / "warehouse.duckdb", _env_file=None)
        console.print(f"[bold]bench warehouse[/bold]: scratch database {stores.database} ({stores.source}), "
                      f"{os.cpu_count()} cpus")
        with psycopg.connect(stores.db_url) as conn:
            drop_secondary_indexes(conn)
            _timed("generate users, catalog, posts", make_dimensions, conn)
            conn.commit()
            _timed(f"generate {args.extract_rows:,} interactions", make_interactions, conn, args.extract_rows)
        with psycopg.connect(stores.db_url, autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE) interactions.interaction")

        # 1. Extract against COPY of the same rows, COPY bracketing the extract.
        select = _interaction_select(stores.db_url)
        _copy_seconds(stores.db_url, select)  # warm the cache for both
        copy_before, size = _copy_seconds(stores.db_url, select)
        extracted, extract_s = _timed(f"extract {args.extract_rows:,} interactions",
                                      run_extract, settings, tables=["interactions.interaction"])
        copy_after, _ = _copy_seconds(stores.db_url, select)
        rows = extracted.tables[-1].rows_loaded
        copy_s = (copy_before + copy_after) / 2
        figures.update(extract_rows=rows, extract_s=extract_s, extract_rows_per_s=rows / extract_s,
                       copy_s=copy_s, copy_rows_per_s=rows / copy_s, copy_mb=size / 1e6,
                       extract_vs_copy=(rows / extract_s) / (rows / copy_s), copy_drift=abs(copy_before - copy_after)
                       / copy_before)

        # 2. dbt over the full history, then 1% more.
        more = args.dbt_rows - args.extract_rows
        with psycopg.connect(stores.db_url) as conn:
            if more > 0:
                _timed(f"generate {more:,} more interactions", make_interactions, conn, more)
            _timed("generate paid orders", make_orders, conn, max(args.dbt_rows // 200, 1))
            conn.commit()
        _timed("extract every table", run_extract, settings)
        full, full_s = _timed(f"dbt build over {args.dbt_rows:,} interactions (full)", run_transform, settings,
                              full_refresh=True)
        increment = int(args.dbt_rows * args.incremental_share)
        with psycopg.connect(stores.db_url) as conn:
            _timed(f"generate {increment:,} new interactions (last 2 days)", make_interactions, conn, increment,
                   recent_days=2)
        _, increment_extract_s = _timed("extract the new rows", run_extract, settings)
        incremental, incremental_s = _timed("dbt build (incremental)", run_transform, settings)
        noop, _ = _timed("dbt build with nothing new (dbt's fixed cost)", run_transform, settings)
        figures.update(dbt_rows=args.dbt_rows, dbt_full_s=full.build_seconds, dbt_models=full.models,
                       dbt_tests=full.tests, dbt_incremental_s=incremental.build_seconds,
                       incremental_vs_full=incremental.build_seconds / full.build_seconds,
                       transform_full_s=full_s, transform_incremental_s=incremental_s,
                       dbt_noop_s=noop.build_seconds,
                       increment_rows=increment, increment_extract_s=increment_extract_s)
        slowest = sorted(full.nodes, key=lambda n: -n.seconds)[:5]
    finally:
        for problem in stores.cleanup():
            console.print(f"[red]cleanup:[/red] {problem}")
        shutil.rmtree(work, ignore_errors=True)

    table = Table(title=f"bench warehouse ({os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f})")
    for column in ("measure", "value", "baseline", "ratio", "goal"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    table.add_row(f"extract {figures['extract_rows']:,} interactions", f"{figures['extract_rows_per_s']:,.0f} rows/s",
                  f"COPY {figures['copy_rows_per_s']:,.0f} rows/s", f"{figures['extract_vs_copy']:.2f}", "≥ 0.5")
    table.add_row(f"dbt build, {figures['dbt_rows']:,} interactions ({figures['dbt_models']} models, "
                  f"{figures['dbt_tests']} tests)", f"{figures['dbt_full_s']:.1f} s", "", "", "≤ 60 s")
    table.add_row(f"dbt build after +{figures['increment_rows']:,} rows (incremental)",
                  f"{figures['dbt_incremental_s']:.1f} s", f"full {figures['dbt_full_s']:.1f} s",
                  f"{figures['incremental_vs_full']:.3f}", "≤ 0.10")
    table.add_row("dbt build with nothing new: dbt's fixed cost", f"{figures['dbt_noop_s']:.1f} s",
                  f"full {figures['dbt_full_s']:.1f} s", f"{figures['dbt_noop_s'] / figures['dbt_full_s']:.3f}", "")
    table.add_row("transform step (source freshness + dbt build), full / incremental",
                  f"{figures['transform_incremental_s']:.1f} s", f"full {figures['transform_full_s']:.1f} s",
                  f"{figures['transform_incremental_s'] / figures['transform_full_s']:.3f}", "")
    console.print(table)
    console.print("slowest nodes of the full build: " + ", ".join(f"{n.name} {n.seconds:.1f}s" for n in slowest))
    if figures["copy_drift"] > 0.15:
        console.print(f"[yellow]the two COPY baselines differ by {figures['copy_drift']:.0%}: the machine is noisy"
                      f"[/yellow]")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / "warehouse.json"
    path.write_text(json.dumps({"bench": "warehouse", "at": datetime.now(UTC).isoformat(timespec="seconds"),
                                "commit": _git_commit(), "cpus": os.cpu_count(),
                                "loadavg_1m": round(os.getloadavg()[0], 2), "options": vars(args),
                                "figures": {k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()},
                                "slowest_nodes": [[n.name, round(n.seconds, 2)] for n in slowest]}, indent=2) + "\n")
    console.print(f"written {path.relative_to(RESULTS_DIR.parent.parent)}")


if __name__ == "__main__":
    main()
