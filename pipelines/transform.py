"""`dbt build` of dbt/ with dbt-duckdb, in-process (dbtRunner), against the working warehouse.

The profile is generated for the warehouse in the settings, so dbt builds the same file the
extract wrote and the API's snapshots come from; dbt's target/ and logs/ live next to that file.
Nothing is downloaded: no dbt packages, no DuckDB extensions (autoinstall and autoload are off).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from commerce.core.errors import DomainError
from commerce.core.settings import Settings
from pipelines.warehouse import NO_DOWNLOADS, connect, dbt_run_dir, warehouse_path

log = logging.getLogger("lakoo.pipelines.transform")

def _dbt_project() -> Path:
    """dbt/ at the repository root; from an installed package (the Docker image), ./dbt."""
    beside = Path(__file__).resolve().parent.parent / "dbt"
    return beside if (beside / "dbt_project.yml").exists() else Path.cwd() / "dbt"


DBT_PROJECT = _dbt_project()
Progress = Callable[[str, int, int | None], None]  # (what, done, total)
# dbt runs this many models/tests at once; DuckDB parallelises each query itself.
DBT_THREADS = int(os.environ.get("LAKOO_DBT_THREADS") or max(2, min(4, os.cpu_count() or 2)))
TESTED_BATCH = "main._lakoo_tested_batch"


class DbtFailed(DomainError):
    """A model or data test failed: nothing is published, the last good snapshot stays."""

    code = "dbt_build_failed"
    kind = "unavailable"
    title = "dbt build failed"

    def __init__(self, command: str, failures: list[dict[str, Any]], detail: str | None = None) -> None:
        self.command = command
        self.failures = failures
        lines = [f"{f['status']}: {f['name']}" + (f" ({f['failures']} failing rows)" if f.get("failures") else "")
                 + (f" — {f['message']}" if f.get("message") else "") for f in failures]
        super().__init__(detail or f"dbt {command} failed:\n  " + "\n  ".join(lines or ["see the dbt log"]),
                         failures=failures)


@dataclass
class NodeResult:
    name: str
    kind: str  # model | test | seed | source
    status: str
    seconds: float
    failures: int | None = None
    message: str | None = None


@dataclass
class TransformResult:
    seconds: float
    nodes: list[NodeResult] = field(default_factory=list)
    freshness: list[NodeResult] = field(default_factory=list)
    build_seconds: float = 0.0  # the `dbt build` invocation alone

    @property
    def models(self) -> int:
        return sum(n.kind == "model" for n in self.nodes)

    @property
    def tests(self) -> int:
        return sum(n.kind == "test" for n in self.nodes)

    @property
    def warnings(self) -> list[NodeResult]:
        return [n for n in [*self.freshness, *self.nodes] if n.status == "warn"]


def write_profile(settings: Settings, *, threads: int = DBT_THREADS) -> Path:
    """profiles.yml for the warehouse in `settings`; returns the directory to pass as --profiles-dir."""
    run_dir = dbt_run_dir(settings)
    run_dir.mkdir(parents=True, exist_ok=True)
    profile = {"lakoo": {"target": "warehouse", "outputs": {"warehouse": {
        "type": "duckdb",
        "path": str(warehouse_path(settings)),
        "schema": "main",
        "threads": threads,
        "extensions": [],
        "config_options": dict(NO_DOWNLOADS),
        "settings": {"TimeZone": "UTC"},
    }}}}
    path = run_dir / "profiles.yml"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(profile, sort_keys=False))
    os.replace(tmp, path)
    return run_dir


def _dbt_args(settings: Settings, command: list[str]) -> list[str]:
    run_dir = write_profile(settings)
    return [*command, "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(run_dir),
            "--target-path", str(run_dir / "target"), "--log-path", str(run_dir / "logs"),
            "--quiet", "--no-use-colors", "--log-format-file", "json", "--log-level-file", "warn"]


def _node_kind(unique_id: str) -> str:
    return unique_id.split(".", 1)[0]


def _release_warehouse() -> None:
    """dbt-duckdb keeps its DuckDB database open after an invocation (for in-memory databases);
    ours is a file that other steps and processes must be able to open, so close it."""
    import gc

    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        env, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None
    if env is not None:
        env.close()
    gc.collect()


def _invoke(args: list[str], on_node: Callable[[NodeResult], None] | None):  # noqa: ANN202
    from dbt.cli.main import dbtRunner

    def callback(event) -> None:  # noqa: ANN001
        if on_node is None or event.info.name != "NodeFinished":
            return
        data = event.data.run_result
        on_node(NodeResult(name=event.data.node_info.node_name, kind=_node_kind(event.data.node_info.unique_id),
                           status=data.status, seconds=0.0))

    os.environ.setdefault("DO_NOT_TRACK", "1")  # belt and braces with the project's flag
    try:
        return dbtRunner(callbacks=[callback]).invoke(args)
    finally:
        _release_warehouse()


def _results(res) -> list[NodeResult]:  # noqa: ANN001
    nodes = []
    for r in getattr(res.result, "results", None) or []:
        node = r.node
        nodes.append(NodeResult(
            name=getattr(node, "name", str(node)), kind=_node_kind(node.unique_id), status=str(r.status),
            seconds=float(r.execution_time or 0.0), failures=getattr(r, "failures", None),
            message=(r.message or None) if str(r.status) not in ("success", "pass") else None))
    return nodes


def _failures(nodes: list[NodeResult]) -> list[dict[str, Any]]:
    return [{"name": n.name, "kind": n.kind, "status": n.status, "failures": n.failures,
             "message": (n.message or "")[:300]}
            for n in nodes if n.status in ("error", "fail", "runtime error")]


def count_nodes(settings: Settings) -> int | None:
    """How many nodes `dbt build` will run (for a progress bar), from the last parsed manifest."""
    manifest = dbt_run_dir(settings) / "target" / "manifest.json"
    try:
        import json

        data = json.loads(manifest.read_text())
    except (OSError, ValueError):
        return None
    return sum(1 for uid in data.get("nodes", {}) if _node_kind(uid) in ("model", "test", "seed"))


def _tested_batch(settings: Settings, *, reset: bool) -> int:
    """The watermark of the event-level data tests (see dbt/models/staging/_staging.yml): rows
    loaded after the last green build are tested. Returns the newest batch this build covers."""
    conn = connect(warehouse_path(settings))
    try:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {TESTED_BATCH} (batch_id BIGINT NOT NULL, tested_at TIMESTAMPTZ)")
        if reset:
            conn.execute(f"DELETE FROM {TESTED_BATCH}")
        conn.execute("CREATE SCHEMA IF NOT EXISTS raw")
        conn.execute("CREATE TABLE IF NOT EXISTS raw._extract_run (batch_id BIGINT)")
        return conn.execute("SELECT coalesce(max(batch_id), 0) FROM raw._extract_run").fetchall()[0][0]
    finally:
        conn.close()


def _mark_tested(settings: Settings, batch_id: int) -> None:
    conn = connect(warehouse_path(settings))
    try:
        conn.execute("BEGIN TRANSACTION")
        conn.execute(f"DELETE FROM {TESTED_BATCH}")
        conn.execute(f"INSERT INTO {TESTED_BATCH} VALUES (?, now())", [batch_id])
        conn.execute("COMMIT")
    finally:
        conn.close()


def run_transform(settings: Settings, *, full_refresh: bool = False, select: list[str] | None = None,
                  progress: Progress | None = None) -> TransformResult:
    """`dbt source freshness` then `dbt build`. Raises DbtFailed when anything errors or a test fails."""
    started = time.perf_counter()
    report = progress or (lambda what, done, total: None)
    total = count_nodes(settings)
    done = [0]

    def on_node(node: NodeResult) -> None:
        done[0] += 1
        report(f"{node.kind} {node.name}", done[0], total)

    report("source freshness", 0, total)
    fresh = _invoke(_dbt_args(settings, ["source", "freshness"]), None)
    freshness = _results(fresh)
    if not fresh.success:
        failures = _failures(freshness) or [{"name": "source freshness", "status": "error",
                                             "message": str(fresh.exception or "")[:300]}]
        raise DbtFailed("source freshness", failures)
    covered = _tested_batch(settings, reset=full_refresh)
    # No manifest.json / run_results.json from the build (serialising them took about 0.4 s of dbt's
    # ~3 s fixed cost per build, profiled): the results come back in memory, and `source freshness`
    # has just written the manifest that count_nodes reads.
    command = ["build", "--no-write-json", *(["--full-refresh"] if full_refresh else []),
               *(["--select", *select] if select else [])]
    build_started = time.perf_counter()
    built = _invoke(_dbt_args(settings, command), on_node)
    build_seconds = time.perf_counter() - build_started
    nodes = _results(built)
    if not built.success:
        failures = _failures(nodes) or [{"name": "dbt", "status": "error",
                                         "message": str(built.exception or "")[:300]}]
        raise DbtFailed("build", failures)
    if not select:  # a partial build has not tested everything new
        _mark_tested(settings, covered)
    return TransformResult(seconds=time.perf_counter() - started, nodes=nodes, freshness=freshness,
                           build_seconds=build_seconds)
