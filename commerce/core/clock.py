"""Timezone-aware UTC everywhere; one function so tests and code agree on what "now" means."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
