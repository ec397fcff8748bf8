"""Makes Prefect's server (ephemeral, test harness, `prefect server start`) run on the pinned stack.

Prefect 3.8's server does not run on the FastAPI and SQLAlchemy in requirements.lock:
- it passes pydantic-v1 keywords (`Body(min_items=…)`) that FastAPI no longer accepts, so the
  server does not even import;
- its scheduler bulk-inserts flow runs with a key SQLAlchemy 2.1 refuses, so scheduled runs are
  never created.
`site/lakoo_prefect_shims.py` fixes both right after the modules are imported: in this process,
and, because Prefect starts its server as a subprocess, in every child too, through a
`sitecustomize` on PYTHONPATH (an import hook: processes that never import them pay nothing).
Drop this package once Prefect supports these versions.

`configure()` also points PREFECT_HOME at var/prefect (runs recorded by `lakoo pipeline run` show up
in the UI of `lakoo pipeline ui`) and turns Prefect's telemetry off, unless already set.
"""

from __future__ import annotations

import os
from pathlib import Path

_SHIM_DIR = Path(__file__).resolve().parent / "site"


def install_shims() -> None:
    """The shims in this process too (the test harness imports Prefect's server modules in-process)."""
    from pipelines.prefect_compat.site.lakoo_prefect_shims import install_hook

    install_hook()


def configure(var_dir: Path | None = None) -> None:
    """Call before Prefect starts a server (first flow run, test harness, `prefect server start`)."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    if var_dir is not None and "PREFECT_HOME" not in os.environ:
        home = (var_dir / "prefect").resolve()
        home.mkdir(parents=True, exist_ok=True)
        os.environ["PREFECT_HOME"] = str(home)
    path = os.environ.get("PYTHONPATH", "")
    if str(_SHIM_DIR) not in path.split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(_SHIM_DIR), path) if p)
    install_shims()
