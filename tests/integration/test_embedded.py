"""The embedded stores: real servers under a data folder, surviving restarts, leaving nothing behind."""

from __future__ import annotations

import socket

import psutil
import psycopg
import pytest
import redis as redis_sync

from commerce.core.embedded import EmbeddedPostgres, EmbeddedRedis
from tests.helpers import free_port


def _no_process_left(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_embedded_redis_persists_across_restarts_and_stops_cleanly(tmp_path):
    server = EmbeddedRedis(tmp_path, free_port())
    url = server.start()
    assert server.start() == url  # idempotent: a second start finds the running server
    client = redis_sync.Redis.from_url(url)
    client.xadd("stream", {"k": "v"})
    pid = server.pid()
    client.close()
    assert server.stop() is True
    assert _no_process_left(pid)
    assert server.status().running is False
    server.start()
    client = redis_sync.Redis.from_url(url)
    assert client.xlen("stream") == 1
    client.close()
    server.stop()
    assert server.stop() is False


@pytest.mark.slow
def test_embedded_postgres_persists_across_restarts_and_stops_cleanly(tmp_path):
    server = EmbeddedPostgres(tmp_path, free_port())
    url = server.start()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (v int)")
        conn.execute("INSERT INTO kept VALUES (42)")
        version = conn.execute("SHOW server_version_num").fetchone()[0]
    assert int(version) >= 150000
    pid = server.pid()
    children = [p.pid for p in psutil.Process(pid).children(recursive=True)]
    assert server.stop() is True
    assert _no_process_left(pid) and all(_no_process_left(c) for c in children)
    server.start()
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT v FROM kept").fetchone()[0] == 42
    server.stop()
    assert server.status().running is False


def test_a_taken_port_gives_a_clear_error(tmp_path):
    from commerce.core.embedded import EmbeddedError

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(EmbeddedError, match="LAKOO_EMBEDDED_REDIS_PORT"):
            EmbeddedRedis(tmp_path, port).start()
