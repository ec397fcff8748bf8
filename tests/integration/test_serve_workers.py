"""`lakoo serve --workers N`: every worker listens on its own SO_REUSEPORT socket, and the command
stops them all on SIGINT."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from serving.processes import reuseport_socket
from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]



def _listening_pids(port: int, pids: set[int]) -> list[int]:
    found = []
    for pid in pids:
        try:
            conns = psutil.Process(pid).net_connections(kind="tcp")
        except psutil.NoSuchProcess:
            continue
        found += [pid for c in conns if c.status == psutil.CONN_LISTEN and c.laddr.port == port]
    return sorted(found)


def test_two_sockets_share_a_port_and_both_accept():
    port = free_port()
    first, second = reuseport_socket("127.0.0.1", port), reuseport_socket("127.0.0.1", port)
    try:
        with pytest.raises(ConnectionRefusedError):  # bound only: no connection waits on a worker starting up
            socket.create_connection(("127.0.0.1", port), timeout=5)
        first.listen()
        second.listen()
        accepted_by = set()
        for _ in range(64):  # the kernel hashes each connection's address pair onto one of them
            with socket.create_connection(("127.0.0.1", port)):
                pass
        for n, sock in enumerate((first, second)):
            sock.setblocking(False)
            try:
                while True:
                    sock.accept()[0].close()
                    accepted_by.add(n)
            except BlockingIOError:
                pass
        assert accepted_by == {0, 1}
    finally:
        first.close()
        second.close()


def test_serve_with_two_workers_listens_in_each_and_stops_on_sigint(settings, db):
    port = free_port()
    env = {**os.environ, "LAKOO_DATABASE_URL": settings.database_url, "LAKOO_REDIS_URL": settings.redis_url,
           "LAKOO_REDIS_NAMESPACE": settings.redis_namespace, "LAKOO_VAR_DIR": str(settings.var_dir),
           "LAKOO_JWT_SECRET": secrets.token_urlsafe(32), "LAKOO_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen([sys.executable, "-m", "serving.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", "2"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        children: set[int] = set()  # the workers and multiprocessing's resource tracker
        while len(_listening_pids(port, children)) < 2:
            assert proc.poll() is None, proc.stdout.read().decode(errors="replace")[-2000:]
            assert time.monotonic() < deadline, "workers did not start listening"
            children = {c.pid for c in psutil.Process(proc.pid).children()}
            time.sleep(0.3)
        # One socket per worker, none in the parent; a worker listens once its app has started.
        workers = set(_listening_pids(port, children))
        assert len(workers) == 2
        assert _listening_pids(port, {proc.pid}) == []
        for _ in range(20):
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=5).status_code == 200:
                break
            time.sleep(0.5)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
            assert http.get("/health").status_code == 200

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=40) == 0
        assert not any(psutil.pid_exists(pid) for pid in workers)  # joined before the command returned
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
