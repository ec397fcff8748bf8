"""Timezone-aware UTC everywhere; one function so tests and code agree on what "now" means.

`travel_to(at)` makes every `utcnow()` in the current task (and the tasks it starts) answer `at`
instead of the wall clock. Only the demo-data generator uses it, to write months of history through
the same services as live traffic; a `ContextVar` keeps the override to the code that set it, so
requests served by the same process at the same moment still see the real time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from commerce.core.errors import ValidationFailed

_simulated_now: ContextVar[datetime | None] = ContextVar("lakoo_simulated_now", default=None)


def utcnow() -> datetime:
    simulated = _simulated_now.get()
    return datetime.now(UTC) if simulated is None else simulated


@contextmanager
def travel_to(at: datetime) -> Iterator[datetime]:
    """Run the block at the simulated instant AT (timezone-aware); nests, and restores on exit."""
    if at.tzinfo is None:
        raise ValueError("travel_to needs a timezone-aware datetime")
    token = _simulated_now.set(at.astimezone(UTC))
    try:
        yield at
    finally:
        _simulated_now.reset(token)


def stamp(at: datetime | None, now: datetime) -> datetime:
    """The time of one item of a bulk use case: AT when given (history being imported), else NOW.
    A time after NOW is refused: nothing can have happened in the future."""
    if at is None:
        return now
    if at.tzinfo is None or at > now:
        raise ValidationFailed("item times must be timezone-aware and not after now", at=at.isoformat())
    return at
