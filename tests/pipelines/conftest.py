"""Fixtures for the warehouse pipelines: each test gets its own DuckDB warehouse file next to an
emptied test database, so extract watermarks never outlive the rows they describe."""

from __future__ import annotations

from pathlib import Path

import pytest

from commerce.core.settings import Settings
from tests.warehouse_data import truncate_all


def warehouse_settings(settings: Settings, directory: Path) -> Settings:
    return settings.model_copy(update={"warehouse_path": directory / "warehouse.duckdb"})


@pytest.fixture
def wh(settings: Settings, tmp_path: Path) -> Settings:
    """Settings with a fresh warehouse, over an empty database."""
    truncate_all(settings.database_url)
    return warehouse_settings(settings, tmp_path)
