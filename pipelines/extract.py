"""Incremental extract: Postgres → Arrow → DuckDB `raw` schema.

Rows travel through the ADBC PostgreSQL driver (binary COPY into Arrow record batches) and stream
into DuckDB batch by batch, so a 5M-row table never sits in memory whole.

**Why not `WHERE id > max(id) loaded`.** Identity values are handed out when a row is inserted,
but the row only becomes visible when its transaction commits. A transaction that took id 100 and
commits after another that took id 101 would be skipped forever once the watermark passed 101.
Likewise a trigger-set `updated_at` is the writer's start time, not its commit time.

**The safe point.** `pg_stat_activity.xact_start` tells when every open transaction began. If at
time H no transaction that started before T is still open, everything written before T is
committed (or rolled back) and visible to any snapshot taken after H. So each run:

1. samples `max(id)` of each append-only table at time t0 (those ids were handed out before t0);
2. waits briefly until the oldest open transaction started after t0 (the horizon H), usually a
   few milliseconds; a long transaction just makes the run fall back to older samples;
3. opens one REPEATABLE READ snapshot for all tables and reads every row past the *previous*
   safe point, inserting only those DuckDB does not have yet (late rows fill their gaps);
4. records the new safe point: the highest sampled id whose sample time is before H (append
   tables), or H itself (tables with a trigger-set `updated_at`).

Each table's rows and its new safe point are committed in one DuckDB transaction, so a crash at
any moment leaves each table either fully before or fully after that run: re-running gives no
duplicates and no gaps. Reading rows again past the safe point is harmless by construction.

Seeing other sessions' `xact_start` needs superuser or `pg_read_all_stats` (or the same role as
the app); without it the extract assumes transactions may run for `BLIND_HORIZON` and says so.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import adbc_driver_postgresql.dbapi as adbc
import duckdb
import psycopg
import pyarrow as pa

from commerce.core.db import libpq_url
from commerce.core.settings import Settings
from pipelines.tables import BY_QUALIFIED, SourceTable, select_tables
from pipelines.warehouse import connect, warehouse_path

log = logging.getLogger("lakoo.pipelines.extract")

BLIND_HORIZON = timedelta(minutes=10)
MAX_PENDING_SAMPLES = 20
Progress = Callable[[str, int, int | None], None]  # (raw table, rows so far, estimated total)

STATE_DDL = [
    "CREATE SCHEMA IF NOT EXISTS raw",
    """CREATE TABLE IF NOT EXISTS raw._extract_state (
        table_name VARCHAR PRIMARY KEY,
        strategy VARCHAR NOT NULL,
        safe_id BIGINT,              -- append: every row with id <= safe_id is loaded, for good
        safe_time TIMESTAMPTZ,       -- changed/child: every change before safe_time is loaded
        pending JSON,                -- append: [[max_id, sampled_at], ...] not yet known to be safe
        row_count BIGINT NOT NULL,
        last_batch_id BIGINT NOT NULL,
        extracted_at TIMESTAMPTZ NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS raw._extract_run (
        batch_id BIGINT PRIMARY KEY,
        started_at TIMESTAMPTZ NOT NULL,
        snapshot_at TIMESTAMPTZ,     -- the Postgres snapshot every table of this run was read in
        horizon_at TIMESTAMPTZ,
        finished_at TIMESTAMPTZ,
        status VARCHAR NOT NULL,     -- running | ok | crashed (found still 'running' by a later run)
        tables JSON)""",
]


@dataclass
class TableResult:
    name: str
    strategy: str
    rows_read: int
    rows_loaded: int
    row_count: int
    source_missing: bool = False


@dataclass
class ExtractResult:
    batch_id: int
    snapshot_at: datetime
    horizon_at: datetime
    seconds: float
    tables: list[TableResult] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return sum(t.rows_loaded for t in self.tables)


@dataclass
class _Column:
    name: str
    expression: str  # what the SELECT reads, e.g. "rating_avg"::float8 AS "rating_avg"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pg_table(spec: SourceTable) -> str:
    return f"{_ident(spec.schema)}.{_ident(spec.table)}"


def _raw(spec: SourceTable) -> str:
    return f"raw.{_ident(spec.raw_name)}"


def _source_columns(ctl: psycopg.Connection, spec: SourceTable) -> list[_Column] | None:
    """The columns to copy, or None when the table does not exist (yet)."""
    rows = ctl.execute("""
        SELECT a.attname, t.typname, t.typcategory
          FROM pg_attribute a
          JOIN pg_class c ON c.oid = a.attrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_type t ON t.oid = a.atttypid
         WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY a.attnum""", (spec.schema, spec.table)).fetchall()
    if not rows:
        return None
    columns = []
    for name, typname, category in rows:
        if name in spec.exclude or (spec.only and name not in spec.only) or typname == "tsvector":
            continue
        if typname == "numeric":
            expression = f"{_ident(name)}::float8 AS {_ident(name)}"  # Arrow gets an opaque string otherwise
        elif category in ("E", "G", "I") or typname in ("xml", "money"):  # enums, geometric, network: text
            expression = f"{_ident(name)}::text AS {_ident(name)}"
        else:
            expression = _ident(name)
        columns.append(_Column(name, expression))
    return columns


def _horizon(ctl: psycopg.Connection, *, blind: bool) -> datetime:
    """The start time of the oldest transaction still open in this database (now, if none)."""
    now, oldest = ctl.execute("""
        SELECT clock_timestamp(),
               (SELECT min(xact_start) FROM pg_stat_activity
                 WHERE datname = current_database() AND backend_type = 'client backend'
                   AND pid <> pg_backend_pid() AND xact_start IS NOT NULL)""").fetchone()
    horizon = min(now, oldest) if oldest is not None else now
    return horizon - BLIND_HORIZON if blind else horizon


def _sees_all_sessions(ctl: psycopg.Connection) -> bool:
    return bool(ctl.execute("""
        SELECT rolsuper OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER')
          FROM pg_roles WHERE rolname = current_user""").fetchone()[0])


def _wait_for_horizon(ctl: psycopg.Connection, after: datetime, *, blind: bool, wait_s: float) -> datetime:
    """Wait (briefly) until every transaction open at `after` has ended; returns the horizon."""
    deadline = time.monotonic() + wait_s
    while True:
        horizon = _horizon(ctl, blind=blind)
        if horizon > after or time.monotonic() >= deadline:
            return horizon
        time.sleep(0.05)


def _scalar(duck: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> Any:
    """First value of the first row, with the result drained (DuckDB refuses other work until it is)."""
    return duck.execute(sql, params or []).fetchall()[0][0]


def _state(duck: duckdb.DuckDBPyConnection, name: str) -> dict[str, Any] | None:
    rows = duck.execute("SELECT safe_id, safe_time, pending, row_count FROM raw._extract_state WHERE table_name = ?",
                        [name]).fetchall()
    if not rows:
        return None
    row = rows[0]
    return {"safe_id": row[0], "safe_time": row[1], "pending": json.loads(row[2]) if row[2] else [],
            "row_count": row[3]}


def _save_state(duck: duckdb.DuckDBPyConnection, spec: SourceTable, *, batch_id: int, at: datetime,
                safe_id: int | None = None, safe_time: datetime | None = None,
                pending: list | None = None) -> int:
    count = _scalar(duck, f"SELECT count(*) FROM {_raw(spec)}")
    duck.execute("""INSERT OR REPLACE INTO raw._extract_state
                    (table_name, strategy, safe_id, safe_time, pending, row_count, last_batch_id, extracted_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                 [spec.raw_name, spec.strategy, safe_id, safe_time, json.dumps(pending or []), count, batch_id, at])
    return count


def _ensure_raw_table(duck: duckdb.DuckDBPyConnection, spec: SourceTable, schema: pa.Schema) -> None:
    """Create the raw table from the Arrow schema, or add the columns Postgres has gained since."""
    duck.register("_lakoo_empty", pa.Table.from_batches([], schema=schema))
    try:
        duck.execute(f"""CREATE TABLE IF NOT EXISTS {_raw(spec)} AS
                         SELECT *, 0::BIGINT AS _batch_id, NULL::TIMESTAMPTZ AS _loaded_at
                           FROM _lakoo_empty WHERE false""")
        have = {r[0] for r in duck.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = ?",
            [spec.raw_name]).fetchall()}
        for name, dtype, *_ in duck.execute("DESCRIBE SELECT * FROM _lakoo_empty").fetchall():
            if name not in have:
                duck.execute(f"ALTER TABLE {_raw(spec)} ADD COLUMN {_ident(name)} {dtype}")
    finally:
        duck.unregister("_lakoo_empty")


def _ensure_declared(duck: duckdb.DuckDBPyConnection, spec: SourceTable) -> None:
    columns = ", ".join(f"{_ident(n)} {t}" for n, t in spec.declared.items())
    duck.execute(f"CREATE TABLE IF NOT EXISTS {_raw(spec)} ({columns}, _batch_id BIGINT, _loaded_at TIMESTAMPTZ)")


class _CopyProgress:
    """Rows read so far, from Postgres's own COPY progress view (the ADBC driver reads with COPY).

    Counting in Python between the driver and DuckDB would halve the throughput: DuckDB then has
    to pull every batch through the interpreter instead of straight from the driver."""

    def __init__(self, ctl: psycopg.Connection, pid: int, report: Callable[[int], None]) -> None:
        self.ctl, self.pid, self.report = ctl, pid, report
        self.rows = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="extract-progress", daemon=True)

    def _poll(self) -> None:
        while not self._stop.wait(0.5):
            try:
                row = self.ctl.execute("SELECT tuples_processed FROM pg_stat_progress_copy WHERE pid = %s",
                                       (self.pid,)).fetchone()
            except psycopg.Error:
                return
            if row is not None:
                self.rows = max(self.rows, int(row[0]))
                self.report(self.rows)

    def __enter__(self) -> _CopyProgress:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class _Run:
    """One extract run: the control connection, the Arrow snapshot and the DuckDB writer."""

    def __init__(self, settings: Settings, *, progress: Progress | None, horizon_wait_s: float) -> None:
        self.settings = settings
        self.progress = progress or (lambda name, rows, total: None)
        self.horizon_wait_s = horizon_wait_s
        self.url = libpq_url(settings.database_url or "")

    def run(self, specs: tuple[SourceTable, ...]) -> ExtractResult:
        started = time.perf_counter()
        with psycopg.connect(self.url, autocommit=True) as ctl, \
                _closing(connect(warehouse_path(self.settings))) as duck:
            for ddl in STATE_DDL:
                duck.execute(ddl)
            batch_id = self._open_run(duck)
            columns = {spec.qualified: _source_columns(ctl, spec) for spec in specs}
            blind = not _sees_all_sessions(ctl)
            if blind:
                log.warning("cannot see other sessions' transactions (grant pg_read_all_stats); "
                            "assuming they may run for %s", BLIND_HORIZON)
            samples, sampled_at = self._sample_ids(ctl, [s for s in specs if s.strategy == "append"
                                                         and columns[s.qualified] is not None])
            horizon = _wait_for_horizon(ctl, sampled_at, blind=blind, wait_s=self.horizon_wait_s)
            estimates = self._estimates(ctl, specs)
            with _closing(adbc.connect(self.url)) as pg:
                cur = pg.cursor()
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cur.execute("SELECT clock_timestamp(), pg_backend_pid()")
                snapshot_at, self.pg_pid = cur.fetchone()
                self.ctl = ctl
                # Every table's plan is fixed before any is loaded: a child reads from its own
                # previous safe time, whatever its parent's becomes in this run.
                states = {spec.raw_name: _state(duck, spec.raw_name) for spec in specs}
                results = []
                for spec in specs:
                    results.append(self._table(cur, duck, spec, columns[spec.qualified], states[spec.raw_name],
                                               batch_id=batch_id, snapshot_at=snapshot_at, horizon=horizon,
                                               sample=(samples.get(spec.raw_name), sampled_at),
                                               estimate=estimates.get(spec.qualified)))
                pg.rollback()
            duck.execute("""UPDATE raw._extract_run SET status = 'ok', snapshot_at = ?, horizon_at = ?,
                            finished_at = ?, tables = ? WHERE batch_id = ?""",
                         [snapshot_at, horizon, snapshot_at + timedelta(seconds=time.perf_counter() - started),
                          json.dumps({r.name: r.rows_loaded for r in results}), batch_id])
            duck.execute("CHECKPOINT")
        return ExtractResult(batch_id=batch_id, snapshot_at=snapshot_at, horizon_at=horizon,
                             seconds=time.perf_counter() - started, tables=results)

    def _open_run(self, duck: duckdb.DuckDBPyConnection) -> int:
        """A run id that is never reused, even when a run crashes: it is committed before any work."""
        duck.execute("UPDATE raw._extract_run SET status = 'crashed' WHERE status = 'running'")
        batch_id = _scalar(duck, "SELECT coalesce(max(batch_id), 0) + 1 FROM raw._extract_run")
        duck.execute("INSERT INTO raw._extract_run (batch_id, started_at, status) VALUES (?, now(), 'running')",
                     [batch_id])
        return batch_id

    @staticmethod
    def _sample_ids(ctl: psycopg.Connection, specs: list[SourceTable]) -> tuple[dict[str, int | None], datetime]:
        """max(id) of each append table, then the clock: every id up to those was handed out before it."""
        parts = [f"(SELECT max({_ident(s.cursor)}) FROM {_pg_table(s)})" for s in specs]
        row = ctl.execute(f"SELECT {', '.join([*parts, 'clock_timestamp()'])}").fetchone()
        return {s.raw_name: row[i] for i, s in enumerate(specs)}, row[-1]

    @staticmethod
    def _estimates(ctl: psycopg.Connection, specs: tuple[SourceTable, ...]) -> dict[str, int]:
        rows = ctl.execute("""SELECT n.nspname || '.' || c.relname, c.reltuples::bigint FROM pg_class c
                              JOIN pg_namespace n ON n.oid = c.relnamespace
                              WHERE n.nspname || '.' || c.relname = ANY(%s)""",
                           ([s.qualified for s in specs],)).fetchall()
        return {name: max(int(n), 0) for name, n in rows}

    def _table(self, cur, duck: duckdb.DuckDBPyConnection, spec: SourceTable,  # noqa: ANN001, PLR0913
               columns: list[_Column] | None, state: dict | None, *, batch_id: int, snapshot_at: datetime,
               horizon: datetime, sample: tuple[int | None, datetime], estimate: int | None) -> TableResult:
        if columns is None:
            if not spec.declared:
                raise RuntimeError(f"source table {spec.qualified} does not exist")
            _ensure_declared(duck, spec)
            self.progress(spec.raw_name, 0, 0)
            return TableResult(spec.raw_name, spec.strategy, 0, 0, 0, source_missing=True)
        select = ", ".join(c.expression for c in columns)
        query = f"SELECT {select} FROM {_pg_table(spec)}"
        first = state is None
        if spec.strategy == "append" and not first and state["safe_id"] is not None:
            query += f" WHERE {_ident(spec.cursor)} > {int(state['safe_id'])}"
            estimate = max((sample[0] or 0) - int(state["safe_id"]), 0)
        elif spec.strategy == "changed" and not first and state["safe_time"] is not None:
            query += f" WHERE {_ident(spec.cursor)} >= '{state['safe_time'].isoformat()}'::timestamptz"
        elif spec.strategy == "child" and not first and state["safe_time"] is not None:
            parent = BY_QUALIFIED[spec.parent]
            child_col, parent_col = spec.parent_link
            query += (f" WHERE {_ident(child_col)} IN (SELECT {_ident(parent_col)} FROM {_pg_table(parent)}"
                      f" WHERE {_ident(parent.cursor)} >= '{state['safe_time'].isoformat()}'::timestamptz)")
        cur.execute(query)
        reader = cur.fetch_record_batch()
        self.progress(spec.raw_name, 0, estimate)
        duck.execute("BEGIN TRANSACTION")
        try:
            _ensure_raw_table(duck, spec, reader.schema)
            on_rows = lambda rows: self.progress(spec.raw_name, rows, estimate)  # noqa: E731
            with _CopyProgress(self.ctl, self.pg_pid, on_rows) as read:
                loaded = self._load(duck, spec, reader, state, batch_id=batch_id, snapshot_at=snapshot_at)
            safe_id, safe_time, pending = None, None, None
            if spec.strategy == "append":
                safe_id, pending = _advance_ids(state, sample, horizon)
            elif spec.strategy in ("changed", "child"):
                safe_time = horizon
            count = _save_state(duck, spec, batch_id=batch_id, at=snapshot_at, safe_id=safe_id,
                                safe_time=safe_time, pending=pending)
            duck.execute("COMMIT")
        except BaseException:
            duck.execute("ROLLBACK")
            raise
        rows_read = max(read.rows, loaded)
        self.progress(spec.raw_name, rows_read, rows_read)
        return TableResult(spec.raw_name, spec.strategy, rows_read, loaded, count)

    @staticmethod
    def _load(duck: duckdb.DuckDBPyConnection, spec: SourceTable, reader: pa.RecordBatchReader,
              state: dict | None, *, batch_id: int, snapshot_at: datetime) -> int:
        target = _raw(spec)
        stamp = f"{int(batch_id)}::BIGINT AS _batch_id, '{snapshot_at.isoformat()}'::TIMESTAMPTZ AS _loaded_at"
        duck.register("_lakoo_batch", reader)
        try:
            if spec.strategy == "full":
                duck.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT *, {stamp} FROM _lakoo_batch")
                return _scalar(duck, f"SELECT count(*) FROM {target}")
            if spec.strategy == "append":
                key = _ident(spec.cursor)
                floor = int(state["safe_id"]) if state and state["safe_id"] is not None else None
                if floor is None:  # first load: nothing to de-duplicate against
                    return _scalar(duck, f"INSERT INTO {target} BY NAME SELECT *, {stamp} FROM _lakoo_batch")
                # Rows past the safe point may be here already; only the missing ones go in.
                return _scalar(duck, f"""
                    INSERT INTO {target} BY NAME
                    SELECT b.*, {stamp} FROM _lakoo_batch b
                     WHERE NOT EXISTS (SELECT 1 FROM {target} t WHERE t.{key} > {floor} AND t.{key} = b.{key})
                """)
            # changed / child: the new version of a row replaces the old one.
            duck.execute("CREATE OR REPLACE TEMP TABLE _lakoo_changed AS SELECT * FROM _lakoo_batch")
            match = " AND ".join(f"t.{_ident(k)} = c.{_ident(k)}" for k in spec.key)
            duck.execute(f"DELETE FROM {target} t USING _lakoo_changed c WHERE {match}")
            loaded = _scalar(duck, f"INSERT INTO {target} BY NAME SELECT *, {stamp} FROM _lakoo_changed")
            duck.execute("DROP TABLE _lakoo_changed")
            return loaded
        finally:
            duck.unregister("_lakoo_batch")


def _advance_ids(state: dict | None, sample: tuple[int | None, datetime],
                 horizon: datetime) -> tuple[int | None, list]:
    """The new safe id: the highest sample taken before every transaction still open had started."""
    safe = state["safe_id"] if state else None
    pending = [(int(i), datetime.fromisoformat(t)) for i, t in (state["pending"] if state else [])]
    max_id, sampled_at = sample
    if max_id is not None:
        pending.append((int(max_id), sampled_at))
    still_pending = []
    for max_id, at in pending:
        if at < horizon:
            safe = max_id if safe is None else max(safe, max_id)
        else:
            still_pending.append((max_id, at))
    if safe is None:
        safe = 0  # an empty table: every later id is > 0
    still_pending = [(i, t.isoformat()) for i, t in still_pending if i > safe][-MAX_PENDING_SAMPLES:]
    return safe, still_pending


class _closing:
    """`with` for connections whose own context manager commits or is missing."""

    def __init__(self, conn) -> None:  # noqa: ANN001
        self.conn = conn

    def __enter__(self):  # noqa: ANN204
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.close()


def run_extract(settings: Settings, *, tables: list[str] | None = None, progress: Progress | None = None,
                horizon_wait_s: float = 5.0) -> ExtractResult:
    """Bring the raw schema up to date with Postgres. Safe to re-run at any time, and after a crash."""
    if not settings.database_url:
        raise RuntimeError("no database URL: resolve the store URLs before extracting")
    return _Run(settings, progress=progress, horizon_wait_s=horizon_wait_s).run(select_tables(tables))
