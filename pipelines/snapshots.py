"""Reading the published marts snapshot (read-only), for the KPI API and notebooks.

Each process keeps one read-only DuckDB connection per snapshot file and re-reads the `CURRENT`
pointer on every call (one small file read), so a newly published snapshot is picked up by the
next request without a restart, and a pipeline run never blocks a reader.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb

from commerce.core.errors import Unavailable
from commerce.core.settings import Settings
from pipelines.publish import current_snapshot, read_pointer
from pipelines.warehouse import connect, snapshots_dir


class WarehouseNotBuilt(Unavailable):
    code = "warehouse_not_built"
    title = "No KPIs have been published yet"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or "The analytics warehouse has not been built yet: run "
                                   "`lakoo pipeline run analytics` (or wait for the scheduled run)")


@dataclass(frozen=True)
class SnapshotInfo:
    path: Path
    as_of: datetime | None
    built_at: datetime
    published_at: datetime
    first_date: date | None
    last_date: date | None
    conversion_window_days: int
    retention_weeks: int


class Snapshot:
    """One open, immutable snapshot. `query` is safe from many threads (a cursor each).

    Because the file never changes, an answer computed once is the answer for as long as this
    snapshot is current: `cached` keeps the most recent ones (the dashboard asks the same ranges
    again and again); a new snapshot starts with an empty cache."""

    CACHE_SIZE = 256

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn = connect(path, read_only=True)
        self._conn.execute("SET threads = 1")  # tiny queries from many request threads: no fan-out
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        self._cache_lock = threading.Lock()
        row = self._conn.execute("""SELECT as_of, built_at, published_at, first_date, last_date,
                                           conversion_window_days, retention_weeks
                                      FROM marts.snapshot_info""").fetchall()[0]
        self.info = SnapshotInfo(path, *row)

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        cursor = self._conn.cursor()
        try:
            return cursor.execute(sql, params or []).fetchall()
        finally:
            cursor.close()

    def query_dicts(self, sql: str, params: list | None = None) -> list[dict]:
        cursor = self._conn.cursor()
        try:
            result = cursor.execute(sql, params or [])
            names = [d[0] for d in result.description]
            return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
        finally:
            cursor.close()

    def cached(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = compute()  # outside the lock: a slow query must not hold up cached answers
        with self._cache_lock:
            self._cache[key] = value
            while len(self._cache) > self.CACHE_SIZE:
                self._cache.popitem(last=False)
        return value

    def connection(self) -> duckdb.DuckDBPyConnection:
        """A fresh cursor on the snapshot, for notebooks (`.pl()` gives polars frames)."""
        return self._conn.cursor()

    def close(self) -> None:
        self._conn.close()


class SnapshotStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._open: dict[Path, Snapshot] = {}

    def current(self) -> Snapshot:
        path = read_pointer(self.directory)
        if path is None:
            raise WarehouseNotBuilt()
        snapshot = self._open.get(path)
        if snapshot is not None:
            return snapshot
        with self._lock:
            snapshot = self._open.get(path)
            if snapshot is None:
                snapshot = Snapshot(path)
                # Keep the previous one open: requests that started on it may still be reading.
                for old_path in [p for p in self._open if p != path][:-1]:
                    self._open.pop(old_path).close()
                self._open[path] = snapshot
        return snapshot


@lru_cache(maxsize=8)
def _store(directory: Path) -> SnapshotStore:
    return SnapshotStore(directory)


def snapshot_store(settings: Settings) -> SnapshotStore:
    """The process-wide store for the settings' warehouse."""
    return _store(snapshots_dir(settings))


def open_snapshot(settings: Settings | None = None) -> Snapshot:
    """The current snapshot, for notebooks: `open_snapshot().connection().sql("...").pl()`."""
    from commerce.core.settings import get_settings

    return snapshot_store(settings or get_settings()).current()


__all__ = ["Snapshot", "SnapshotInfo", "SnapshotStore", "WarehouseNotBuilt", "current_snapshot", "open_snapshot",
           "snapshot_store"]
