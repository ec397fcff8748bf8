"""Every notebook in notebooks/ runs clean against demo data, and none is committed with outputs."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from commerce.core.db import Database
from serving.seed import seed_demo
from tests.pipelines.conftest import warehouse_settings
from tests.warehouse_data import build_warehouse, truncate_all

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
async def demo_warehouse(settings, tmp_path_factory):  # noqa: ANN001, ANN201
    """Demo data through the services, extracted, built and published once for all notebooks."""
    import asyncio

    wh = warehouse_settings(settings, tmp_path_factory.mktemp("notebooks"))
    truncate_all(wh.database_url)
    database = Database(wh.database_url, pool_size=2)
    try:
        await seed_demo(database, users_count=16, seed=11, settings=wh)
    finally:
        await database.dispose()
    await asyncio.to_thread(build_warehouse, wh)
    return wh


def test_there_are_notebooks():
    assert any(p.name == "engagement.ipynb" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, \
                f"{path.name}: strip outputs before committing (jupyter nbconvert --clear-output --inplace)"
    assert "widgets" not in notebook.get("metadata", {})


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
async def test_notebook_runs_clean_on_demo_data(path, demo_warehouse, monkeypatch):
    import asyncio

    for key, value in {"LAKOO_DATABASE_URL": demo_warehouse.database_url, "LAKOO_REDIS_URL": demo_warehouse.redis_url,
                       "LAKOO_VAR_DIR": str(demo_warehouse.var_dir),
                       "LAKOO_WAREHOUSE_PATH": str(demo_warehouse.resolved_warehouse_path)}.items():
        monkeypatch.setenv(key, value)  # the kernel inherits these: it opens the same snapshot as the API would
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    await asyncio.to_thread(client.execute)  # raises CellExecutionError with the failing cell
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
