"""How `lakoo serve` runs its worker processes: one listening socket per worker, and a garbage
collector that leaves the app's start-up objects alone.

Why not uvicorn's own `--workers`: its workers share one listening socket, and whichever worker's
event loop wakes first accepts every connection waiting in the backlog. Keep-alive clients that
connect in a burst (a mobile edge proxy, a load balancer's pool, a benchmark) then stay on one worker
for their lifetime: the for-you bench saw 63 of 64 connections on one worker and 1 on the other,
which halves throughput and doubles every latency. With SO_REUSEPORT each worker listens on its own
socket and the kernel spreads new connections over them by a hash of the address pair.

Why the GC tuning: a worker holds a few hundred thousand long-lived objects (FastAPI's routes and
models, SQLAlchemy's mappers, pydantic validators). Objects of in-flight requests that survive a young
collection are promoted to the oldest generation, and every few seconds that triggers a full
collection walking all of them: 180-210 ms with the worker's event loop stopped, which was the
for-you feed's p99. Freezing what exists once start-up is done moves it out of the collector's view.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time

from uvicorn.config import STARTUP_FAILURE

log = logging.getLogger("lakoo.serve")

# Young-generation threshold: fewer young collections, so fewer in-flight request objects get
# promoted (each collection promotes whatever 30-60 concurrent requests hold at that moment).
GEN0_THRESHOLD = 7000


def freeze_startup_objects() -> None:
    """Called once the app has started (stores open, routes built): from then on, full collections
    only walk objects created while serving."""
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)


def reuseport_socket(host: str, port: int) -> socket.socket:
    """Bound, not listening: the kernel hands connections only to listening members of the group, and
    uvicorn starts listening once the app's start-up is done, so a worker that is (re)starting gets no
    connections to keep waiting meanwhile."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(app: str, host: str, port: int, options: dict) -> None:
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, **options)  # the app configures logging itself
    try:
        sock = reuseport_socket(host, port)
    except OSError:
        log.exception("worker cannot listen on %s:%s", host, port)
        raise SystemExit(STARTUP_FAILURE) from None
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass


def run_workers(app: str, *, host: str, port: int, workers: int, options: dict) -> None:
    """Starts `workers` uvicorn servers on their own SO_REUSEPORT sockets and keeps them running
    until SIGINT/SIGTERM, which is passed on to each worker (uvicorn's graceful shutdown).

    A probe socket is bound first so a port that is taken fails here, once, instead of in every
    worker; it never listens, so the kernel routes no connection to it."""
    try:
        probe = reuseport_socket(host, port)
    except OSError as exc:
        raise SystemExit(f"cannot listen on {host}:{port}: {exc}") from None
    spawn = multiprocessing.get_context("spawn")
    stop = threading.Event()

    def start() -> multiprocessing.process.BaseProcess:
        process = spawn.Process(target=_worker, args=(app, host, port, options), daemon=False)
        process.start()
        return process

    failed = False
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    processes = [start() for _ in range(workers)]
    log.info("serving on %s:%s with %d workers (SO_REUSEPORT)", host, port, workers)
    try:
        while not stop.wait(0.5):
            for n, process in enumerate(processes):
                if not process.is_alive():
                    if process.exitcode == STARTUP_FAILURE:  # the app cannot start: it would fail every time
                        log.error("worker %s failed to start; stopping", process.pid)
                        failed = True
                        stop.set()
                        break
                    log.warning("worker %s exited with %s; starting another", process.pid, process.exitcode)
                    time.sleep(1)  # a worker that cannot start would otherwise be respawned in a tight loop
                    processes[n] = start()
    finally:
        for process in processes:
            if process.is_alive():
                os.kill(process.pid, signal.SIGTERM)
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
                process.join()
        probe.close()
    if failed:
        raise SystemExit(STARTUP_FAILURE)
