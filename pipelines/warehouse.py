"""Where the warehouse lives and how every writer opens it.

Two kinds of DuckDB files:

- the *working* warehouse (`Settings.resolved_warehouse_path`, default `var/warehouse.duckdb`): raw
  copies of the Postgres tables, dbt's staging/intermediate/marts. DuckDB lets one process open a
  file read-write and then nobody else may even read it, so only the pipeline opens it, one writer
  at a time (`writer_lock`).
- published *snapshots* (`<warehouse>.snapshots/marts-*.duckdb`): immutable copies of the marts made
  after a fully green `dbt build`, opened read-only by the API and notebooks while the next build runs.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from commerce.core.errors import Unavailable
from commerce.core.settings import Settings

# Nothing may download at run time: DuckDB would otherwise fetch an extension the first time a
# query needs one. The ones we use (json, icu, parquet) are built into the wheel.
NO_DOWNLOADS = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


def warehouse_path(settings: Settings) -> Path:
    return settings.resolved_warehouse_path.resolve()


def snapshots_dir(settings: Settings) -> Path:
    path = warehouse_path(settings)
    return path.with_name(f"{path.stem}.snapshots")


def dbt_run_dir(settings: Settings) -> Path:
    """dbt's generated profile, target and logs: per warehouse, outside the repo, so test runs and
    the dev warehouse never share partial-parse state."""
    path = warehouse_path(settings)
    return path.with_name(f"{path.stem}.dbt")


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(path), read_only=read_only, config=dict(NO_DOWNLOADS))
    conn.execute("SET TimeZone = 'UTC'")  # day boundaries are UTC days, in dbt and in the API alike
    return conn


class WarehouseBusy(Unavailable):
    code = "warehouse_busy"
    title = "Another pipeline run is writing the warehouse"


class _Held:
    depth = 0
    guard = threading.Lock()


_held = _Held()


@contextmanager
def writer_lock(settings: Settings, *, wait_s: float = 1800, on_wait=None) -> Iterator[None]:  # noqa: ANN001
    """One writer of the working warehouse at a time, across processes (flock on a side file).

    Re-entrant within the process (Prefect may run a flow's tasks on another thread), so the
    `analytics` flow can hold it across extract and transform while those stay runnable on their
    own. The holder's pid is written into the file so a waiting run can say whom it waits for."""
    with _held.guard:
        nested = _held.depth > 0
        if nested:
            _held.depth += 1
    if nested:
        try:
            yield
        finally:
            with _held.guard:
                _held.depth -= 1
        return
    path = warehouse_path(settings).with_suffix(".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_s
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(f"the warehouse lock {path} is held by pid {holder}") from None
                if on_wait is not None and not told:
                    on_wait(holder)
                    told = True
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        with _held.guard:
            _held.depth = 1
        try:
            yield
        finally:
            with _held.guard:
                _held.depth = 0
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
