"""The benchmark harness: a real `lakoo serve` on loopback, fixed-length load runs against it, and a
table of figures relative to a bare endpoint measured by the same server in the same run.

Absolute requests/s on shared, noisy machines say little from one run to the next; the ratio of an
endpoint to `GET /_bench/bare` (FastAPI routing, middleware and JSON, no I/O) on the same server,
minutes apart, is what stays comparable. The bare run brackets the scenarios (before and after) so
drift during the run shows up instead of silently skewing every ratio.

Typical use, from a `bench/bench_<thing>.py`:

    opts = parse_options("what this measures")
    with BenchServer(workers=opts.workers) as server:
        token = ...  # set up over HTTP against server.base_url
        rows = measure(server, [Scenario("me", "/api/users/me", headers=...)], opts)
    report("thing", rows, opts, server)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil
from rich.console import Console
from rich.table import Table

from bench.load import ROOT, LoadResult, Scenario, pick_tool, run_load
from bench.stores import BenchStores

__all__ = ["BARE", "BenchServer", "Options", "Row", "Scenario", "measure", "parse_options", "report"]

_EXC_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Warning|Violation)\b")
RESULTS_DIR = ROOT / "bench" / "results"
BARE = Scenario("bare", "/_bench/bare")
console = Console(width=None if sys.stdout.isatty() else 140)  # piped output: don't squeeze the table


@dataclass(frozen=True)
class Options:
    duration: float = 10.0
    connections: int = 64
    workers: int = 2
    warmup: float = 1.0
    loadgen: str = "auto"
    threads: int = 1


def parse_options(description: str, argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per scenario")
    parser.add_argument("--connections", type=int, default=64, help="concurrent keep-alive connections")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each scenario")
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (the server needs the cores)")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.connections <= 0 or args.workers <= 0:
        parser.error("--duration, --connections and --workers must be positive")
    return Options(**vars(args))


def summarise_log_line(line: str) -> str:
    """The app logs JSON with whole tracebacks; the last traceback line is the part worth printing."""
    try:
        entry = json.loads(line)
    except ValueError:
        return line[:300]
    if not isinstance(entry, dict):
        return line[:300]
    text = f"{entry.get('level', '?')} {entry.get('logger', '?')}: {str(entry.get('msg', '')).strip()}"
    if entry.get("exc"):  # the exception line, not SQLAlchemy's trailing [SQL: ...] and (Background ...)
        lines = [ln for ln in str(entry["exc"]).splitlines() if _EXC_LINE.match(ln)]
        text += " | " + (lines[-1] if lines else str(entry["exc"]).strip().splitlines()[-1])
    return text[:500]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BenchServer:
    """`python -m serving.cli serve` on its own port, database, Redis namespace and var dir.

    Its own var dir (and JWT secret) because `serve` wipes `var/prometheus` at start and workers
    racing to create `var/jwt_secret` could sign with different keys; neither should touch a
    developer's running server."""

    def __init__(self, workers: int = 2, extra_env: dict[str, str] | None = None,
                 ready_timeout: float = 90) -> None:
        self.workers = workers
        self.extra_env = extra_env or {}
        self.ready_timeout = ready_timeout
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.stores: BenchStores | None = None
        self.proc: subprocess.Popen | None = None
        self._tmp = Path(tempfile.mkdtemp(prefix="lakoo-bench-"))
        self.log_path = self._tmp / "server.log"
        self.log_lines: list[str] = []  # what the server logged (WARNING and up), kept after close

    def __enter__(self) -> BenchServer:
        try:
            self.stores = BenchStores.open()
            self.stores.migrate()
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close()
        if exc_type is not None and self.log_lines:  # the server's side of whatever went wrong
            console.print("[yellow]server log (last lines):[/yellow]")
            for line in self.log_lines[-10:]:
                console.print(f"  {summarise_log_line(line)}", markup=False, highlight=False)

    def _start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        env.update({
            "LAKOO_BENCH_ROUTES": "1", "LAKOO_LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1",
            "LAKOO_DATABASE_URL": self.stores.db_url, "LAKOO_REDIS_URL": self.stores.redis_url,
            "LAKOO_REDIS_NAMESPACE": self.stores.namespace, "LAKOO_VAR_DIR": str(self._tmp / "var"),
            "LAKOO_JWT_SECRET": secrets.token_urlsafe(48), **self.extra_env,
        })
        cmd = [sys.executable, "-m", "serving.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
               "--workers", str(self.workers)]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.base_url}/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"server not ready after {self.ready_timeout:.0f}s:\n{self.log_tail()}")

    def settle(self, idle_cpu_pct: float = 10.0, timeout: float = 90.0) -> None:
        """Waits until the server's processes are idle. A closed loop stops sending when its time is
        up, but the server keeps working through what it already accepted (a backlog of argon2
        logins drains for seconds), and that would be billed to the next scenario."""
        try:
            root = psutil.Process(self.proc.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        for proc in procs:
            proc.cpu_percent(None)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(0.5)
            busy = 0.0
            for proc in procs:
                try:
                    busy += proc.cpu_percent(None)
                except psutil.NoSuchProcess:
                    pass
            if busy < idle_cpu_pct:
                return
        console.print(f"[yellow]server still busy after {timeout:.0f}s; measuring anyway[/yellow]")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _stop(self) -> None:
        """SIGINT is uvicorn's graceful stop (it passes it on to its workers); whatever is left of
        the process group after the grace period is killed, so no worker outlives the bench."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                console.print("[yellow]server did not stop within 20s; killing it[/yellow]")
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the group is ours alone: start_new_session
        except ProcessLookupError:
            pass
        self.proc.wait()

    def close(self) -> None:
        try:
            self._stop()
        finally:
            problems = self.stores.cleanup() if self.stores else []
            for problem in problems:
                console.print(f"[red]cleanup:[/red] {problem}")
            self.log_lines = self.log_tail(200).splitlines()
            shutil.rmtree(self._tmp, ignore_errors=True)


@dataclass(frozen=True)
class Row:
    name: str
    request: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    errors: int
    ratio: float | None  # rps / bare rps (mean of the bracketing bare runs)


def _run(server: BenchServer, scenario: Scenario, opts: Options) -> LoadResult:
    kwargs = {"connections": opts.connections, "tool": opts.loadgen, "threads": opts.threads}
    server.settle()
    if opts.warmup > 0:
        run_load(server.base_url, scenario, duration=opts.warmup, **kwargs)
        server.settle()
    console.print(f"  {scenario.name}: {scenario.method} {scenario.path} for {opts.duration:g}s ...")
    return run_load(server.base_url, scenario, duration=opts.duration, **kwargs)


def measure(server: BenchServer, scenarios: list[Scenario], opts: Options) -> list[Row]:
    """Runs bare, each scenario, then bare again; ratios are against the mean of the two bare runs."""
    before = _run(server, BARE, opts)
    results = [(s, _run(server, s, opts)) for s in scenarios]
    after = _run(server, BARE, opts)
    baseline = (before.rps + after.rps) / 2

    def row(name: str, scenario: Scenario, result: LoadResult) -> Row:
        return Row(name=name, request=f"{scenario.method} {scenario.path}", rps=round(result.rps, 1),
                   p50_ms=round(result.p50_ms, 2), p99_ms=round(result.p99_ms, 2), requests=result.requests,
                   non_2xx=result.non_2xx, errors=result.errors,
                   ratio=round(result.rps / baseline, 4) if baseline else None)

    return [row("bare (before)", BARE, before), *(row(s.name, s, r) for s, r in results),
            row("bare (after)", BARE, after)]


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                             text=True)
    except OSError:
        return None
    return out.stdout.strip() or None


def report(name: str, rows: list[Row], opts: Options, server: BenchServer) -> Path:
    """Prints the table and writes bench/results/<name>.json (git-ignored; one file per bench)."""
    bare = [r for r in rows if r.name.startswith("bare")]
    drift = abs(bare[0].rps - bare[-1].rps) / max(bare[0].rps, 1e-9) if len(bare) == 2 else 0.0
    table = Table(title=f"bench {name}: {opts.duration:g}s x {opts.connections} connections, "
                        f"{opts.workers} workers, {pick_tool(opts.loadgen)}, stores: {server.stores.source}")
    for column in ("scenario", "request", "req/s", "p50 ms", "p99 ms", "requests", "non-2xx", "errors",
                   "vs bare"):
        table.add_column(column, justify="left" if column in ("scenario", "request") else "right")
    for r in rows:
        bad = "red" if r.non_2xx or r.errors else ""
        table.add_row(r.name, r.request, f"{r.rps:,.1f}", f"{r.p50_ms:.2f}", f"{r.p99_ms:.2f}",
                      f"{r.requests:,}", f"[{bad}]{r.non_2xx}[/]" if bad else "0",
                      f"[{bad}]{r.errors}[/]" if bad else "0",
                      f"{r.ratio:.3f}" if r.ratio is not None else "-")
    console.print(table)
    if drift > 0.10:
        console.print(f"[yellow]bare req/s drifted {drift:.0%} during the run: the machine is noisy, "
                      f"treat the ratios with care[/yellow]")
    if server.log_lines:
        console.print(f"[yellow]the server logged {len(server.log_lines)} line(s) at WARNING or above; "
                      f"the last ones:[/yellow]")
        for line in server.log_lines[-5:]:
            console.print(f"  {summarise_log_line(line)}", markup=False, highlight=False)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps({
        "bench": name, "at": datetime.now(UTC).isoformat(timespec="seconds"), "commit": _git_commit(),
        "options": asdict(opts), "loadgen": pick_tool(opts.loadgen), "stores": server.stores.source,
        "cpus": os.cpu_count(), "loadavg_1m": round(os.getloadavg()[0], 2), "bare_drift": round(drift, 4),
        "server_log_tail": server.log_lines[-20:],
        "rows": [asdict(r) for r in rows],
    }, indent=2) + "\n")
    console.print(f"written {path.relative_to(ROOT)}")
    return path
