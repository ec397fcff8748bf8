"""The incremental extract: Postgres → DuckDB raw, exact under late commits, changes and crashes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime

import psycopg
import pytest

from commerce.core.db import libpq_url
from pipelines.extract import run_extract
from pipelines.warehouse import connect, warehouse_path
from tests.warehouse_data import AYU, BUDI, O3, P1, insert_event, load_known_dataset

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _raw(settings, sql: str) -> list[tuple]:
    conn = connect(warehouse_path(settings), read_only=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _pg(settings, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(libpq_url(settings.database_url), autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def _assert_same_interactions(settings) -> None:
    """Exactly Postgres's rows: nothing missing, nothing twice."""
    pg_ids = sorted(r[0] for r in _pg(settings, "SELECT id FROM interactions.interaction"))
    raw_ids = sorted(r[0] for r in _raw(settings, "SELECT id FROM raw.interactions__interaction"))
    assert raw_ids == pg_ids


def test_extract_copies_every_table_and_reruns_are_idempotent(wh):
    load_known_dataset(wh.database_url)
    first = run_extract(wh)
    loaded = {t.name: t.rows_loaded for t in first.tables}
    assert loaded["interactions__interaction"] == 15 and loaded["orders__order"] == 3
    assert loaded["orders__order_item"] == 3 and loaded["content__post"] == 2 and loaded["auth__account"] == 4
    again = run_extract(wh)
    assert again.batch_id == first.batch_id + 1
    reloaded = {t.name: t.rows_loaded for t in again.tables}
    assert reloaded["interactions__interaction"] == 0 and reloaded["orders__order"] == 0
    assert reloaded["orders__order_status_change"] == 0
    _assert_same_interactions(wh)
    assert _raw(wh, "SELECT count(*) FROM raw.orders__order")[0][0] == 3
    runs = _raw(wh, "SELECT status FROM raw._extract_run ORDER BY batch_id")
    assert runs == [("ok",), ("ok",)]


def test_same_column_names_and_no_secrets(wh):
    load_known_dataset(wh.database_url)
    run_extract(wh)
    columns = {r[0]: r[1] for r in _raw(wh, "SELECT column_name, data_type FROM information_schema.columns "
                                             "WHERE table_schema = 'raw' AND table_name = 'interactions__interaction'")}
    pg_columns = {r[0] for r in _pg(wh, "SELECT column_name FROM information_schema.columns "
                                        "WHERE table_schema = 'interactions' AND table_name = 'interaction'")}
    assert pg_columns <= set(columns) and {"_batch_id", "_loaded_at"} <= set(columns)
    assert columns["user_id"] == "UUID" and columns["properties"] == "JSON"
    account = {r[0] for r in _raw(wh, "SELECT column_name FROM information_schema.columns "
                                      "WHERE table_schema = 'raw' AND table_name = 'auth__account'")}
    assert "password_hash" not in account and "email" not in account and "created_at" in account
    orders = {r[0] for r in _raw(wh, "SELECT column_name FROM information_schema.columns "
                                     "WHERE table_schema = 'raw' AND table_name = 'orders__order'")}
    assert "shipping_address" not in orders and "updated_at" in orders


def test_a_declared_table_is_extracted_with_its_declared_columns(wh):
    load_known_dataset(wh.database_url)
    result = run_extract(wh)
    sellers = next(t for t in result.tables if t.name == "sellers__seller")
    columns = [r[0] for r in _raw(wh, "SELECT column_name FROM information_schema.columns WHERE table_schema = 'raw' "
                                      "AND table_name = 'sellers__seller' ORDER BY ordinal_position")]
    assert {"user_id", "status", "applied_at", "reviewed_at", "created_at", "updated_at"} <= set(columns)
    if sellers.source_missing:  # until the sellers context lands
        assert _raw(wh, "SELECT count(*) FROM raw.sellers__seller")[0][0] == 0


def test_a_transaction_committing_late_is_not_lost(wh):
    """Identity ids are handed out at INSERT: a low id can become visible after a higher one."""
    with psycopg.connect(libpq_url(wh.database_url)) as slow:
        late_id = insert_event(slow, AYU, "impression", datetime.now(UTC), surface="for_you", post=P1)
        with psycopg.connect(libpq_url(wh.database_url), autocommit=True) as fast:
            early_id = insert_event(fast, BUDI, "impression", datetime.now(UTC), surface="explore", post=P1)
        assert late_id < early_id
        first = run_extract(wh, horizon_wait_s=0.2)  # `slow` is still open: the safe point must not pass it
        assert [r[0] for r in _raw(wh, "SELECT id FROM raw.interactions__interaction")] == [early_id]
        state = _raw(wh, "SELECT safe_id FROM raw._extract_state WHERE table_name = 'interactions__interaction'")
        assert state[0][0] < late_id
        assert first.tables[-1].rows_loaded == 1
        slow.commit()
    second = run_extract(wh)
    assert second.tables[-1].rows_loaded == 1  # the late row, and only it
    _assert_same_interactions(wh)
    third = run_extract(wh)
    assert third.tables[-1].rows_loaded == 0
    assert _raw(wh, "SELECT safe_id FROM raw._extract_state WHERE table_name = 'interactions__interaction'")[0][0] \
        == early_id


def test_changed_orders_are_extracted_again(wh):
    load_known_dataset(wh.database_url)
    run_extract(wh)
    with psycopg.connect(libpq_url(wh.database_url), autocommit=True) as conn:
        conn.execute("""UPDATE orders."order" SET status = 'paid', paid_at = now(), cancelled_at = NULL
                        WHERE id = %s""", (O3,))
        updated_at = conn.execute('SELECT updated_at FROM orders."order" WHERE id = %s', (O3,)).fetchone()[0]
    result = run_extract(wh)
    assert {t.name: t.rows_loaded for t in result.tables}["orders__order"] == 1
    rows = _raw(wh, f"SELECT status, paid_at IS NOT NULL, updated_at, _batch_id FROM raw.orders__order "
                    f"WHERE id = '{O3}'")
    assert rows == [("paid", True, updated_at, result.batch_id)]
    assert _raw(wh, "SELECT count(*), count(DISTINCT id) FROM raw.orders__order") == [(3, 3)]
    assert _raw(wh, "SELECT count(*), count(DISTINCT id) FROM raw.orders__order_item") == [(3, 3)]


CRASHING_EXTRACT = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from commerce.core.settings import Settings
    from pipelines import extract

    original = extract._Run._load
    def load_then_die(duck, spec, reader, state, **kw):
        loaded = original(duck, spec, reader, state, **kw)
        if spec.raw_name == sys.argv[3]:  # rows written, transaction not committed: pull the plug
            os.kill(os.getpid(), signal.SIGKILL)
        return loaded
    extract._Run._load = staticmethod(load_then_die)
    extract.run_extract(Settings(database_url=sys.argv[1], warehouse_path=Path(sys.argv[2]), _env_file=None))
""")


@pytest.mark.parametrize("victim", ["interactions__interaction", "orders__order_item"])
def test_a_run_killed_mid_table_then_rerun_gives_no_duplicates_and_no_gaps(wh, victim):
    load_known_dataset(wh.database_url)
    run_extract(wh)
    with psycopg.connect(libpq_url(wh.database_url), autocommit=True) as conn:
        conn.execute("""INSERT INTO interactions.interaction (event_id, user_id, event_type, source, properties,
                            occurred_at, received_at)
                        SELECT gen_random_uuid(), %s, 'impression', 'client', '{}', now(), now()
                        FROM generate_series(1, 5000)""", (AYU,))
        conn.execute("""UPDATE orders."order" SET status = 'completed', completed_at = now() WHERE id = %s""", (O3,))
    killed = subprocess.run([sys.executable, "-c", CRASHING_EXTRACT, wh.database_url, str(warehouse_path(wh)), victim],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert killed.returncode == -9, killed.stderr
    # The killed run's rows never became visible: it is as if it had not happened.
    assert _raw(wh, "SELECT count(*) FROM raw.interactions__interaction")[0][0] == 15
    rerun = run_extract(wh)
    _assert_same_interactions(wh)
    assert _raw(wh, "SELECT count(*), count(DISTINCT id) FROM raw.orders__order") == [(3, 3)]
    assert _raw(wh, f"SELECT status FROM raw.orders__order WHERE id = '{O3}'") == [("completed",)]
    statuses = [r[0] for r in _raw(wh, "SELECT status FROM raw._extract_run ORDER BY batch_id")]
    assert statuses == ["ok", "crashed", "ok"]
    assert rerun.batch_id == 3


def test_a_column_added_in_postgres_appears_in_the_raw_table(wh):
    """Contexts add columns (migrations of other branches): the raw copy follows without a rebuild."""
    load_known_dataset(wh.database_url)
    run_extract(wh)
    with psycopg.connect(libpq_url(wh.database_url), autocommit=True) as conn:
        conn.execute('ALTER TABLE orders."order" ADD COLUMN wh_test_note text')
        try:
            conn.execute("""UPDATE orders."order" SET wh_test_note = 'gift wrap' WHERE id = %s""", (O3,))
            run_extract(wh)
        finally:
            conn.execute('ALTER TABLE orders."order" DROP COLUMN wh_test_note')
    assert _raw(wh, "SELECT id, wh_test_note FROM raw.orders__order WHERE wh_test_note IS NOT NULL") == [
        (O3, "gift wrap")]
    assert _raw(wh, "SELECT count(*) FROM raw.orders__order")[0][0] == 3
