"""notebooks/ranking.ipynb runs top to bottom, with MovieLens and without it (synthetic data)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from ranking.movielens import movielens_dir

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "ranking.ipynb"


def run(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return "\n".join(out.get("text", "") or str(out.get("data", {}).get("text/plain", ""))
                     for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", []))


def test_notebook_is_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") and cell.get("execution_count") is None
               for cell in nb.cells if cell.cell_type == "code")


def test_notebook_falls_back_to_synthetic_data_without_movielens(monkeypatch, tmp_path):
    monkeypatch.setenv("LAKOO_MOVIELENS_DIR", str(tmp_path / "nowhere"))
    text = run(NOTEBOOK)
    assert "SYNTHETIC" in text and "popularity" in text


@pytest.mark.skipif(not (movielens_dir() / "ratings.csv").exists(),
                    reason="MovieLens ml-latest-small is not on this machine (set LAKOO_MOVIELENS_DIR)")
def test_notebook_shows_the_movielens_table():
    text = run(NOTEBOOK)
    assert "data: MovieLens ml-latest-small" in text and "ALS default" in text
