"""Shared bits of the ranking benchmarks: the results file, the machine's state, progress bars."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bench.harness import RESULTS_DIR, console

__all__ = ["console", "machine", "progress", "write_results"]


def machine() -> dict[str, Any]:
    """What the figures depend on: a loaded 2-core box halves throughput, so say how loaded it was."""
    return {"cpus": len(os.sched_getaffinity(0)), "loadavg_1m": round(os.getloadavg()[0], 2),
            "at": datetime.now(UTC).isoformat(timespec="seconds"), "commit": _commit()}


def _commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True, cwd=Path(__file__).parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def write_results(name: str, payload: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps({"bench": name, **machine(), **payload}, indent=2, default=str))
    return path


def progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=True)
