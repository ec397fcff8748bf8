"""Making races deterministic: hold a row or index entry in one transaction, start the competing one,
and wait until Postgres reports it blocked on that lock before letting the first commit."""

from __future__ import annotations

import asyncio

from sqlalchemy import text


async def wait_for_lock_waiters(db, count: int = 1, timeout_s: float = 10.0) -> None:  # noqa: ANN001
    """Return once COUNT backends of this test database wait on a lock; fail after TIMEOUT_S."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        async with db.session() as session:
            waiting = await session.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"))
        if waiting >= count:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{waiting} of {count} transactions got as far as waiting on a lock")
        await asyncio.sleep(0.02)
