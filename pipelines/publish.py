"""Publishing the marts: an immutable read-only snapshot, swapped in atomically after a green build.

The API and notebooks never open the working warehouse (the pipeline holds it read-write, which
locks everyone else out). After `dbt build` passes every test, the marts are copied into a new
DuckDB file under `<warehouse>.snapshots/`, and `CURRENT` (a one-line file naming it) is replaced
with `os.replace`, which is atomic: a reader sees the old snapshot or the new one, never half of
one. A build that fails never reaches this step, so wrong KPIs are never published. Old snapshots
are deleted after a few newer ones exist; a reader still holding one keeps its open file (POSIX).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from commerce.core.settings import Settings
from pipelines.warehouse import connect, snapshots_dir, warehouse_path

POINTER = "CURRENT"
KEEP = 3


@dataclass(frozen=True)
class Published:
    path: Path
    as_of: datetime | None
    tables: list[str]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(settings: Settings) -> Published:
    """Copy every `marts.*` table of the working warehouse into a new snapshot and make it current."""
    target_dir = snapshots_dir(settings)
    target_dir.mkdir(parents=True, exist_ok=True)
    name = f"marts-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{time.time_ns() % 10**9:09d}.duckdb"
    tmp = target_dir / f".{name}.partial"
    final = target_dir / name
    duck = connect(warehouse_path(settings))
    try:
        tables = [r[0] for r in duck.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' "
            "AND table_type = 'BASE TABLE' AND table_catalog = current_database() ORDER BY 1").fetchall()]
        if "mart_build_info" not in tables:
            raise RuntimeError("the warehouse has no marts yet: run the transform first")
        as_of = duck.execute("SELECT as_of FROM marts.mart_build_info").fetchall()[0][0]
        tmp.unlink(missing_ok=True)
        duck.execute(f"ATTACH '{tmp}' AS snap")
        try:
            duck.execute("CREATE SCHEMA snap.marts")
            for table in tables:
                duck.execute(f'CREATE TABLE snap.marts."{table}" AS SELECT * FROM marts."{table}"')
            duck.execute("CREATE TABLE snap.marts.snapshot_info AS "
                         "SELECT *, now() AS published_at FROM marts.mart_build_info")
        finally:
            duck.execute("DETACH snap")
    finally:
        duck.close()
    os.replace(tmp, final)
    pointer_tmp = target_dir / f".{POINTER}.{os.getpid()}"
    pointer_tmp.write_text(name + "\n")
    os.replace(pointer_tmp, target_dir / POINTER)
    _fsync_dir(target_dir)
    _prune(target_dir, keep=name)
    return Published(path=final, as_of=as_of, tables=tables)


def read_pointer(directory: Path) -> Path | None:
    """The snapshot `CURRENT` names in `directory`, or None before the first green build."""
    try:
        name = (directory / POINTER).read_text().strip()
    except FileNotFoundError:
        return None
    path = directory / name
    return path if name and path.exists() else None


def current_snapshot(settings: Settings) -> Path | None:
    return read_pointer(snapshots_dir(settings))


def _prune(target_dir: Path, *, keep: str) -> None:
    snapshots = sorted(p for p in target_dir.glob("marts-*.duckdb") if p.name != keep)
    for old in snapshots[: max(len(snapshots) - (KEEP - 1), 0)]:
        old.unlink(missing_ok=True)
    for partial in target_dir.glob(".marts-*.partial"):
        if time.time() - partial.stat().st_mtime > 3600:  # left by a crash mid-publish
            partial.unlink(missing_ok=True)
