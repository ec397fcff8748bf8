"""Small synthetic platforms shared by the ranking unit tests (generated, never downloaded)."""

from __future__ import annotations

import pytest

from ranking.synthetic import SyntheticPlatform, synthetic_platform


@pytest.fixture(scope="session")
def platform() -> SyntheticPlatform:
    return synthetic_platform(n_users=400, n_posts=500, n_events=24_000, n_topics=8, seed=11)
