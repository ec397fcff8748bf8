"""What `lakoo pipeline serve` runs, and when: the analytics every 15 minutes, trending every 10, the
ranking retrain nightly. Add a line to SCHEDULES to schedule another flow.

Prefect's scheduler lives in its server, so `serve` needs one: PREFECT_API_URL when set, otherwise
it starts `prefect server start` itself (with its UI) for as long as it runs.
"""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from pipelines.prefect_compat import configure


@dataclass(frozen=True)
class Schedule:
    name: str  # the deployment's name, shown in the Prefect UI
    flow: str  # "module:attribute" of a Prefect flow
    interval: timedelta | None = None
    cron: str | None = None  # UTC
    parameters: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    def load_flow(self):  # noqa: ANN201
        module, _, attribute = self.flow.partition(":")
        return getattr(importlib.import_module(module), attribute)


SCHEDULES: list[Schedule] = [
    Schedule("analytics-every-15-minutes", "pipelines.flows:analytics_flow", interval=timedelta(minutes=15),
             description="extract → dbt build → publish the KPI snapshot"),
    Schedule("trending-every-10-minutes", "pipelines.retrain:trending_flow", interval=timedelta(minutes=10),
             description="extract → trending lists of the last hours → Redis (explore, the feeds' backup)"),
    # 02:00 WIB (UTC+7): the quietest hour of an Indonesian marketplace.
    Schedule("retrain-nightly", "pipelines.retrain:retrain_flow", cron="0 19 * * *",
             description="extract → posts/products ALS, re-ranker, cold start, trending → a new ranking version"),
]


def api_url_file(var_dir: Path) -> Path:
    """Where a running `lakoo pipeline serve|ui` says which Prefect server it runs, so ad-hoc runs
    (`lakoo pipeline run`) report to it instead of starting a temporary server of their own."""
    return (var_dir / "prefect" / "api_url").resolve()


def running_api_url(var_dir: Path) -> str | None:
    try:
        url = api_url_file(var_dir).read_text().strip()
    except FileNotFoundError:
        return None
    try:
        return url if httpx.get(f"{url}/health", timeout=2).status_code == 200 else None
    except httpx.HTTPError:
        return None


@contextmanager
def prefect_server(var_dir: Path, *, host: str = "127.0.0.1", port: int = 4200,
                   timeout: float = 120) -> Iterator[str]:
    """`prefect server start` (API, UI and scheduler) as a child process; yields its API URL."""
    configure(var_dir)
    url = f"http://{host}:{port}/api"
    env = {**os.environ, "PREFECT_SERVER_API_HOST": host, "PREFECT_SERVER_API_PORT": str(port),
           "PREFECT_UI_API_URL": url}
    env.pop("PREFECT_API_URL", None)
    log_path = Path(os.environ["PREFECT_HOME"]) / "server.log"
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", host, "--port", str(port)]
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    marker = api_url_file(var_dir)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the Prefect server exited ({proc.returncode}); see {log_path}")
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Prefect server did not answer within {timeout:.0f}s; see {log_path}")
            time.sleep(0.5)
        marker.write_text(url + "\n")
        yield url
    finally:
        marker.unlink(missing_ok=True)
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def deployments(schedules: list[Schedule] | None = None) -> list:
    result = []
    for schedule in schedules or SCHEDULES:
        result.append(schedule.load_flow().to_deployment(
            name=schedule.name, interval=schedule.interval, cron=schedule.cron,
            parameters=schedule.parameters or None, description=schedule.description or None))
    return result


def serve(schedules: list[Schedule] | None = None) -> None:
    """Blocks, running each schedule's flow when due, until SIGINT/SIGTERM (Prefect's runner)."""
    from prefect import serve as prefect_serve

    prefect_serve(*deployments(schedules), print_starting_message=False)
